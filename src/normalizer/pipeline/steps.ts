/**
 * Runs a list of steps on a document: conditions, failures and `on_failure`. A failure that
 * is neither ignored nor handled is recorded and the later processors still run (unlike
 * Elasticsearch ingest), so that path- or field-based steps after a failed grok (dataset,
 * service) still apply; pipelines guard dependent steps with `if` or `ignore_missing`.
 */
import { recordFailure, type EcsDocument } from './document.js';
import type { EventContext, Outcome, Step } from './types.js';

export type StepsResult = 'completed' | 'failed';

export function runSteps(steps: readonly Step[], doc: EcsDocument, ctx: EventContext): StepsResult {
  let failed = false;
  for (const step of steps) {
    if (ctx.dropped) return 'completed';
    if (step.condition && !step.condition(doc)) continue;
    let outcome: Outcome;
    try {
      outcome = step.processor.run(doc, ctx);
    } catch (error) {
      // A processor bug must not lose the event: it becomes a failure like any other.
      outcome = `internal error: ${(error as Error)?.message ?? String(error)}`;
    }
    if (outcome === undefined || step.ignoreFailure) continue;
    if (step.onFailure) {
      if (runSteps(step.onFailure, doc, ctx) === 'failed') failed = true;
      continue;
    }
    recordFailure(doc, `${step.label}: ${outcome}`);
    failed = true;
  }
  return failed ? 'failed' : 'completed';
}
