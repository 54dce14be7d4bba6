/**
 * Turns a client's failure into an AccessRefusedError when it means "the server refused our
 * credentials or certificate" or "we do not trust the server's certificate": the cases where
 * retrying is pointless and the operator must change the configuration. Pure (no I/O), so both
 * Kafka clients and the start-up checks share it. Messages name the user and the files, never
 * a password.
 */
import { AccessRefusedError } from '../errors.js';
import type { ElasticsearchConfig, KafkaConfig } from './types.js';

/** Node's TLS verification codes for a server certificate we do not accept. */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * OpenSSL alerts a server sends when it refuses our client certificate (or its absence). Not
 * "handshake failure": that one also means no common protocol or cipher.
 */
const CLIENT_CERT_REFUSED = /alert (bad certificate|certificate required|unknown ca|certificate unknown)/i;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
}

/** The error and what it wraps (kafkajs nests through `cause` and `originalError`). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let e = error as ErrorLike | undefined;
  while (e && typeof e === 'object' && out.length < 6) {
    out.push(e);
    e = (e.cause ?? e.originalError) as ErrorLike | undefined;
  }
  return out;
}

const SASL_NAMES = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

export function kafkaCredentialsRefused(kafka: KafkaConfig): AccessRefusedError {
  const mechanism = kafka.sasl.mechanism ? SASL_NAMES[kafka.sasl.mechanism] : 'SASL';
  return new AccessRefusedError(
    `Kafka (${kafka.brokers.join(',')}) refused the ${mechanism} credentials of user '${kafka.sasl.username ?? ''}'.`,
    'Check kafka.sasl.username, kafka.sasl.mechanism and the password (kafka.sasl.password_file or KIVER_KAFKA__SASL__PASSWORD).',
  );
}

export function kafkaServerUntrusted(kafka: KafkaConfig, reason: string): AccessRefusedError {
  const ca = kafka.tls.ca_file
    ? `the CA in ${kafka.tls.ca_file}`
    : "the system's CAs (kafka.tls.ca_file is not set)";
  return new AccessRefusedError(
    `Kafka's certificate (${kafka.brokers.join(',')}) is not trusted by ${ca}: ${reason}.`,
    'Set kafka.tls.ca_file to the PEM file of the CA that signed the broker certificate.',
  );
}

export function kafkaClientCertRefused(kafka: KafkaConfig): AccessRefusedError {
  const cert = kafka.tls.cert_file
    ? `the client certificate ${kafka.tls.cert_file}`
    : 'a connection without a client certificate';
  return new AccessRefusedError(
    `Kafka (${kafka.brokers.join(',')}) refused ${cert}.`,
    'Set kafka.tls.cert_file and kafka.tls.key_file to a certificate signed by a CA the broker trusts.',
  );
}

/** What a kafkajs (or Node TLS) error means, or null when it is not a refusal. */
export function kafkajsRefusal(error: unknown, kafka: KafkaConfig): AccessRefusedError | null {
  for (const e of chain(error)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return kafkaCredentialsRefused(kafka);
    if (e.code && UNTRUSTED_CODES.has(e.code)) {
      return kafkaServerUntrusted(kafka, (e.message ?? e.code).replace(/^Connection error: /, ''));
    }
    if (CLIENT_CERT_REFUSED.test(e.message ?? '')) return kafkaClientCertRefused(kafka);
  }
  return null;
}

/** librdkafka's codes (rdkafka.h) for failed authentication and SSL. */
const RD_AUTHENTICATION = -169;
const RD_SSL = -181;
const RD_SASL_AUTHENTICATION_FAILED = 58;

/**
 * What a librdkafka error means. Its event errors often carry code -1 and only a message,
 * so the message is read too.
 */
export function librdkafkaRefusal(
  code: number,
  message: string,
  kafka: KafkaConfig,
): AccessRefusedError | null {
  if (
    code === RD_SASL_AUTHENTICATION_FAILED ||
    /SASL authentication (error|failed)|invalid credentials/i.test(message)
  ) {
    return kafkaCredentialsRefused(kafka);
  }
  if (
    /certificate verify failed|unable to get local issuer|self.signed certificate|broker certificate could not be verified/i.test(
      message,
    )
  ) {
    const why = /certificate verify failed[^)]*\)?/i.exec(message)?.[0] ?? 'certificate verify failed';
    return kafkaServerUntrusted(kafka, why);
  }
  if (CLIENT_CERT_REFUSED.test(message)) return kafkaClientCertRefused(kafka);
  if (code === RD_AUTHENTICATION) return kafkaCredentialsRefused(kafka);
  if (code === RD_SSL) return kafkaServerUntrusted(kafka, message);
  return null;
}

const TLS_UNTRUSTED_TEXT =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|Hostname\/IP does not match/i;

/**
 * What an Elasticsearch client error means, or null when it is not a refusal: HTTP 401 (the
 * credentials), 403 (the user's privileges) or a server certificate we do not trust.
 */
export function elasticsearchRefusal(error: unknown, es: ElasticsearchConfig): AccessRefusedError | null {
  const e = error as
    { name?: string; message?: string; meta?: { statusCode?: number; body?: unknown } } | undefined;
  if (!e || typeof e !== 'object') return null;
  const who =
    es.auth.api_key !== null
      ? 'the API key'
      : es.auth.username !== null
        ? `the credentials of user '${es.auth.username}'`
        : 'a request without credentials';
  const status = e.name === 'ResponseError' ? e.meta?.statusCode : undefined;
  if (status === 401) {
    return new AccessRefusedError(
      `Elasticsearch at ${es.url} refused ${who} (HTTP 401).`,
      'Check elasticsearch.auth: username and password (password_file or KIVER_ELASTICSEARCH__AUTH__PASSWORD), or api_key (api_key_file).',
    );
  }
  if (status === 403) {
    return new AccessRefusedError(
      `Elasticsearch at ${es.url} accepted ${who} but refused the request (HTTP 403).`,
      "Give the user's role the privileges on logs-* and index templates (see the README's security section).",
    );
  }
  if (e.name === 'ConnectionError' && TLS_UNTRUSTED_TEXT.test(e.message ?? '')) {
    const ca = es.tls.ca_file
      ? `the CA in ${es.tls.ca_file}`
      : "the system's CAs (elasticsearch.tls.ca_file is not set)";
    return new AccessRefusedError(
      `Elasticsearch's certificate (${es.url}) is not trusted by ${ca}: ${e.message}.`,
      'Set elasticsearch.tls.ca_file to the PEM file of the CA that signed it.',
    );
  }
  return null;
}
