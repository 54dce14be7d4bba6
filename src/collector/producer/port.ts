/**
 * The collector's producer port: what the collector core needs from a Kafka client, and all
 * it knows of one. Two implementations sit behind it (kafkajs, librdkafka), and the core's
 * unit tests inject an in-memory one instead of a broker.
 *
 * The contract every implementation keeps (ARCHITECTURE.md, guarantee 1):
 *  - idempotent, acks=all: a token comes back through `acknowledged` only once every
 *    in-sync replica has the record;
 *  - records of one key (one file) land on one partition, chosen by Java-compatible murmur2
 *    over the key bytes (kafkajs' default partitioner, Kafka's Java client), so switching
 *    clients never splits a file across partitions; they are acknowledged in the order sent;
 *  - nothing is dropped: a full local queue, an unreachable broker or a retriable error
 *    keeps the record and retries (with backoff) until it is acknowledged or the producer is
 *    closed; the caller sees `hasRoom` turn false and stops reading;
 *  - a record the broker refuses as too large is handed to `reshape` and the smaller records
 *    it returns are sent in its place, in order; the original token is acknowledged once all
 *    of them are;
 *  - `inFlightBytes` counts the value bytes of records handed over and not yet acknowledged.
 */
import type { KafkaConfig } from '../../config/types.js';
import type { CollectorEvents } from '../events.js';

/** One Kafka record the collector produces: a run of consecutive events of one file. */
export interface OutgoingRecord {
  readonly topic: string;
  /** The file's key (`<host>/<dev>:<inode>`): the partition is murmur2 of these bytes. */
  readonly key: string;
  readonly value: Buffer;
  /** Shared between records: never mutated. */
  readonly headers: Readonly<Record<string, string>>;
  /** Events in the record, for metrics. */
  readonly events: number;
}

/** One of the smaller records a too-large one is made into. */
export interface ReshapedRecord {
  readonly value: Buffer;
  readonly events: number;
}

/** What a producer reports back to the collector core. */
export interface ProducerCallbacks<T> {
  /**
   * Kafka acknowledged the records these tokens were sent with (acks=all). For one key,
   * tokens arrive in the order their records were sent.
   */
  acknowledged(tokens: readonly T[]): void;
  /**
   * The broker (or the client's own size limit) refused `value` as too large for `maxBytes`:
   * smaller values carrying the same events in the same order (a run split in two, or a
   * single event's text cut and flagged `truncated`), or null when even an empty event does
   * not fit — the record is then dropped, counted and logged, and its token acknowledged so
   * that the pipeline goes on. A record of one event made into one smaller record was cut: the
   * producer reports `eventCutToFit` once, when that record is acknowledged.
   */
  reshape(value: Buffer, maxBytes: number): ReshapedRecord[] | null;
}

/** The producer's part of the collector's telemetry. */
export type ProducerEvents = Pick<
  CollectorEvents,
  'batchAcknowledged' | 'sendFailed' | 'sendRetried' | 'kafkaStateChanged' | 'eventCutToFit' | 'accessRefused'
>;

export interface RecordProducer<T> {
  /**
   * Hands one record over. Never blocks and never refuses: bounds are kept by the caller
   * reading no more while `hasRoom` is false.
   */
  send(record: OutgoingRecord, token: T): void;
  /** Whether the caller may read more: in-flight bytes (and queued requests) below their bounds. */
  readonly hasRoom: boolean;
  /** Resolves when `hasRoom` becomes true. */
  waitForRoom(): Promise<void>;
  readonly inFlightBytes: number;
  /** False from a failed send until the next acknowledged one. */
  readonly kafkaUp: boolean;
  /**
   * Sends what is buffered and waits until every record handed over is acknowledged, or
   * `timeoutMs` passed. Returns whether everything was acknowledged.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops retrying and disconnects; unacknowledged records stay unacknowledged. */
  close(): Promise<void>;
}

/** What every implementation is built from. */
export interface ProducerSettings {
  readonly kafka: KafkaConfig;
  /** Reading pauses beyond this many unacknowledged value bytes (collector.max_in_flight_bytes). */
  readonly maxInFlightBytes: number;
  /** One produce request's bound (collector.batch_max_bytes). */
  readonly batchMaxBytes: number;
  /** One produce request's bound in events (collector.batch_max_events). */
  readonly batchMaxEvents: number;
  /** How long to wait to fill a request (collector.batch_linger_ms). */
  readonly batchLingerMs: number;
  /** Requests handed over and not yet acknowledged (collector.max_in_flight_batches). */
  readonly maxInFlightBatches: number;
}

export type ProducerFactory = <T>(
  settings: ProducerSettings,
  callbacks: ProducerCallbacks<T>,
  events: ProducerEvents,
) => RecordProducer<T>;
