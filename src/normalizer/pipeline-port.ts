/**
 * The part of the pipeline engine (src/normalizer/pipeline) the worker depends on. Declared
 * here, structurally, so the worker's unit tests can run a tiny stand-in while the engine's
 * own module stays free to grow; the real `PipelineSet` satisfies it.
 */

export interface EngineInput {
  message: string;
  path: string;
  host: string;
  /** Collection time, ms since the epoch. */
  collectedAt: number;
  offset: number;
  fields: Record<string, string>;
  flags: string[];
}

export interface EngineResult {
  /** Nested ECS object with `@timestamp` (ISO string, UTC), `event.dataset`, ... */
  doc: Record<string, unknown>;
  pipeline: string;
  dataset: string;
  failed: boolean;
  dropped: boolean;
}

export interface Engine {
  process(input: EngineInput, options?: { pipeline?: string }): EngineResult;
}
