/**
 * The producer port on kafkajs. Records are batched and sent with acks=all, in order, one
 * batch at a time; batches close on bytes, events or linger time. A failed batch is retried
 * with backoff until it succeeds (or shutdown), so nothing is skipped and one file's records
 * never overtake each other; while it fails, batches pile up to their bounds, `hasRoom` turns
 * false, and the collector stops reading: memory stays bounded.
 *
 * The broker refuses a record batch larger than the topic's `max.message.bytes`
 * (MESSAGE_TOO_LARGE; 1 MiB by default, compressed size). That is not retriable as it is:
 * the batch is split in halves, in order, down to single records, and a single record that
 * is still too large goes to `reshape` (a run split in two, or its one event cut) until it
 * fits. The smallest size refused is remembered, so later batches are split before sending
 * instead of failing first. Nothing is retried forever and nothing is dropped silently.
 *
 * Why one batch at a time: kafkajs gives no ordering between concurrent send() calls when
 * one of them is retried, and the idempotent producer (maxInFlightRequests 1) serialises
 * requests to a broker anyway. Reading and encoding still overlap with the network wait.
 */
import PQueue from 'p-queue';
import type { CompressionTypes, KafkaConfig as KafkaJsConfig, Message, Producer } from 'kafkajs';
import { kafkajsCompression } from '../../config/kafkajs-codecs.js';
import { kafkajsRefusal } from '../../config/access-refusal.js';
import { createKafkajsRecordProducer } from './kafkajs-client.js';
import type {
  OutgoingRecord,
  ProducerCallbacks,
  ProducerEvents,
  ProducerFactory,
  ProducerSettings,
  RecordProducer,
} from './port.js';

/** kafkajs wraps a protocol error in KafkaJSNonRetriableError; look through the chain. */
export function isTooLarge(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * One batch: parallel arrays, one entry per record. A record reshaped into several carries
 * its token on the last part only, so the token is acknowledged once every part is.
 */
interface Batch<T> {
  topics: string[];
  messages: Message[];
  tokens: (T | null)[];
  events: number[];
  /** Value bytes before the first cut of a one-event record that was cut to fit, else null. */
  cutFrom: (number | null)[];
  bytes: number;
  eventCount: number;
}

type Outcome = 'ok' | 'too-large' | 'gave-up';

/** Bytes a record counts for (value, key and an estimate of the record framing). */
function recordBytes(m: Message): number {
  return (m.value as Buffer).length + (m.key as string).length + 64;
}

/** Test hooks: extra kafkajs client options (a socketFactory through a proxy), or a ready producer. */
export interface KafkajsHooks {
  client?: Partial<KafkaJsConfig>;
  producer?: Producer;
}

/** The kafkajs factory, optionally with test hooks. */
export function kafkajsProducerFactory(hooks: KafkajsHooks = {}): ProducerFactory {
  return (settings, callbacks, events) => {
    const compression = kafkajsCompression(settings.kafka.compression);
    const given = hooks.producer;
    // A producer is replaced only after the broker refused a too-large batch (see #send).
    const newProducer = given ? () => given : () => createKafkajsRecordProducer(settings.kafka, hooks.client);
    return new KafkajsProducer(newProducer, settings, compression, callbacks, events);
  };
}

export const createKafkajsProducer: ProducerFactory = kafkajsProducerFactory();

class KafkajsProducer<T> implements RecordProducer<T> {
  #producer: Producer;
  readonly #newProducer: () => Producer;
  readonly #settings: ProducerSettings;
  readonly #compression: CompressionTypes;
  readonly #callbacks: ProducerCallbacks<T>;
  readonly #events: ProducerEvents;
  readonly #queue = new PQueue({ concurrency: 1 });
  #open: Batch<T> | null = null;
  #linger: NodeJS.Timeout | null = null;
  #inFlightBytes = 0;
  #batchesQueued = 0;
  #connected = false;
  #up = true;
  /** A refusal was reported and no send succeeded since. */
  #refused = false;
  #stopping = false;
  #giveUpAtMs = Infinity;
  #roomWaiters: (() => void)[] = [];
  /** Below the smallest multi-record size the broker refused: later batches are split to it. */
  #sizeCap = Infinity;

  constructor(
    newProducer: () => Producer,
    settings: ProducerSettings,
    compression: CompressionTypes,
    callbacks: ProducerCallbacks<T>,
    events: ProducerEvents,
  ) {
    this.#newProducer = newProducer;
    this.#producer = newProducer();
    this.#settings = settings;
    this.#compression = compression;
    this.#callbacks = callbacks;
    this.#events = events;
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  get kafkaUp(): boolean {
    return this.#up;
  }

  get hasRoom(): boolean {
    return (
      this.#inFlightBytes < this.#settings.maxInFlightBytes &&
      this.#batchesQueued < this.#settings.maxInFlightBatches
    );
  }

  waitForRoom(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  send(record: OutgoingRecord, token: T): void {
    const size = record.value.length + record.key.length + 64;
    let b = this.#open;
    // Close the batch before it would exceed its byte bound (a batch stays at most
    // batch_max_bytes unless one record alone is larger).
    if (b && b.bytes + size > this.#settings.batchMaxBytes) {
      this.#flush();
      b = null;
    }
    if (!b) {
      b = { topics: [], messages: [], tokens: [], events: [], cutFrom: [], bytes: 0, eventCount: 0 };
      this.#open = b;
      this.#linger = setTimeout(() => this.#flush(), this.#settings.batchLingerMs);
    }
    b.topics.push(record.topic);
    b.messages.push({ key: record.key, value: record.value, headers: record.headers });
    b.tokens.push(token);
    b.events.push(record.events);
    b.cutFrom.push(null);
    b.bytes += size;
    b.eventCount += record.events;
    this.#inFlightBytes += size;
    if (b.bytes >= this.#settings.batchMaxBytes || b.eventCount >= this.#settings.batchMaxEvents)
      this.#flush();
  }

  async drain(timeoutMs: number): Promise<boolean> {
    this.#flush();
    this.#giveUpAtMs = Date.now() + timeoutMs;
    this.#stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.#queue.onIdle().then(() => 'idle' as const), timedOut]);
    clearTimeout(timer);
    return result === 'idle' && this.#inFlightBytes === 0;
  }

  async close(): Promise<void> {
    this.#stopping = true;
    this.#giveUpAtMs = 0;
    if (this.#linger) clearTimeout(this.#linger);
    this.#queue.clear();
    if (this.#connected) await this.#producer.disconnect().catch(() => undefined);
    this.#connected = false;
  }

  /** Closes the open batch and queues it for sending. */
  #flush(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    const b = this.#open;
    if (!b) return;
    this.#open = null;
    this.#batchesQueued += 1;
    void this.#queue.add(() => this.#send(b));
  }

  /** Sends one batch as consecutive ranges, in order, splitting and reshaping on MESSAGE_TOO_LARGE. */
  async #send(b: Batch<T>): Promise<void> {
    const ranges: [number, number][] = [];
    this.#splitToCap(b, 0, b.messages.length, ranges);
    while (ranges.length > 0) {
      const [start, end] = ranges[0]!;
      const outcome = await this.#sendRange(b, start, end);
      if (outcome === 'gave-up') break;
      if (outcome === 'ok') {
        ranges.shift();
        this.#acknowledge(b, start, end);
        continue;
      }
      // Too large. The broker may have appended other partitions of the same request; the
      // idempotent producer would reject the differently cut batches that follow as out of
      // sequence, so a fresh producer (new producer id) sends them. Those partitions' records
      // may then be in Kafka twice: at-least-once, as after any crash.
      await this.#replaceProducer();
      if (end - start > 1) {
        let bytes = 0;
        for (let i = start; i < end; i++) bytes += recordBytes(b.messages[i]!);
        this.#sizeCap = Math.min(this.#sizeCap, Math.floor(bytes / 2));
        const mid = (start + end) >>> 1;
        ranges.splice(0, 1, [start, mid], [mid, end]);
        continue;
      }
      this.#reshapeOne(b, start, ranges);
    }
    this.#release(b);
  }

  /** Replaces the single too-large record at `i` by the parts `reshape` makes of it. */
  #reshapeOne(b: Batch<T>, i: number, ranges: [number, number][]): void {
    const m = b.messages[i]!;
    const value = m.value as Buffer;
    const parts = this.#callbacks.reshape(value, Math.floor(value.length / 2));
    if (parts === null || parts.length === 0) {
      // Even an empty event does not fit: a topic limit below a record's own metadata.
      // Dropped, loudly: the pipeline must not stop for it.
      this.#events.sendFailed('MESSAGE_TOO_LARGE', 'record dropped: even its metadata exceeds the limit');
      ranges.shift();
      this.#acknowledge(b, i, i + 1);
      return;
    }
    const token = b.tokens[i]!;
    const extra = parts.length - 1;
    // One event made into one smaller record: a cut, reported once when it is acknowledged.
    const cutFrom = b.events[i] === 1 && parts.length === 1 ? (b.cutFrom[i] ?? value.length) : null;
    b.cutFrom.splice(i, 1, ...parts.map(() => cutFrom));
    b.topics.splice(i, 1, ...parts.map(() => b.topics[i]!));
    b.messages.splice(i, 1, ...parts.map((p) => ({ key: m.key, value: p.value, headers: m.headers })));
    b.tokens.splice(i, 1, ...parts.map((_, k) => (k === extra ? token : null)));
    b.events.splice(i, 1, ...parts.map((p) => p.events));
    // The ranges after this one shift by the records added.
    ranges[0] = [i, i + parts.length];
    for (let r = 1; r < ranges.length; r++) ranges[r] = [ranges[r]![0] + extra, ranges[r]![1] + extra];
    if (parts.length > 1) {
      // Parts go one by one: each is retried, and reshaped again, on its own.
      ranges.splice(0, 1, ...parts.map((_, k): [number, number] => [i + k, i + k + 1]));
    }
  }

  #acknowledge(b: Batch<T>, start: number, end: number): void {
    const tokens: T[] = [];
    for (let i = start; i < end; i++) {
      const t = b.tokens[i];
      if (t !== null && t !== undefined) tokens.push(t);
    }
    if (tokens.length > 0) this.#callbacks.acknowledged(tokens);
  }

  /** Pushes [start, end) as ranges of at most the learned size cap (single records always pass). */
  #splitToCap(b: Batch<T>, start: number, end: number, out: [number, number][]): void {
    if (this.#sizeCap === Infinity) {
      out.push([start, end]);
      return;
    }
    let from = start;
    let bytes = 0;
    for (let i = start; i < end; i++) {
      const size = recordBytes(b.messages[i]!);
      if (i > from && bytes + size > this.#sizeCap) {
        out.push([from, i]);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < end) out.push([from, end]);
  }

  async #replaceProducer(): Promise<void> {
    const next = this.#newProducer();
    if (next === this.#producer) return;
    if (this.#connected) await this.#producer.disconnect().catch(() => undefined);
    this.#producer = next;
    this.#connected = false;
  }

  /** Sends records [start, end) until acknowledged; retriable failures back off and retry. */
  async #sendRange(b: Batch<T>, start: number, end: number): Promise<Outcome> {
    const byTopic = new Map<string, Message[]>();
    for (let i = start; i < end; i++) {
      const topic = b.topics[i]!;
      let list = byTopic.get(topic);
      if (!list) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push(b.messages[i]!);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    let attempt = 0;
    for (;;) {
      if (this.#stopping && Date.now() >= this.#giveUpAtMs) return 'gave-up';
      try {
        if (!this.#connected) {
          await this.#producer.connect();
          this.#connected = true;
        }
        await this.#producer.sendBatch({
          topicMessages,
          acks: -1,
          compression: this.#compression,
          timeout: this.#settings.kafka.request_timeout_ms,
        });
        this.#refused = false;
        if (!this.#up) {
          this.#up = true;
          this.#events.kafkaStateChanged(true, 'send succeeded');
        }
        let events = 0;
        let bytes = 0;
        for (let i = start; i < end; i++) {
          events += b.events[i]!;
          bytes += recordBytes(b.messages[i]!);
          const before = b.cutFrom[i];
          if (before !== null && before !== undefined)
            this.#events.eventCutToFit(b.topics[i]!, before, (b.messages[i]!.value as Buffer).length);
        }
        this.#events.batchAcknowledged(events, bytes);
        return 'ok';
      } catch (error) {
        const e = error as Error & { retriable?: boolean; type?: string };
        if (isTooLarge(error)) {
          this.#events.sendFailed('MESSAGE_TOO_LARGE', e.message);
          return 'too-large';
        }
        this.#events.sendFailed(e.name || 'Error', e.message);
        const refusal = kafkajsRefusal(error, this.#settings.kafka);
        if (refusal && !this.#refused) {
          this.#refused = true;
          this.#events.accessRefused(refusal);
        }
        if (this.#up) {
          this.#up = false;
          this.#events.kafkaStateChanged(false, e.message);
        }
        if (/disconnected|not connected/i.test(e.message)) this.#connected = false;
        attempt += 1;
        const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, this.#giveUpAtMs - Date.now()))));
        this.#events.sendRetried();
      }
    }
  }

  /**
   * The batch is done (acknowledged, or given up at shutdown: then the checkpoint stays
   * before its events, so they are read and sent again at the next start, at-least-once).
   */
  #release(b: Batch<T>): void {
    this.#inFlightBytes -= b.bytes;
    this.#batchesQueued -= 1;
    if (this.hasRoom && this.#roomWaiters.length > 0) {
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const w of waiters) w();
    }
  }
}
