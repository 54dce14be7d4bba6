/**
 * The pure part of the librdkafka producer: our settings as librdkafka properties, and what
 * a librdkafka error code means for the producer. No native code is loaded here, so the unit
 * tests run where the optional dependency did not build.
 *
 * See docs/librdkafka.md for the table of settings and why each value is what it is.
 */
import type { KafkaCompression, KafkaConfig } from '../../config/types.js';
import type { ProducerSettings } from './port.js';

/** librdkafka properties as `@confluentinc/kafka-javascript`'s native Producer takes them. */
export type LibrdkafkaProperties = Record<string, string | number | boolean>;

/** librdkafka's own default for message.max.bytes; below the broker's default topic limit. */
export const LIBRDKAFKA_MESSAGE_MAX_BYTES = 1_000_000;

/** Key, headers and the record framing librdkafka counts per message, estimated. */
export const RECORD_OVERHEAD_BYTES = 64;

const CODECS: { readonly [K in KafkaCompression]: string } = {
  none: 'none',
  gzip: 'gzip',
  lz4: 'lz4',
  zstd: 'zstd',
};

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/**
 * TLS and SASL of the one Kafka client configuration, as librdkafka properties.
 * `readSecret` reads `sasl.password_file` (injected: this module does no I/O).
 */
export function securityProperties(
  kafka: Pick<KafkaConfig, 'tls' | 'sasl'>,
  readSecret: (file: string) => string,
): LibrdkafkaProperties {
  const { tls, sasl } = kafka;
  const out: LibrdkafkaProperties = {};
  const useSasl = sasl.mechanism !== null;
  out['security.protocol'] = tls.enabled
    ? useSasl
      ? 'sasl_ssl'
      : 'ssl'
    : useSasl
      ? 'sasl_plaintext'
      : 'plaintext';
  if (tls.enabled) {
    // Without a CA file, OpenSSL's default paths (the system store) are used, as Node's
    // bundled CAs are by kafkajs.
    if (tls.ca_file) out['ssl.ca.location'] = tls.ca_file;
    if (tls.cert_file) out['ssl.certificate.location'] = tls.cert_file;
    if (tls.key_file) out['ssl.key.location'] = tls.key_file;
    out['enable.ssl.certificate.verification'] = tls.reject_unauthorized;
    // kafkajs (Node's tls) checks the host name whenever it verifies; so does this.
    out['ssl.endpoint.identification.algorithm'] = tls.reject_unauthorized ? 'https' : 'none';
  }
  if (sasl.mechanism !== null) {
    out['sasl.mechanisms'] = SASL_MECHANISMS[sasl.mechanism];
    out['sasl.username'] = sasl.username ?? '';
    out['sasl.password'] = sasl.password ?? (sasl.password_file ? readSecret(sasl.password_file).trim() : '');
  }
  return out;
}

/**
 * The producer's properties. What matters for the port's contract:
 *  - idempotent with acks=all, gap-less (a failed batch stops librdkafka rather than
 *    leaving a gap that later batches would pass), and no delivery timeout (`message.timeout.ms` 0): librdkafka
 *    retries a record, in order, until it is acknowledged or the producer is closed;
 *  - `murmur2_random`: Java-compatible murmur2 over the key, the partition kafkajs'
 *    DefaultPartitioner and the Java client pick (librdkafka's default, consistent_random,
 *    is CRC32 and would move files to other partitions);
 *  - the local queue bounded in bytes from `max_in_flight_bytes` (not its 1 GB default):
 *    the collector stops reading at that bound, so the queue only holds one more batch and
 *    what a failed request hands back; QUEUE_FULL is backpressure all the same.
 */
export function librdkafkaProperties(
  settings: ProducerSettings,
  readSecret: (file: string) => string,
): LibrdkafkaProperties {
  const k = settings.kafka;
  const batchBytes = Math.max(1024, settings.batchMaxBytes);
  return {
    'bootstrap.servers': k.brokers.join(','),
    'client.id': `${k.client_id}-collector`,
    'enable.idempotence': true,
    acks: 'all',
    'max.in.flight.requests.per.connection': 5,
    // A failed batch stops the producer instead of being skipped: what Kafka holds of a
    // partition stays a prefix of what was sent, and the producer re-sends the rest in order.
    'enable.gapless.guarantee': true,
    'message.timeout.ms': 0,
    'request.timeout.ms': k.request_timeout_ms,
    'socket.connection.setup.timeout.ms': k.connection_timeout_ms,
    'socket.keepalive.enable': true,
    'retry.backoff.ms': 100,
    'retry.backoff.max.ms': 1000,
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 5000,
    partitioner: 'murmur2_random',
    'compression.codec': CODECS[k.compression],
    'linger.ms': settings.batchLingerMs,
    'batch.size': batchBytes,
    // A single record larger than a batch still travels alone, up to this (then it is
    // reshaped before it is queued).
    'message.max.bytes': Math.max(LIBRDKAFKA_MESSAGE_MAX_BYTES, batchBytes + RECORD_OVERHEAD_BYTES),
    'queue.buffering.max.kbytes': queueKbytes(settings),
    // Records are runs of events, so the count is not what bounds memory: the bytes are.
    'queue.buffering.max.messages': 2_000_000,
    // Only the opaque (our token) comes back, not a copy of the value.
    dr_cb: true,
    'statistics.interval.ms': 0,
    // A broker closing an idle connection is not an outage (ALL_BROKERS_DOWN is).
    'log.connection.close': false,
    ...securityProperties(k, readSecret),
  };
}

/** The local queue's bound: the in-flight bound plus two batches of headroom, in KiB. */
export function queueKbytes(settings: Pick<ProducerSettings, 'maxInFlightBytes' | 'batchMaxBytes'>): number {
  return Math.ceil((settings.maxInFlightBytes + 2 * settings.batchMaxBytes) / 1024);
}

/** librdkafka error codes the producer reacts to (from rdkafka.h; negative ones are local). */
export const RdCode = {
  QUEUE_FULL: -184,
  MSG_SIZE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  MSG_TIMED_OUT: -192,
  TRANSPORT: -195,
  ALL_BROKERS_DOWN: -187,
  RESOLVE: -193,
  TIMED_OUT: -185,
  FATAL: -150,
  AUTHENTICATION: -169,
  SSL: -181,
  DESTROY: -197,
  PURGE_QUEUE: -152,
  PURGE_INFLIGHT: -151,
  SASL_AUTHENTICATION_FAILED: 58,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
} as const;

/** What an error code means for a record or for the connection. */
export type ErrorKind =
  /** The local queue is full: keep the record, retry after reports came back. */
  | 'queue-full'
  /** Refused as too large (locally or by the broker): `reshape` it. */
  | 'too-large'
  /** The brokers cannot be reached: Kafka is down for us; librdkafka keeps retrying. */
  | 'down'
  /** The record failed but may succeed when sent again (kept, re-sent in order). */
  | 'retriable'
  /** The producer was closed under the record: it stays unacknowledged. */
  | 'closed'
  /** Authentication, authorization or a fatal producer error: the operator must act. */
  | 'fatal';

export function classifyError(code: number, isFatal = false): ErrorKind {
  if (isFatal || code === RdCode.FATAL) return 'fatal';
  switch (code) {
    case RdCode.QUEUE_FULL:
      return 'queue-full';
    case RdCode.MSG_SIZE_TOO_LARGE:
    case RdCode.RECORD_LIST_TOO_LARGE:
      return 'too-large';
    case RdCode.TRANSPORT:
    case RdCode.ALL_BROKERS_DOWN:
    case RdCode.RESOLVE:
    case RdCode.TIMED_OUT:
      return 'down';
    case RdCode.DESTROY:
    case RdCode.PURGE_QUEUE:
    case RdCode.PURGE_INFLIGHT:
      return 'closed';
    case RdCode.AUTHENTICATION:
    case RdCode.SSL:
    case RdCode.SASL_AUTHENTICATION_FAILED:
    case RdCode.TOPIC_AUTHORIZATION_FAILED:
    case RdCode.CLUSTER_AUTHORIZATION_FAILED:
      return 'fatal';
    default:
      return 'retriable';
  }
}

/**
 * What an `event.error` means. The binding builds those errors from librdkafka's message
 * alone (its code is then -1), so the message decides where the code does not.
 */
export function classifyEventError(code: number, message: string): ErrorKind {
  const byCode = classifyError(code);
  if (code !== -1 && byCode !== 'retriable') return byCode;
  if (/all broker connections are down|failed to resolve/i.test(message)) return 'down';
  if (/gap-less|fatal|authenticat|sasl|ssl handshake|certificate|authoriz/i.test(message)) return 'fatal';
  return 'retriable';
}

/**
 * What to do after the broker refused records as too large (MSG_SIZE_TOO_LARGE: the topic's
 * max.message.bytes is below what librdkafka put in one request, or below one record).
 * If any refused record is below the current batch-size cap, it may have been refused for
 * its batch: the cap is halved once (the producer is rebuilt with it). Each record at or above
 * the (new) cap went alone, so the record itself must be made smaller (`reshape`).
 */
export function planAfterRefusal(
  cap: number,
  recordBytes: readonly number[],
): { cap: number; reshape: boolean[] } {
  const next = recordBytes.some((b) => b < cap) ? Math.max(1024, Math.floor(cap / 2)) : cap;
  return { cap: next, reshape: recordBytes.map((b) => b >= next) };
}
