/**
 * Container envelopes are peeled before any pipeline runs (pipelines/README.md, step 1).
 */
import { DOCKER_PREFIX, peelDocker } from './docker.js';
import { CRI_LINE, peelCri } from './cri.js';
import type { PeelResult } from './types.js';

const CRI_START =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) std(?:out|err)[ \n]|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) std(?:out|err)$/;

export function peelEnvelope(message: string): PeelResult {
  if (DOCKER_PREFIX.test(message)) return peelDocker(message);
  if (CRI_START.test(message)) return peelCri(message);
  return { kind: 'none' };
}

export { CRI_LINE };
export type { Envelope, PeelResult } from './types.js';
