/**
 * The pieces a worker and a replay assemble the same way from the configuration: the pipelines,
 * the bulk driver, the dead-letter writer, and the start-up error for an unreachable Kafka.
 * One place, so a replay parses, names and ids documents exactly as the workers do.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import type { KafkaConfig, KiverConfig, NormalizerConfig } from '../config/types.js';
import { kafkajsRefusal } from '../config/access-refusal.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { DeadLetterWriter } from './dead-letter.js';
import { BulkIndexer, type BulkEvents } from './indexer/bulk.js';
import { ElasticsearchBulkTransport } from './indexer/es-transport.js';
import type { BackoffPolicy } from './indexer/retry.js';
import { loadPipelineSet, type PipelineSet } from './pipeline/index.js';

/** `dir`: where `normalizer.pipelines_dir` resolved to (the CLI resolves the default name). */
export function loadEngine(n: NormalizerConfig, dir: string): Promise<PipelineSet> {
  return loadPipelineSet(dir, {
    timezone: n.timezone,
    keepEventOriginal: n.keep_event_original,
    maxMessageBytes: n.max_message_bytes,
  });
}

export function backoffOf(n: NormalizerConfig): BackoffPolicy {
  return { initialMs: n.retry_initial_ms, maxMs: n.retry_max_ms };
}

export function createBulkIndexer(client: Client, n: NormalizerConfig, events: BulkEvents): BulkIndexer {
  return new BulkIndexer(new ElasticsearchBulkTransport(client), {
    maxBytes: n.bulk_max_bytes,
    maxDocs: n.bulk_max_docs,
    concurrency: n.bulk_concurrency,
    backoff: backoffOf(n),
    events,
  });
}

export function createDeadLetterWriter(kafka: Kafka, config: KiverConfig, logger: Logger): DeadLetterWriter {
  const topic = config.kafka.dlq_topic;
  return new DeadLetterWriter(kafka, topic, backoffOf(config.normalizer), {
    produceFailed: (error, attempt) =>
      logger.warn({ error: error.message, attempt, topic }, 'dead-letter produce failed; retrying'),
  });
}

/**
 * Runs a first connection: a refused password or certificate becomes AccessRefusedError (exit 2),
 * any other kafkajs failure the one-sentence "not reachable" error.
 */
export async function connectKafka(connect: () => Promise<void>, kafka: KafkaConfig): Promise<void> {
  try {
    await connect();
  } catch (error) {
    const refusal = kafkajsRefusal(error, kafka);
    if (refusal) throw refusal;
    const name = (error as Error)?.name ?? '';
    if (name.startsWith('KafkaJS')) {
      throw new ServiceUnavailableError(
        `Kafka at ${kafka.brokers.join(',')} is not reachable (${(error as Error).message}).`,
        'Start it with `kiver stack up` or set kafka.brokers.',
        { cause: error },
      );
    }
    throw error;
  }
}
