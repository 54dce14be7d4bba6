/**
 * Builds the kafkajs client and producer from our configuration. The producer is
 * idempotent with acks=all; kafkajs requires maxInFlightRequests 1 for that, which also
 * keeps one file's records in order on its partition.
 */
import { readFileSync } from 'node:fs';
import {
  CompressionTypes,
  Kafka,
  Partitioners,
  logLevel,
  type ICustomPartitioner,
  type KafkaConfig as KafkaJsConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaConfig } from '../config/types.js';
import { patchKafkajsIdleLoop } from '../config/kafkajs-idle-patch.js';
import { ConfigError } from '../errors.js';

export function compressionOf(kafka: KafkaConfig): CompressionTypes {
  switch (kafka.compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'lz4':
    case 'zstd':
      // kafkajs ships only gzip; lz4/zstd need a codec package registered at start.
      throw new ConfigError(
        `kafka.compression '${kafka.compression}' is not available in this build of kiver.`,
        "Use 'gzip' or 'none' (--set kafka.compression=gzip).",
      );
  }
}

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

export function createProducer(kafka: KafkaConfig, overrides: Partial<KafkaJsConfig> = {}): Producer {
  patchKafkajsIdleLoop();
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
    createPartitioner: cachedPartitioner,
  });
}

/** Most keys (files) remembered per topic before the cache starts over. */
const PARTITION_CACHE_KEYS = 100_000;

/**
 * kafkajs' default (Java-compatible murmur2) partitioner, remembered per key: every event of
 * a file carries the same key, and hashing it again for each record was ~7% of the
 * collector's CPU. Same partitions as the default; forgotten when a topic's partition count
 * changes.
 */
export const cachedPartitioner: ICustomPartitioner = () => {
  const hash = Partitioners.DefaultPartitioner();
  const topics = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args) => {
    const key = args.message.key;
    if (typeof key !== 'string') return hash(args);
    let t = topics.get(args.topic);
    if (!t || t.partitions !== args.partitionMetadata.length) {
      t = { partitions: args.partitionMetadata.length, byKey: new Map() };
      topics.set(args.topic, t);
    }
    let p = t.byKey.get(key);
    if (p === undefined) {
      p = hash(args);
      if (t.byKey.size >= PARTITION_CACHE_KEYS) t.byKey.clear();
      t.byKey.set(key, p);
    }
    return p;
  };
};
