/**
 * The dead-letter topic (`kafka.dlq_topic`): where a record goes when it cannot become a
 * document in Elasticsearch — undecodable bytes, a pipeline that threw, a mapping conflict, a
 * document Elasticsearch refuses. A dead letter counts as "settled" only once Kafka
 * acknowledged it with acks=all, so committing past it loses nothing (guarantee 1).
 *
 * A raw record (v2) carries a run of events: a bad event is dead-lettered alone, its `raw` a
 * raw record of that one event (current schema) and `event` its coordinates in the file; only a
 * record that cannot be decoded at all is dead-lettered whole (`event` null).
 *
 * Record value: UTF-8 JSON, shape `DeadLetter` below (version 1; `event` was added with schema
 * v2 and is null in letters of whole records). Key: the raw record's key.
 * Headers: `kiver.dlq.version`, `kiver.dlq.reason_class`, and the raw record's schema
 * fingerprint header when it had one, so a replay tool can decode `raw` directly.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { FINGERPRINT_HEADER, identityString, type FileIdentity } from '../schema/raw-record.js';
import type { DeadLetterClass } from './indexer/item-outcome.js';
import { backoffDelay, type BackoffPolicy } from './indexer/retry.js';

export const DEAD_LETTER_VERSION = 1;
/**
 * Raw bytes kept in a dead letter. Below Kafka's default 1 MB message limit once base64'd, so
 * a huge poison record cannot make the dead-letter topic itself refuse it; when cut,
 * `raw.truncated` says so and `source` still points at the full record in the raw topic.
 */
export const MAX_DEAD_LETTER_RAW_BYTES = 640 * 1024;
const MAX_REASON_CHARS = 4096;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka message timestamp, ms since the epoch, as Kafka gives it (a string). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  schemaFingerprint: string | null;
}

export interface DeadLetterCause {
  class: DeadLetterClass;
  reason: string;
  /** Elasticsearch's status and error type, when Elasticsearch refused the document. */
  status?: number;
  errorType?: string;
  pipeline?: string;
  dataset?: string;
  index?: string;
  documentId?: string;
}

/** Where a dead-lettered event sits: its file (generation included) and byte range. */
export interface DeadLetterEvent {
  host: string;
  path: string;
  file: FileIdentity;
  offset: number;
  length: number;
}

/** The JSON shape of a dead-letter record's value. */
export interface DeadLetter {
  kiver_dead_letter: typeof DEAD_LETTER_VERSION;
  reason_class: DeadLetterClass;
  reason: string;
  elasticsearch: { status: number; error_type: string } | null;
  pipeline: string | null;
  dataset: string | null;
  index: string | null;
  document_id: string | null;
  /** The event's coordinates; null when the whole record could not be decoded. */
  event: {
    host: string;
    path: string;
    file: { dev: string; inode: string; fingerprint: string; generation: number; identity: string };
    offset: number;
    length: number;
  } | null;
  source: {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string;
    key_base64: string | null;
    schema_fingerprint: string | null;
  };
  raw: { encoding: 'base64'; size: number; truncated: boolean; data: string };
  worker: { group_id: string; host: string; pid: number };
  dead_lettered_at: string;
}

export function buildDeadLetter(
  source: DeadLetterSource,
  cause: DeadLetterCause,
  event: DeadLetterEvent | null,
  groupId: string,
  now: Date = new Date(),
): DeadLetter {
  const value = source.value ?? Buffer.alloc(0);
  const kept = value.subarray(0, MAX_DEAD_LETTER_RAW_BYTES);
  return {
    kiver_dead_letter: DEAD_LETTER_VERSION,
    reason_class: cause.class,
    reason: cause.reason.slice(0, MAX_REASON_CHARS),
    elasticsearch:
      cause.status !== undefined && cause.errorType !== undefined
        ? { status: cause.status, error_type: cause.errorType }
        : null,
    pipeline: cause.pipeline ?? null,
    dataset: cause.dataset ?? null,
    index: cause.index ?? null,
    document_id: cause.documentId ?? null,
    event: event
      ? {
          host: event.host,
          path: event.path,
          file: { ...event.file, identity: identityString(event.file) },
          offset: event.offset,
          length: event.length,
        }
      : null,
    source: {
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      timestamp: source.timestamp,
      key_base64: source.key ? source.key.toString('base64') : null,
      schema_fingerprint: source.schemaFingerprint,
    },
    raw: {
      encoding: 'base64',
      size: value.length,
      truncated: kept.length < value.length,
      data: kept.toString('base64'),
    },
    worker: { group_id: groupId, host: hostname(), pid: process.pid },
    dead_lettered_at: now.toISOString(),
  };
}

export function deadLetterMessage(letter: DeadLetter, key: Buffer | null): Message {
  const headers: Record<string, string> = {
    'kiver.dlq.version': String(DEAD_LETTER_VERSION),
    'kiver.dlq.reason_class': letter.reason_class,
  };
  if (letter.source.schema_fingerprint) headers[FINGERPRINT_HEADER] = letter.source.schema_fingerprint;
  return { key, value: JSON.stringify(letter), headers };
}

export interface DeadLetterEvents {
  produceFailed(error: Error, attempt: number): void;
}

/** Writes dead letters with acks=all, retrying until acknowledged or aborted. */
export class DeadLetterWriter {
  readonly #producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly backoff: BackoffPolicy,
    private readonly events: DeadLetterEvents,
  ) {
    // Idempotent: a produce retried after a lost acknowledgement does not write the letter twice.
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }

  /** True once Kafka acknowledged every message; false when `signal` aborted first. */
  async send(messages: Message[], signal: AbortSignal): Promise<boolean> {
    if (messages.length === 0) return true;
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) return false;
      try {
        await this.#producer.send({ topic: this.topic, acks: -1, messages });
        return true;
      } catch (error) {
        this.events.produceFailed(error as Error, attempt);
        try {
          await sleep(backoffDelay(attempt, this.backoff), undefined, { signal });
        } catch {
          return false;
        }
      }
    }
  }
}
