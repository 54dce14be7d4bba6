/**
 * The worker's Prometheus metrics, behind the event interfaces the other modules are given
 * (style guide §5): names follow `kiver_normalizer_<what>[_unit][_total]`, labels come from
 * small bounded sets (pipeline and dataset names come from the pipeline files, reason classes
 * and causes from closed unions).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BulkEvents } from './indexer/bulk.js';
import type { DeadLetterClass } from './indexer/item-outcome.js';

export interface WorkerEvents extends BulkEvents {
  /** Raw records read (consumer lag is counted in records too). */
  consumed(topic: string, count: number): void;
  /** Events those records held (a v2 record carries a run of them; a v1 record one). */
  eventsConsumed(topic: string, count: number): void;
  indexed(dataset: string, count: number, duplicates: number): void;
  parseFailed(pipeline: string): void;
  dropped(pipeline: string): void;
  deadLettered(reason: DeadLetterClass, count: number): void;
  lag(topic: string, partition: number, lag: number): void;
  /** A (re)join handed this member its partitions: lag known of earlier ones no longer applies. */
  assigned(): void;
  endToEndDelay(seconds: number): void;
  paused(paused: boolean): void;
}

export interface NormalizerMetrics extends WorkerEvents {
  /** Last known reachability of Elasticsearch (for /healthz). */
  readonly elasticsearchReachable: boolean;
}

export function createNormalizerMetrics(registry: Registry): NormalizerMetrics {
  const p = 'kiver_normalizer_';
  const consumed = new Counter({
    name: `${p}records_consumed_total`,
    help: 'Raw records read from Kafka (each holds a run of events; consumer lag counts records too).',
    labelNames: ['topic'],
    registers: [registry],
  });
  const eventsConsumed = new Counter({
    name: `${p}events_consumed_total`,
    help: 'Events read from Kafka: the lines and multi-line events the raw records carried.',
    labelNames: ['topic'],
    registers: [registry],
  });
  const indexed = new Counter({
    name: `${p}documents_indexed_total`,
    help: 'Documents Elasticsearch holds after our request; result=duplicate is a replay it already had (409 on create).',
    labelNames: ['dataset', 'result'],
    registers: [registry],
  });
  const parseFailures = new Counter({
    name: `${p}parse_failures_total`,
    help: 'Documents a pipeline tagged _parse_failure.',
    labelNames: ['pipeline'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: `${p}documents_dropped_total`,
    help: 'Events a pipeline dropped on purpose (drop processor).',
    labelNames: ['pipeline'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: `${p}dead_lettered_total`,
    help: 'Records written to the dead-letter topic.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const bulkSeconds = new Histogram({
    name: `${p}bulk_request_duration_seconds`,
    help: 'Duration of _bulk requests.',
    labelNames: ['result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const bulkDocs = new Counter({
    name: `${p}bulk_documents_sent_total`,
    help: 'Documents sent in _bulk requests, retries included.',
    registers: [registry],
  });
  const bulkBytes = new Counter({
    name: `${p}bulk_bytes_sent_total`,
    help: 'Bytes sent in _bulk requests, retries included.',
    registers: [registry],
  });
  const retries = new Counter({
    name: `${p}bulk_retries_total`,
    help: 'Retries of _bulk requests (cause=unreachable|overloaded|server_error|auth) and of items (cause=item).',
    labelNames: ['cause'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: `${p}consumer_lag`,
    help: 'Raw records (not events) behind the high watermark, per partition, at the last batch.',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  const delay = new Histogram({
    name: `${p}end_to_end_delay_seconds`,
    help: 'Index time minus collection time.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const reachable = new Gauge({
    name: `${p}elasticsearch_reachable`,
    help: '1 when the last request reached Elasticsearch.',
    registers: [registry],
  });
  const paused = new Gauge({
    name: `${p}partitions_paused`,
    help: '1 while consumption is paused for an Elasticsearch outage.',
    registers: [registry],
  });
  reachable.set(1);
  let isReachable = true;
  return {
    get elasticsearchReachable() {
      return isReachable;
    },
    consumed: (topic, count) => consumed.inc({ topic }, count),
    eventsConsumed: (topic, count) => eventsConsumed.inc({ topic }, count),
    indexed: (dataset, count, duplicates) => {
      if (count - duplicates > 0) indexed.inc({ dataset, result: 'created' }, count - duplicates);
      if (duplicates > 0) indexed.inc({ dataset, result: 'duplicate' }, duplicates);
    },
    parseFailed: (pipeline) => parseFailures.inc({ pipeline }),
    dropped: (pipeline) => dropped.inc({ pipeline }),
    deadLettered: (reason, count) => deadLettered.inc({ reason }, count),
    lag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    assigned: () => lag.reset(),
    endToEndDelay: (seconds) => delay.observe(Math.max(0, seconds)),
    paused: (value) => paused.set(value ? 1 : 0),
    requestCompleted: (seconds, docs, bytes, result) => {
      bulkSeconds.observe({ result }, seconds);
      bulkDocs.inc(docs);
      bulkBytes.inc(bytes);
    },
    retried: (cause, _docs) => retries.inc({ cause }),
    reachability: (value) => {
      isReachable = value;
      reachable.set(value ? 1 : 0);
    },
  };
}
