/**
 * The collector's /healthz checks, learnt from the events the core reports (style.md §5):
 * Kafka reachable (the last send succeeded), checkpoint writable (the last write succeeded)
 * and lag within `collector.health_max_lag_bytes`. A failing check carries the error and
 * since when it fails; a failed checkpoint write does not stop reading (the scheduler
 * retries it), so the check turns ok again by itself once a write succeeds.
 */
import type { KiverError } from '../errors.js';
import { FailureSince, type HealthChecks } from '../observability/health.js';
import { noopEvents, type CollectorEvents } from './events.js';

export interface CollectorHealthOptions {
  maxLagBytes: number;
  checkpointDir: string;
  now?: () => number;
}

/** The OS error's own words (`ENOSPC: no space left on device, write`) when there is one. */
function rootMessage(error: KiverError): string {
  const cause = error.cause;
  return cause instanceof Error && cause.message ? cause.message : error.message;
}

export class CollectorHealth {
  readonly #kafka: FailureSince;
  readonly #checkpoint: FailureSince;
  readonly #options: CollectorHealthOptions;
  /** Listens for the three events that move the checks; pass it to fanOut. */
  readonly events: CollectorEvents;

  constructor(options: CollectorHealthOptions) {
    const now = options.now ?? Date.now;
    this.#options = options;
    this.#kafka = new FailureSince(now);
    this.#checkpoint = new FailureSince(now);
    this.events = {
      ...noopEvents,
      kafkaStateChanged: (up, reason) => (up ? this.#kafka.recover() : this.#kafka.fail(reason)),
      checkpointWritten: () => this.#checkpoint.recover(),
      checkpointWriteFailed: (error) =>
        this.#checkpoint.fail(`${rootMessage(error)} in ${this.#options.checkpointDir}`),
    };
  }

  get checkpointWritable(): boolean {
    return !this.#checkpoint.failing;
  }

  checks(lagBytes: number): HealthChecks {
    const max = this.#options.maxLagBytes;
    return {
      kafka: this.#kafka.failing
        ? { ok: false, detail: `sends to Kafka fail: ${this.#kafka.detail}; reading waits for it` }
        : { ok: true, detail: 'the last send to Kafka succeeded' },
      checkpoint: this.#checkpoint.failing
        ? { ok: false, detail: this.#checkpoint.detail }
        : { ok: true, detail: 'the last checkpoint write succeeded' },
      lag: {
        ok: lagBytes <= max,
        detail: `${lagBytes} bytes behind the files (bound ${max}, collector.health_max_lag_bytes)`,
      },
    };
  }
}
