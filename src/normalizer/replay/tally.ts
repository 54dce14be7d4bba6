/**
 * What a replay did, counted through the same event interface the worker's metrics implement:
 * the batch runner reports records read, documents created or already present (409 on
 * `create`), drops and dead letters, and this turns them into the summary.
 */
import type { DeadLetterClass } from '../indexer/item-outcome.js';
import type { WorkerEvents } from '../metrics.js';

export interface ReplaySummary {
  /** Raw records read inside the window. */
  records: number;
  /** Events those records held. */
  events: number;
  /** Documents Elasticsearch did not have and now holds. */
  indexed: number;
  /** Documents it already had (same deterministic id): counted, never overwritten. */
  alreadyPresent: number;
  deadLettered: number;
  /** Dropped on purpose by a pipeline's drop processor. */
  dropped: number;
  /** Left out because their dataset is not one of --dataset. */
  skipped: number;
  /** Of the documents sent, those a pipeline tagged _parse_failure (indexed all the same). */
  parseFailures: number;
}

export class ReplayTally implements WorkerEvents {
  readonly #s: ReplaySummary = {
    records: 0,
    events: 0,
    indexed: 0,
    alreadyPresent: 0,
    deadLettered: 0,
    dropped: 0,
    skipped: 0,
    parseFailures: 0,
  };
  /** For the progress line: last known reachability, records whose every event is settled. */
  reachable = true;
  settledRecords = 0;

  summary(): ReplaySummary {
    return { ...this.#s, dropped: this.#s.dropped - this.#s.skipped };
  }

  /** A dataset filter turned an event into a drop: counted apart from a pipeline's own drops. */
  skipped(): void {
    this.#s.skipped += 1;
  }

  consumed(_topic: string, count: number): void {
    this.#s.records += count;
  }
  eventsConsumed(_topic: string, count: number): void {
    this.#s.events += count;
  }
  indexed(_dataset: string, count: number, duplicates: number): void {
    this.#s.indexed += count - duplicates;
    this.#s.alreadyPresent += duplicates;
  }
  parseFailed(_pipeline: string): void {
    this.#s.parseFailures += 1;
  }
  dropped(_pipeline: string): void {
    this.#s.dropped += 1;
  }
  deadLettered(_reason: DeadLetterClass, count: number): void {
    this.#s.deadLettered += count;
  }
  reachability(reachable: boolean): void {
    this.reachable = reachable;
  }
  // The worker's gauges and histograms have no place in a one-off run's summary.
  lag(): void {}
  assigned(): void {}
  endToEndDelay(): void {}
  paused(): void {}
  requestCompleted(): void {}
  retried(): void {}
}

/** The summary as the lines a terminal shows. */
export function formatSummary(s: ReplaySummary, seconds: number, interrupted: boolean): string[] {
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = [
    `${interrupted ? 'replay interrupted' : 'replay done'} in ${seconds.toFixed(1)} s: read ${n(s.records)} records (${n(s.events)} events)`,
    `  indexed          ${n(s.indexed)}`,
    `  already present  ${n(s.alreadyPresent)}`,
    `  dead-lettered    ${n(s.deadLettered)}`,
  ];
  if (s.dropped > 0) lines.push(`  dropped          ${n(s.dropped)} (by a pipeline's drop processor)`);
  if (s.skipped > 0) lines.push(`  skipped          ${n(s.skipped)} (other datasets than --dataset)`);
  if (s.parseFailures > 0)
    lines.push(`  parse failures   ${n(s.parseFailures)} (indexed, tagged _parse_failure)`);
  return lines;
}
