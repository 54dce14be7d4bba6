/**
 * A normalizer worker assembled from its parts: pipelines, the Elasticsearch side (templates,
 * bulk driver), the dead-letter producer, the consumer-group member, metrics and health.
 * Start-up fails fast with one KiverError; at run time outages are waited out.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { KiverConfig } from '../config/types.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createRegistry, startMetricsServer, type MetricsServer } from '../observability/metrics-server.js';
import { isHealthy } from '../observability/health.js';
import { loadPipelineSet } from './pipeline/index.js';
import { RawRecordCodec } from '../schema/raw-record.js';
import { NormalizerConsumer } from './consumer.js';
import { DeadLetterWriter } from './dead-letter.js';
import { BulkIndexer } from './indexer/bulk.js';
import { ElasticsearchBulkTransport } from './indexer/es-transport.js';
import { createElasticsearchClient } from '../config/clients.js';
import { setUpIndexing, type IndexSetup } from './indexer/setup.js';
import { createKafka } from './kafka-client.js';
import { waitForTopic } from './topic-wait.js';
import { createNormalizerMetrics, type NormalizerMetrics } from './metrics.js';
import { WorkerHealth } from './health.js';
import type { Engine } from './pipeline-port.js';

const MiB = 1024 * 1024;

export interface WorkerOptions {
  logger: Logger;
  registry?: Registry;
  /** Replaces the pipelines loaded from `normalizer.pipelines_dir` (tests). */
  engine?: Engine;
}

export interface Worker {
  readonly setup: IndexSetup;
  readonly metrics: NormalizerMetrics;
  readonly metricsUrl: string | null;
  healthy(): boolean;
  /** Finishes the batch in hand, commits, leaves the group; bounded by `normalizer.shutdown_timeout_ms`. */
  stop(): Promise<void>;
}

/** Fetch bounds: big enough for a multi-megabyte record, small enough to keep one batch in hand. */
export function fetchBounds(bulkMaxBytes: number): { maxBytesPerPartition: number; maxBytes: number } {
  const perPartition = Math.max(8 * MiB, bulkMaxBytes);
  return { maxBytesPerPartition: perPartition, maxBytes: 2 * perPartition };
}

export async function startWorker(config: KiverConfig, options: WorkerOptions): Promise<Worker> {
  const { logger } = options;
  const n = config.normalizer;
  // Pipelines first: a bad pipeline file must fail before anything connects.
  const engine =
    options.engine ??
    (await loadPipelineSet(n.pipelines_dir, {
      timezone: n.timezone,
      keepEventOriginal: n.keep_event_original,
      maxMessageBytes: n.max_message_bytes,
    }));
  const registry = options.registry ?? createRegistry();
  const metrics = createNormalizerMetrics(registry);
  const client: Client = createElasticsearchClient(config.elasticsearch);
  let kafka: Kafka | undefined;
  let deadLetters: DeadLetterWriter | undefined;
  let consumer: NormalizerConsumer | undefined;
  let server: MetricsServer | null = null;
  try {
    // The Kafka client first: it only reads the configuration (certificate files), so a bad
    // one is refused before anything connects, as `kiver check --for normalize` refuses it.
    kafka = createKafka(config.kafka, logger);
    const setup = await setUpIndexing(client, config.elasticsearch, logger);
    const backoff = { initialMs: n.retry_initial_ms, maxMs: n.retry_max_ms };
    deadLetters = new DeadLetterWriter(kafka, config.kafka.dlq_topic, backoff, {
      produceFailed: (error, attempt) =>
        logger.warn(
          { error: error.message, attempt, topic: config.kafka.dlq_topic },
          'dead-letter produce failed; retrying',
        ),
    });
    await connectKafka(() => deadLetters!.connect(), config.kafka.brokers);
    const health = new WorkerHealth({ groupId: n.group_id, maxLagRecords: n.health_max_lag_records });
    const events = {
      ...metrics,
      reachability: (reachable: boolean) => {
        metrics.reachability(reachable);
        health.reachability(reachable);
        if (reachable) consumer?.resume();
        else consumer?.pause();
      },
      lag: (topic: string, partition: number, records: number) => {
        metrics.lag(topic, partition, records);
        health.lag(topic, partition, records);
      },
      assigned: () => {
        metrics.assigned();
        health.assigned();
      },
    };
    const indexer = new BulkIndexer(new ElasticsearchBulkTransport(client), {
      maxBytes: n.bulk_max_bytes,
      maxDocs: n.bulk_max_docs,
      concurrency: n.bulk_concurrency,
      backoff,
      events,
    });
    consumer = new NormalizerConsumer(
      kafka,
      {
        groupId: n.group_id,
        topic: config.kafka.topic,
        ...fetchBounds(n.bulk_max_bytes),
        retryInitialMs: n.retry_initial_ms,
        retryMaxMs: n.retry_max_ms,
      },
      {
        codec: new RawRecordCodec(),
        engine,
        indexer,
        deadLetters,
        events,
        mode: setup.mode,
        namespace: config.elasticsearch.namespace,
        groupId: n.group_id,
        maxBulkBytes: n.bulk_max_bytes,
        maxBulkDocs: n.bulk_max_docs,
      },
      events,
      logger,
    );
    const c = consumer;
    const healthy = (): boolean => isHealthy({ checks: health.checks(c.joined) });
    server = await startMetricsServer(config.metrics.listen, registry, () => ({
      checks: health.checks(c.joined),
      details: {
        consumer_joined: c.joined,
        elasticsearch_reachable: metrics.elasticsearchReachable,
        index_mode: setup.mode,
      },
    }));
    const topicKafka = kafka;
    await connectKafka(
      () => waitForTopic(topicKafka, config.kafka.topic, logger, c.abortSignal),
      config.kafka.brokers,
    );
    await connectKafka(() => c.start(), config.kafka.brokers);
    logger.info(
      { group: n.group_id, topic: config.kafka.topic, metrics: server?.url ?? null },
      'normalizer started',
    );
    let stopping: Promise<void> | undefined;
    const dlq = deadLetters;
    const srv = server;
    return {
      setup,
      metrics,
      metricsUrl: server?.url ?? null,
      healthy,
      stop: () =>
        (stopping ??= (async () => {
          // Leave a quarter of the budget for the commit and the LeaveGroup after giving up on the batch.
          await c
            .stop(Math.floor(n.shutdown_timeout_ms * 0.75))
            .catch((error: unknown) => logger.warn({ error: String(error) }, 'consumer stop failed'));
          await dlq.disconnect().catch(() => undefined);
          await client.close().catch(() => undefined);
          await srv?.close();
          logger.info('normalizer stopped');
        })()),
    };
  } catch (error) {
    await consumer?.stop(0).catch(() => undefined);
    await deadLetters?.disconnect().catch(() => undefined);
    await client.close().catch(() => undefined);
    await server?.close();
    throw error;
  }
}

async function connectKafka(connect: () => Promise<void>, brokers: readonly string[]): Promise<void> {
  try {
    await connect();
  } catch (error) {
    const name = (error as Error)?.name ?? '';
    if (name.startsWith('KafkaJS')) {
      throw new ServiceUnavailableError(
        `Kafka at ${brokers.join(',')} is not reachable (${(error as Error).message}).`,
        'Start it with `kiver stack up` or set kafka.brokers.',
        { cause: error },
      );
    }
    throw error;
  }
}
