/**
 * `--dataset`: the replay runs every event through the pipelines as the worker does (the
 * dataset is only known after parsing) and turns those of other datasets into drops, which the
 * batch runner settles without a request. Patterns take `*` wildcards, as `kiver search
 * --dataset` does.
 */
import picomatch from 'picomatch';
import type { Engine, EngineInput, EngineResult } from '../pipeline-port.js';

export function datasetMatcher(patterns: readonly string[]): (dataset: string) => boolean {
  // Datasets hold no '/', so picomatch's '*' matches any run of characters here.
  const matchers = patterns.map((p) => picomatch(p, { nocase: true, dot: true }));
  return (dataset) => matchers.some((m) => m(dataset));
}

export function filterByDataset(engine: Engine, patterns: readonly string[], onSkip: () => void): Engine {
  if (patterns.length === 0) return engine;
  const wanted = datasetMatcher(patterns);
  return {
    process(input: EngineInput, options?: { pipeline?: string }): EngineResult {
      const result = engine.process(input, options);
      if (result.dropped || wanted(result.dataset)) return result;
      onSkip();
      return { ...result, dropped: true };
    },
  };
}
