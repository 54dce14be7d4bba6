/**
 * `kiver replay`: re-indexes the raw records of a time window with the workers' own pipelines,
 * index naming, deterministic ids and bulk `create` (see parts.ts and batch-run.ts), so what
 * Elasticsearch already holds is counted as already present and left as it is, and what is
 * missing comes back exactly once.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import { createElasticsearchClient } from '../../config/clients.js';
import type { KiverConfig } from '../../config/types.js';
import type { Logger } from '../../observability/logger.js';
import { RawRecordCodec } from '../../schema/raw-record.js';
import type { BatchContext } from '../batch-run.js';
import type { DeadLetterWriter } from '../dead-letter.js';
import { setUpIndexing } from '../indexer/setup.js';
import { createKafka } from '../kafka-client.js';
import { connectKafka, createBulkIndexer, createDeadLetterWriter, loadEngine } from '../parts.js';
import { fetchBounds } from '../worker.js';
import { filterByDataset } from './dataset-filter.js';
import { findRanges } from './offsets.js';
import { recordCount, type PartitionRange, type ReplayWindow } from './plan.js';
import { ReplayReader } from './reader.js';
import { ReplayTally, type ReplaySummary } from './tally.js';

export interface ReplayRequest {
  window: ReplayWindow;
  /** Dataset patterns (`*` wildcards); empty: every dataset. */
  datasets: readonly string[];
  /** Where `normalizer.pipelines_dir` resolved to, as for the workers; default: the key as is. */
  pipelinesDir?: string;
}

export interface ReplayPlan {
  topic: string;
  groupId: string;
  ranges: readonly PartitionRange[];
  /** Records in the ranges (an upper bound). */
  total: number;
}

export interface ReplayHooks {
  logger: Logger;
  /** Called once the ranges are known, before reading starts. */
  planned?(plan: ReplayPlan, tally: ReplayTally): void;
  /** Aborting ends the replay after the batch in hand; the summary says what was done. */
  signal?: AbortSignal;
}

export interface ReplayResult {
  plan: ReplayPlan;
  summary: ReplaySummary;
  interrupted: boolean;
}

/** A group name of its own per run, never the workers' (their offsets must not move). */
export function replayGroupId(workersGroup: string, now: number = Date.now()): string {
  return `${workersGroup}.replay-${now.toString(36)}-${process.pid}`;
}

export async function runReplay(
  config: KiverConfig,
  request: ReplayRequest,
  hooks: ReplayHooks,
): Promise<ReplayResult> {
  const { logger } = hooks;
  const n = config.normalizer;
  const tally = new ReplayTally();
  // Pipelines first: a bad pipeline file must fail before anything connects.
  const engine = filterByDataset(
    await loadEngine(n, request.pipelinesDir ?? n.pipelines_dir),
    request.datasets,
    () => tally.skipped(),
  );
  const client: Client = createElasticsearchClient(config.elasticsearch);
  // kafkajs logs every failed connection attempt as an error; a one-shot command ends with one
  // sentence for those instead (connectKafka), so its lines show only when debugging.
  const kafkaLogger = logger.isLevelEnabled('debug') ? logger : logger.child({}, { level: 'fatal' });
  const kafka: Kafka = createKafka(config.kafka, kafkaLogger);
  const admin = kafka.admin();
  let deadLetters: DeadLetterWriter | undefined;
  try {
    const setup = await setUpIndexing(client, config.elasticsearch, logger);
    await connectKafka(() => admin.connect(), config.kafka);
    const ranges = await findRanges(admin, config.kafka.topic, request.window);
    const plan: ReplayPlan = {
      topic: config.kafka.topic,
      groupId: replayGroupId(n.group_id),
      ranges,
      total: recordCount(ranges),
    };
    hooks.planned?.(plan, tally);
    if (ranges.length === 0) return { plan, summary: tally.summary(), interrupted: false };
    deadLetters = createDeadLetterWriter(kafka, config, logger);
    await connectKafka(() => deadLetters!.connect(), config.kafka);
    const context: BatchContext = {
      codec: new RawRecordCodec(),
      engine,
      indexer: createBulkIndexer(client, n, tally),
      deadLetters,
      events: tally,
      mode: setup.mode,
      namespace: config.elasticsearch.namespace,
      groupId: plan.groupId,
      maxBulkBytes: n.bulk_max_bytes,
      maxBulkDocs: n.bulk_max_docs,
    };
    const reader = new ReplayReader(
      kafka,
      {
        groupId: plan.groupId,
        topic: plan.topic,
        ...fetchBounds(n.bulk_max_bytes),
        settled: (records) => (tally.settledRecords += records),
      },
      ranges,
      context,
      logger,
    );
    const onAbort = (): void => reader.abort();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connectKafka(() => reader.read(), config.kafka);
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
    }
    // The group held no offsets and no members now: remove it rather than leave it to expire.
    await admin.deleteGroups([plan.groupId]).catch(() => undefined);
    return { plan, summary: tally.summary(), interrupted: hooks.signal?.aborted === true };
  } finally {
    await deadLetters?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}
