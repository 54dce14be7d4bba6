/**
 * Builds the collector's kafkajs producer from our configuration. The producer is
 * idempotent with acks=all; kafkajs requires maxInFlightRequests 1 for that, which also
 * keeps one file's records in order on its partition.
 */
import { readFileSync } from 'node:fs';
import {
  Kafka,
  Partitioners,
  logLevel,
  type KafkaConfig as KafkaJsConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaConfig } from '../../config/types.js';
import { prepareKafkajs } from '../../config/kafkajs-setup.js';

function sasl(kafka: KafkaConfig): SASLOptions | undefined {
  const s = kafka.sasl;
  if (!s.mechanism) return undefined;
  const password = s.password ?? (s.password_file ? readFileSync(s.password_file, 'utf8').trim() : '');
  const username = s.username ?? '';
  switch (s.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function createKafkajsRecordProducer(
  kafka: KafkaConfig,
  overrides: Partial<KafkaJsConfig> = {},
): Producer {
  prepareKafkajs();
  const tls = kafka.tls;
  const client = new Kafka({
    clientId: kafka.client_id,
    brokers: [...kafka.brokers],
    connectionTimeout: kafka.connection_timeout_ms,
    requestTimeout: kafka.request_timeout_ms,
    ssl: tls.enabled
      ? {
          rejectUnauthorized: tls.reject_unauthorized,
          ...(tls.ca_file ? { ca: [readFileSync(tls.ca_file, 'utf8')] } : {}),
          ...(tls.cert_file ? { cert: readFileSync(tls.cert_file, 'utf8') } : {}),
          ...(tls.key_file ? { key: readFileSync(tls.key_file, 'utf8') } : {}),
        }
      : undefined,
    sasl: sasl(kafka),
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
