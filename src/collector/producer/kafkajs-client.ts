/**
 * Builds the collector's kafkajs producer from the project's one Kafka client set-up
 * (config/clients.ts: brokers, TLS, SASL, the codecs). The producer is idempotent with
 * acks=all; kafkajs requires maxInFlightRequests 1 for that, which also keeps one file's
 * records in order on its partition.
 */
import { Partitioners, logLevel, type KafkaConfig as KafkaJsConfig, type Producer } from 'kafkajs';
import { createKafka } from '../../config/clients.js';
import type { KafkaConfig } from '../../config/types.js';

export function createKafkajsRecordProducer(
  kafka: KafkaConfig,
  overrides: Partial<KafkaJsConfig> = {},
): Producer {
  const client = createKafka(kafka, 'collector', {
    // Our sender retries forever with its own backoff and logs state changes once; kafkajs'
    // own retries are kept short so an outage surfaces quickly.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
    ...overrides,
  });
  return client.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
    // Java-compatible murmur2 over the key: the partition librdkafka's murmur2_random picks too.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
