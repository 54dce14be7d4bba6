/**
 * A worker's /healthz checks: Kafka (the consumer is a member of its group), Elasticsearch
 * (the last request reached it) and, once a batch has told it, lag (raw records behind the
 * high watermarks of the assigned partitions, within `normalizer.health_max_lag_records`).
 * Fed by the worker's events; the clock is injected so "since when" is testable.
 */
import { FailureSince, type HealthChecks } from '../observability/health.js';

export interface WorkerHealthOptions {
  groupId: string;
  maxLagRecords: number;
  now?: () => number;
}

export class WorkerHealth {
  readonly #options: WorkerHealthOptions;
  readonly #kafka: FailureSince;
  readonly #elasticsearch: FailureSince;
  /** `topic/partition` -> records behind, at that partition's last batch. */
  readonly #lag = new Map<string, number>();

  constructor(options: WorkerHealthOptions) {
    const now = options.now ?? Date.now;
    this.#options = options;
    this.#kafka = new FailureSince(now);
    this.#elasticsearch = new FailureSince(now);
  }

  reachability(reachable: boolean): void {
    if (reachable) this.#elasticsearch.recover();
    else this.#elasticsearch.fail('Elasticsearch is unreachable; consumption is paused until it returns');
  }

  lag(topic: string, partition: number, records: number): void {
    this.#lag.set(`${topic}/${partition}`, records);
  }

  /** A (re)join: partitions taken away by the rebalance no longer count. */
  assigned(): void {
    this.#lag.clear();
  }

  /** `joined` is read at each probe: the consumer's own state is the truth. */
  checks(joined: boolean): HealthChecks {
    if (joined) this.#kafka.recover();
    else this.#kafka.fail(`not a member of consumer group ${this.#options.groupId}`);
    const checks: Record<string, { ok: boolean; detail: string }> = {
      kafka: joined
        ? { ok: true, detail: `member of consumer group ${this.#options.groupId}` }
        : { ok: false, detail: this.#kafka.detail },
      elasticsearch: this.#elasticsearch.failing
        ? { ok: false, detail: this.#elasticsearch.detail }
        : { ok: true, detail: 'the last request reached Elasticsearch' },
    };
    if (this.#lag.size > 0) {
      let total = 0;
      for (const v of this.#lag.values()) total += v;
      const max = this.#options.maxLagRecords;
      checks.lag = {
        ok: total <= max,
        detail: `${total} raw records behind over ${this.#lag.size} partitions (bound ${max}, normalizer.health_max_lag_records)`,
      };
    }
    return checks;
  }
}
