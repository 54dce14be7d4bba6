/**
 * Kafka and Elasticsearch clients built from the configuration, so TLS, SASL and
 * authentication are set up in one place for the collector, the workers and kiver search.
 */
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors.js';
import type { ElasticsearchConfig, KafkaConfig } from './types.js';
import { prepareKafkajs } from './kafkajs-setup.js';

function readPem(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Cannot read ${key} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      'Point it at a readable PEM file.',
    );
  }
}

function kafkaSasl(config: KafkaConfig): SASLOptions | undefined {
  const { mechanism, username, password } = config.sasl;
  if (mechanism === null || username === null || password === null) return undefined;
  return { mechanism, username, password } as SASLOptions;
}

/** kafkajs options from the configuration; `clientSuffix` tells the roles apart in broker logs. */
export function kafkaOptions(config: KafkaConfig, clientSuffix: string): KafkaJsConfig {
  const tls = config.tls;
  const ssl = tls.enabled
    ? {
        rejectUnauthorized: tls.reject_unauthorized,
        ...(tls.ca_file ? { ca: [readPem(tls.ca_file, 'kafka.tls.ca_file')] } : {}),
        ...(tls.cert_file ? { cert: readPem(tls.cert_file, 'kafka.tls.cert_file') } : {}),
        ...(tls.key_file ? { key: readPem(tls.key_file, 'kafka.tls.key_file') } : {}),
      }
    : undefined;
  const sasl = kafkaSasl(config);
  return {
    clientId: `${config.client_id}-${clientSuffix}`,
    brokers: [...config.brokers],
    connectionTimeout: config.connection_timeout_ms,
    requestTimeout: config.request_timeout_ms,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    // kafkajs logs through its own console logger; the callers attach pino via logCreator.
    logLevel: logLevel.WARN,
  };
}

export function createKafka(
  config: KafkaConfig,
  clientSuffix: string,
  overrides: Partial<KafkaJsConfig> = {},
): Kafka {
  prepareKafkajs();
  return new Kafka({ ...kafkaOptions(config, clientSuffix), ...overrides });
}

export function createElasticsearchClient(config: ElasticsearchConfig): Client {
  const { username, password, api_key } = config.auth;
  const auth =
    api_key !== null
      ? { apiKey: api_key }
      : username !== null && password !== null
        ? { username, password }
        : undefined;
  const ca = config.tls.ca_file ? readPem(config.tls.ca_file, 'elasticsearch.tls.ca_file') : undefined;
  return new Client({
    node: config.url,
    requestTimeout: config.request_timeout_ms,
    ...(auth ? { auth } : {}),
    tls: { rejectUnauthorized: config.tls.reject_unauthorized, ...(ca ? { ca } : {}) },
    // Retries are the indexer's own policy (backoff, pause); the client's would hide outages.
    maxRetries: 0,
  });
}
