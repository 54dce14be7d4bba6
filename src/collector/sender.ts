/**
 * Batches encoded records and sends them to Kafka with acks=all, in order, one batch at a
 * time. Batches close on bytes, event count or linger time. A failed batch is retried
 * with backoff until it succeeds (or shutdown), so nothing is skipped and one file's
 * records never overtake each other; while it fails, the queue fills up, `hasRoom` turns
 * false, and the collector stops reading: memory stays bounded by `max_in_flight_bytes`.
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

interface Batch<T> {
  topics: Map<string, Message[]>;
  items: T[];
  bytes: number;
  events: number;
}

export class KafkaSender<T> {
  readonly #producer: Producer;
  readonly #opts: SenderOptions;
  readonly #events: CollectorEvents;
  readonly #onAcked: (items: T[]) => void;
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

  constructor(
    producer: Producer,
    opts: SenderOptions,
    events: CollectorEvents,
    onAcked: (items: T[]) => void,
  ) {
    this.#producer = producer;
    this.#opts = opts;
    this.#events = events;
    this.#onAcked = onAcked;
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
    let b = this.#open;
    if (!b) {
      b = { topics: new Map(), items: [], bytes: 0, events: 0 };
      this.#open = b;
      this.#linger = setTimeout(() => this.flush(), this.#opts.batchLingerMs);
    }
    let list = b.topics.get(topic);
    if (!list) {
      list = [];
      b.topics.set(topic, list);
    }
    list.push({ key, value, headers });
    b.items.push(item);
    const size = value.length + key.length + 64;
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

  async #send(b: Batch<T>): Promise<void> {
    const topicMessages = [...b.topics].map(([topic, messages]) => ({ topic, messages }));
    let attempt = 0;
    for (;;) {
      if (this.#stopping && Date.now() >= this.#giveUpAtMs) break;
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
        this.#release(b);
        this.#events.batchAcknowledged(b.events, b.bytes);
        this.#onAcked(b.items);
        return;
      } catch (error) {
        const e = error as Error & { retriable?: boolean; type?: string };
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
    // Shutting down without an acknowledgement: the checkpoint stays before these events,
    // so they are read and sent again at the next start (at-least-once).
    this.#release(b);
  }

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
