/** The normalizer worker's public surface (the pipeline engine has its own, in ./pipeline). */
export { startWorker, fetchBounds, type Worker, type WorkerOptions } from './worker.js';
export { documentId } from './ids.js';
export { targetIndex, dataStreamName, type IndexMode } from './index-naming.js';
export {
  buildTemplates,
  INDEX_TEMPLATE_NAME,
  SETTINGS_COMPONENT,
  MAPPINGS_COMPONENT,
} from './indexer/templates.js';
export type { DeadLetter } from './dead-letter.js';
