/**
 * Batches encoded records and sends them to Kafka with acks=all, in order, one batch at a
 * time. Batches close on bytes, event count or linger time. A failed batch is retried
 * with backoff until it succeeds (or shutdown), so nothing is skipped and one file's
 * records never overtake each other; while it fails, the queue fills up, `hasRoom` turns
 * false, and the collector stops reading: memory stays bounded by `max_in_flight_bytes`.
 *
 * The broker refuses a record batch larger than the topic's `max.message.bytes`
 * (MESSAGE_TOO_LARGE; 1 MiB by default, compressed size). That is not retriable as it is:
 * the batch is split in halves, in order, down to single records, and a single record that
 * is still too large is cut (`cut`: message shortened, flagged `truncated`) until it fits.
 * The smallest size refused is remembered, so later batches are split before sending
 * instead of failing first. Nothing is retried forever and nothing is dropped silently.
 *
 * Why one batch at a time: kafkajs gives no ordering between concurrent send() calls when
 * one of them is retried, and the idempotent producer (maxInFlightRequests 1) serialises
 * requests to a broker anyway. Encoding and reading still overlap with the network wait.
 */
import PQueue from 'p-queue';
import type { Message, Producer } from 'kafkajs';
import type { CompressionTypes } from 'kafkajs';
import type { CollectorEvents } from './events.js';

export interface SenderOptions {
  batchMaxBytes: number;
  batchMaxEvents: number;
  batchLingerMs: number;
  maxInFlightBatches: number;
  maxInFlightBytes: number;
  compression: CompressionTypes;
  requestTimeoutMs: number;
}

/** Re-encodes a record whose value is too large so that it is at most `maxBytes`, or null. */
export type CutRecord<T> = (item: T, value: Buffer, maxBytes: number) => Buffer | null;

/** kafkajs wraps a protocol error in KafkaJSNonRetriableError; look through the chain. */
export function isTooLarge(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
    e = e.cause as typeof e;
  }
  return false;
}

interface Batch<T> {
  topics: string[];
  messages: Message[];
  items: T[];
  bytes: number;
  events: number;
}

type Outcome = 'ok' | 'too-large' | 'gave-up';

/** Bytes a record counts for (value, key and an estimate of the record framing). */
function recordBytes(m: Message): number {
  return (m.value as Buffer).length + (m.key as string).length + 64;
}

export class KafkaSender<T> {
  #producer: Producer;
  readonly #newProducer: () => Producer;
  readonly #opts: SenderOptions;
  readonly #events: CollectorEvents;
  readonly #onAcked: (items: T[]) => void;
  readonly #cut: CutRecord<T>;
  readonly #queue: PQueue;
  #open: Batch<T> | null = null;
  #linger: NodeJS.Timeout | null = null;
  #inFlightBytes = 0;
  #batchesQueued = 0;
  #connected = false;
  #up = true;
  #stopping = false;
  #giveUpAtMs = Infinity;
  #roomWaiters: (() => void)[] = [];
  /** Below the smallest multi-record size the broker refused: later batches are split to it. */
  #sizeCap = Infinity;

  constructor(
    newProducer: () => Producer,
    opts: SenderOptions,
    events: CollectorEvents,
    onAcked: (items: T[]) => void,
    cut: CutRecord<T>,
  ) {
    this.#newProducer = newProducer;
    this.#producer = newProducer();
    this.#opts = opts;
    this.#events = events;
    this.#onAcked = onAcked;
    this.#cut = cut;
    this.#queue = new PQueue({ concurrency: 1 });
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  get kafkaUp(): boolean {
    return this.#up;
  }

  /** Whether the collector may read more (in-flight bytes and batches below their bounds). */
  get hasRoom(): boolean {
    return (
      this.#inFlightBytes < this.#opts.maxInFlightBytes && this.#batchesQueued < this.#opts.maxInFlightBatches
    );
  }

  /** Resolves when `hasRoom` becomes true. */
  waitForRoom(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Adds one record; `item` comes back through onAcked once Kafka acknowledged it. */
  add(topic: string, key: string, value: Buffer, headers: Message['headers'], item: T): void {
    const size = value.length + key.length + 64;
    let b = this.#open;
    // Close the batch before it would exceed its byte bound (a batch stays at most
    // batch_max_bytes unless one record alone is larger).
    if (b && b.bytes + size > this.#opts.batchMaxBytes) {
      this.flush();
      b = null;
    }
    if (!b) {
      b = { topics: [], messages: [], items: [], bytes: 0, events: 0 };
      this.#open = b;
      this.#linger = setTimeout(() => this.flush(), this.#opts.batchLingerMs);
    }
    b.topics.push(topic);
    b.messages.push({ key, value, headers });
    b.items.push(item);
    b.bytes += size;
    b.events += 1;
    this.#inFlightBytes += size;
    if (b.bytes >= this.#opts.batchMaxBytes || b.events >= this.#opts.batchMaxEvents) this.flush();
  }

  /** Closes the open batch and queues it for sending. */
  flush(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    const b = this.#open;
    if (!b) return;
    this.#open = null;
    this.#batchesQueued += 1;
    void this.#queue.add(() => this.#send(b));
  }

  /**
   * Sends what is open and waits until every queued batch is acknowledged or `timeoutMs`
   * passed. Returns whether everything was acknowledged.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.flush();
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
    this.#queue.clear();
    if (this.#connected) await this.#producer.disconnect().catch(() => undefined);
    this.#connected = false;
  }

  /** Sends one batch as consecutive ranges, in order, splitting and cutting on MESSAGE_TOO_LARGE. */
  async #send(b: Batch<T>): Promise<void> {
    const ranges: [number, number][] = [];
    /** Records cut to fit: index -> value bytes before the first cut (reported once sent). */
    const cutFrom = new Map<number, number>();
    this.#splitToCap(b, 0, b.messages.length, ranges);
    while (ranges.length > 0) {
      const [start, end] = ranges[0]!;
      const outcome = await this.#sendRange(b, start, end, cutFrom);
      if (outcome === 'gave-up') break;
      if (outcome === 'ok') {
        ranges.shift();
        this.#onAcked(start === 0 && end === b.items.length ? b.items : b.items.slice(start, end));
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
      const m = b.messages[start]!;
      const before = (m.value as Buffer).length;
      const cut = this.#cut(b.items[start]!, m.value as Buffer, Math.floor(before / 2));
      if (cut === null) {
        // Even an empty message does not fit: a topic limit below a record's own metadata.
        // Dropped, loudly: the pipeline must not stop for it.
        this.#events.eventCutToFit(b.topics[start]!, before, 0);
        this.#events.sendFailed('MESSAGE_TOO_LARGE', 'record dropped: even its metadata exceeds the limit');
        ranges.shift();
        this.#onAcked([b.items[start]!]);
        continue;
      }
      m.value = cut;
      if (!cutFrom.has(start)) cutFrom.set(start, before);
    }
    this.#release(b);
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
  async #sendRange(
    b: Batch<T>,
    start: number,
    end: number,
    cutFrom: ReadonlyMap<number, number>,
  ): Promise<Outcome> {
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
          compression: this.#opts.compression,
          timeout: this.#opts.requestTimeoutMs,
        });
        if (!this.#up) {
          this.#up = true;
          this.#events.kafkaStateChanged(true, 'send succeeded');
        }
        let events = 0;
        let bytes = 0;
        for (let i = start; i < end; i++) {
          const m = b.messages[i]!;
          const before = cutFrom.get(i);
          if (before !== undefined)
            this.#events.eventCutToFit(b.topics[i]!, before, (m.value as Buffer).length);
          events += 1;
          bytes += recordBytes(m);
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
