/**
 * The producer port on librdkafka, through `@confluentinc/kafka-javascript`'s native Producer
 * API (not its KafkaJS-compatible layer): records go straight into librdkafka's queue, which
 * batches, compresses (its own gzip, lz4 and zstd), retries and keeps order per partition
 * (idempotent, acks=all, no delivery timeout). Each record carries its entry as the opaque;
 * its delivery report (polled on librdkafka's background thread, no JavaScript timer) marks
 * it acknowledged, and acknowledgements are released per key in the order sent.
 *
 * What stays in JavaScript:
 *  - the in-flight bound (`hasRoom`); a QUEUE_FULL from librdkafka keeps the record, and every
 *    later one, in a local list that is handed over again as reports come back;
 *  - a record larger than librdkafka's message.max.bytes is reshaped before it is queued;
 *  - a record the broker refuses as too large (a topic's max.message.bytes below our batches)
 *    comes back in its report: the producer stops queueing, waits for every report, rebuilds
 *    librdkafka with half the batch size, and sends the refused records again, reshaping those
 *    that went alone. Records of the same file that librdkafka delivered meanwhile are then
 *    ahead of the refused one in Kafka (their acknowledgements still wait for it); a warning
 *    says to set collector.batch_max_bytes below the topic's limit.
 */
import { readFileSync } from 'node:fs';
import {
  classifyError,
  classifyEventError,
  librdkafkaProperties,
  planAfterRefusal,
  RECORD_OVERHEAD_BYTES,
  type LibrdkafkaProperties,
} from './librdkafka-config.js';
import type {
  OutgoingRecord,
  ProducerCallbacks,
  ProducerEvents,
  ProducerFactory,
  ProducerSettings,
  RecordProducer,
} from './port.js';

/** A librdkafka error as the binding reports it. */
export interface NativeError {
  readonly message: string;
  readonly code: number;
  readonly isFatal?: boolean;
}

/** The part of `@confluentinc/kafka-javascript`'s native Producer this module uses. */
export interface NativeProducer {
  connect(options: { timeout?: number; allTopics?: boolean }, cb: (err: NativeError | null) => void): unknown;
  disconnect(timeoutMs: number, cb: () => void): unknown;
  produce(
    topic: string,
    partition: null,
    value: Buffer,
    key: string,
    timestamp: null,
    opaque: unknown,
    headers: { [key: string]: string }[],
  ): unknown;
  flush(timeoutMs: number, cb: (err: NativeError | null) => void): unknown;
  setPollInBackground(on: boolean): unknown;
  on(event: 'delivery-report', cb: (err: NativeError | null, report: { opaque: unknown }) => void): unknown;
  on(event: 'event.error', cb: (err: NativeError) => void): unknown;
  removeAllListeners(): unknown;
}

/** The loaded module: what select.ts hands over once `import()` succeeded. */
export interface LibrdkafkaModule {
  readonly Producer: new (conf: LibrdkafkaProperties) => NativeProducer;
  readonly librdkafkaVersion: string;
  readonly features: readonly string[];
}

/** One record handed over. A record reshaped into parts carries its token on the last part. */
interface Entry<T> {
  readonly topic: string;
  readonly key: string;
  value: Buffer;
  readonly headers: { [key: string]: string }[];
  token: T | null;
  events: number;
  /** Bytes counted against the in-flight bound (the original record's; parts count 0). */
  readonly counted: number;
  /** Value bytes before a one-event record was cut to fit, else null. */
  cutFrom: number | null;
  /** Order in which entries were handed over (re-sends go by it). */
  seq: number;
  done: boolean;
}

const recordBytes = (value: Buffer, key: string): number => value.length + key.length + RECORD_OVERHEAD_BYTES;

/** Test hooks: extra librdkafka properties (debug contexts, a proxy's bootstrap address). */
export interface LibrdkafkaHooks {
  properties?: LibrdkafkaProperties;
}

export function librdkafkaProducerFactory(
  mod: LibrdkafkaModule,
  hooks: LibrdkafkaHooks = {},
): ProducerFactory {
  return (settings, callbacks, events) => new LibrdkafkaProducer(mod, settings, callbacks, events, hooks);
}

class LibrdkafkaProducer<T> implements RecordProducer<T> {
  readonly #mod: LibrdkafkaModule;
  readonly #settings: ProducerSettings;
  readonly #callbacks: ProducerCallbacks<T>;
  readonly #events: ProducerEvents;
  readonly #hooks: LibrdkafkaHooks;
  readonly #messageMaxBytes: number;
  #native: NativeProducer;
  #connected = false;
  #connecting = false;
  #closed = false;
  #up = true;
  /** Per key, entries not yet released to `acknowledged`, in the order sent. */
  readonly #byKey = new Map<string, Entry<T>[]>();
  /** Entries waiting to be handed to librdkafka (not connected, QUEUE_FULL, rebuilding), in order. */
  #pending: Entry<T>[] = [];
  /** Entries librdkafka holds and has not reported on. */
  #outstanding = 0;
  /** Entries whose report was an error, waiting for the rebuild. */
  #failed: { entry: Entry<T>; tooLarge: boolean }[] = [];
  #rebuilding = false;
  #batchCap: number;
  #seq = 0;
  #inFlightBytes = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #retryTimer: NodeJS.Timeout | null = null;
  #warnedOrder = false;
  /** Headers are shared between records: converted once per object. */
  readonly #headers = new WeakMap<object, { [key: string]: string }[]>();

  constructor(
    mod: LibrdkafkaModule,
    settings: ProducerSettings,
    callbacks: ProducerCallbacks<T>,
    events: ProducerEvents,
    hooks: LibrdkafkaHooks,
  ) {
    this.#mod = mod;
    this.#settings = settings;
    this.#callbacks = callbacks;
    this.#events = events;
    this.#hooks = hooks;
    this.#batchCap = settings.batchMaxBytes;
    const props = this.#properties();
    this.#messageMaxBytes = Number(props['message.max.bytes']);
    this.#native = this.#build(props);
    this.#connect();
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  get kafkaUp(): boolean {
    return this.#up;
  }

  get hasRoom(): boolean {
    return this.#inFlightBytes < this.#settings.maxInFlightBytes && this.#pending.length === 0;
  }

  waitForRoom(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  send(record: OutgoingRecord, token: T): void {
    let headers = this.#headers.get(record.headers);
    if (!headers) {
      headers = Object.keys(record.headers).map((k) => ({ [k]: record.headers[k]! }));
      this.#headers.set(record.headers, headers);
    }
    const counted = recordBytes(record.value, record.key);
    const entry: Entry<T> = {
      topic: record.topic,
      key: record.key,
      value: record.value,
      headers,
      token,
      events: record.events,
      counted,
      cutFrom: null,
      seq: this.#seq++,
      done: false,
    };
    this.#inFlightBytes += counted;
    let list = this.#byKey.get(record.key);
    if (!list) {
      list = [];
      this.#byKey.set(record.key, list);
    }
    list.push(entry);
    if (this.#pending.length > 0 || !this.#connected || this.#rebuilding) this.#pending.push(entry);
    else this.#produce(entry);
  }

  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#producePending();
    while (this.#inFlightBytes > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      if (this.#connected && !this.#rebuilding && this.#outstanding > 0) {
        await new Promise<void>((resolve) => this.#native.flush(Math.min(left, 500), () => resolve()));
      } else {
        await this.#idle(Math.min(left, 100));
      }
      this.#producePending();
    }
    return this.#inFlightBytes === 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    await this.#disconnect(this.#native);
    this.#wakeIdle();
  }

  #properties(): LibrdkafkaProperties {
    const props = librdkafkaProperties(this.#settings, (file) => readFileSync(file, 'utf8'));
    return {
      ...props,
      'batch.size': Math.min(Number(props['batch.size']), this.#batchCap),
      ...this.#hooks.properties,
    };
  }

  #build(props: LibrdkafkaProperties): NativeProducer {
    const native = new this.#mod.Producer(props);
    native.on('delivery-report', (err, report) => this.#onReport(err, report.opaque as Entry<T>));
    native.on('event.error', (err) => this.#onError(err));
    return native;
  }

  #connect(): void {
    if (this.#closed || this.#connecting) return;
    this.#connecting = true;
    const native = this.#native;
    native.connect({ timeout: this.#settings.kafka.request_timeout_ms, allTopics: false }, (err) => {
      this.#connecting = false;
      if (this.#closed || native !== this.#native) return;
      if (err) {
        this.#down(err);
        // librdkafka's client is gone after a failed connect; try again with backoff.
        this.#retryLater(() => this.#connect(), 1000);
        return;
      }
      // Reports are polled on a background thread that wakes the event loop when there are any.
      native.setPollInBackground(true);
      this.#connected = true;
      this.#producePending();
    });
  }

  /** Hands one entry to librdkafka; QUEUE_FULL keeps it (and what follows) pending. */
  #produce(entry: Entry<T>): boolean {
    try {
      this.#native.produce(entry.topic, null, entry.value, entry.key, null, entry, entry.headers);
      this.#outstanding += 1;
      return true;
    } catch (error) {
      const e = error as NativeError;
      const kind = classifyError(e.code, e.isFatal);
      if (kind === 'too-large') {
        // Larger than message.max.bytes: made smaller here, before it is queued, so order holds.
        this.#events.sendFailed('MSG_SIZE_TOO_LARGE', e.message);
        return this.#reshapeNow(entry, this.#messageMaxBytes - RECORD_OVERHEAD_BYTES - entry.key.length);
      }
      if (kind !== 'queue-full') this.#events.sendFailed(String(e.code), e.message);
      this.#pending.unshift(entry);
      this.#retryLater(() => this.#producePending(), kind === 'queue-full' ? 50 : 500);
      return false;
    }
  }

  /** Hands over what waits, in order, until librdkafka is full again. */
  #producePending(): void {
    if (!this.#connected || this.#rebuilding || this.#closed) return;
    while (this.#pending.length > 0) {
      const entry = this.#pending.shift()!;
      if (!this.#produce(entry)) break;
    }
    this.#wakeRoom();
  }

  /**
   * Replaces `entry` by the parts `reshape` makes of it, in place in its key's order, and
   * returns them (none when it was dropped).
   */
  #reshapeLater(entry: Entry<T>, maxBytes: number): Entry<T>[] {
    const parts = this.#callbacks.reshape(entry.value, Math.max(1, maxBytes));
    if (parts === null || parts.length === 0) {
      // Even an empty event does not fit: dropped, loudly, so that the pipeline goes on.
      this.#events.sendFailed('MSG_SIZE_TOO_LARGE', 'record dropped: even its metadata exceeds the limit');
      entry.done = true;
      this.#release(entry.key);
      return [];
    }
    const list = this.#byKey.get(entry.key)!;
    const cutFrom = entry.events === 1 && parts.length === 1 ? (entry.cutFrom ?? entry.value.length) : null;
    const made: Entry<T>[] = parts.map((p, i) => ({
      topic: entry.topic,
      key: entry.key,
      value: p.value,
      headers: entry.headers,
      token: i === parts.length - 1 ? entry.token : null,
      events: p.events,
      counted: i === parts.length - 1 ? entry.counted : 0,
      cutFrom,
      seq: entry.seq,
      done: false,
    }));
    list.splice(list.indexOf(entry), 1, ...made);
    return made;
  }

  /** Reshapes a record librdkafka refused at once and queues its parts where it stood. */
  #reshapeNow(entry: Entry<T>, maxBytes: number): boolean {
    const made = this.#reshapeLater(entry, maxBytes);
    for (let i = 0; i < made.length; i++) {
      if (!this.#produce(made[i]!)) {
        // That part is pending now (first in line); the rest go right after it.
        this.#pending.splice(1, 0, ...made.slice(i + 1));
        return false;
      }
    }
    return true;
  }

  #onReport(err: NativeError | null, entry: Entry<T>): void {
    this.#outstanding -= 1;
    if (!err) {
      if (!this.#up) {
        this.#up = true;
        this.#events.kafkaStateChanged(true, 'delivery succeeded');
      }
      entry.done = true;
      this.#release(entry.key);
    } else {
      const kind = classifyError(err.code, err.isFatal);
      this.#events.sendFailed(kind === 'too-large' ? 'MSG_SIZE_TOO_LARGE' : String(err.code), err.message);
      if (kind === 'closed') {
        // Purged at close: it stays unacknowledged (read again at the next start).
      } else {
        // Too large for the topic, or failed after librdkafka's own retries: sent again in
        // order once every other report is in.
        this.#failed.push({ entry, tooLarge: kind === 'too-large' });
        if (kind === 'too-large') this.#warnOrder(entry.topic);
        this.#rebuilding = true;
      }
    }
    if (this.#outstanding === 0) {
      if (this.#rebuilding && !this.#closed) void this.#rebuild();
      this.#wakeIdle();
    }
  }

  /**
   * Every report is in: a fresh librdkafka producer (a new producer id, which a fatal error
   * needs; smaller batches if the broker refused any as too large), then the failed records
   * again, in the order they were first sent, before anything that waited.
   */
  async #rebuild(): Promise<void> {
    const failed = this.#failed.sort((a, b) => a.entry.seq - b.entry.seq);
    this.#failed = [];
    const tooLarge = failed.filter((f) => f.tooLarge);
    const plan = planAfterRefusal(
      this.#batchCap,
      tooLarge.map((f) => recordBytes(f.entry.value, f.entry.key)),
    );
    this.#batchCap = plan.cap;
    const old = this.#native;
    this.#connected = false;
    this.#native = this.#build(this.#properties());
    await this.#disconnect(old);
    // Errors other than a size refusal: wait a little, so that a persistent one does not spin.
    if (tooLarge.length < failed.length) await new Promise((r) => setTimeout(r, 500));
    const resend: Entry<T>[] = [];
    let t = 0;
    for (const f of failed) {
      if (f.tooLarge && plan.reshape[t++]) {
        resend.push(...this.#reshapeLater(f.entry, Math.floor(f.entry.value.length / 2)));
      } else {
        resend.push(f.entry);
      }
      this.#events.sendRetried();
    }
    this.#pending = [...resend, ...this.#pending];
    this.#rebuilding = false;
    if (!this.#closed) this.#connect();
  }

  /** Releases the acknowledged head of one key's list, in order. */
  #release(key: string): void {
    const list = this.#byKey.get(key);
    if (!list) return;
    let n = 0;
    while (n < list.length && list[n]!.done) n++;
    if (n === 0) return;
    const released = list.splice(0, n);
    if (list.length === 0) this.#byKey.delete(key);
    const tokens: T[] = [];
    let events = 0;
    let bytes = 0;
    for (const e of released) {
      events += e.events;
      bytes += e.counted;
      if (e.cutFrom !== null) this.#events.eventCutToFit(e.topic, e.cutFrom, e.value.length);
      if (e.token !== null) tokens.push(e.token);
    }
    this.#inFlightBytes -= bytes;
    this.#events.batchAcknowledged(events, bytes);
    if (tokens.length > 0) this.#callbacks.acknowledged(tokens);
    this.#wakeRoom();
  }

  #onError(err: NativeError): void {
    const kind = err.isFatal ? 'fatal' : classifyEventError(err.code, err.message);
    if (kind === 'down' || kind === 'fatal') this.#down(err);
    else this.#events.sendFailed(String(err.code), err.message);
  }

  #down(err: NativeError): void {
    this.#events.sendFailed(String(err.code), err.message);
    if (this.#up) {
      this.#up = false;
      this.#events.kafkaStateChanged(false, err.message);
    }
  }

  #warnOrder(topic: string): void {
    if (this.#warnedOrder) return;
    this.#warnedOrder = true;
    this.#events.sendFailed(
      'MSG_SIZE_TOO_LARGE',
      `topic ${topic} refused a batch of collector.batch_max_bytes (${this.#settings.batchMaxBytes}) as too large; ` +
        'records are re-sent in smaller batches, and a file whose later records were delivered meanwhile has them ' +
        "ahead of the refused one in Kafka: set collector.batch_max_bytes below the topic's max.message.bytes",
    );
  }

  #retryLater(fn: () => void, ms: number): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      fn();
    }, ms);
  }

  #disconnect(native: NativeProducer): Promise<void> {
    native.removeAllListeners();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      try {
        native.disconnect(0, () => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        // Never connected: nothing to disconnect.
        clearTimeout(timer);
        resolve();
      }
    });
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#idleWaiters.push(done);
    });
  }

  #wakeIdle(): void {
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #wakeRoom(): void {
    if (this.hasRoom && this.#roomWaiters.length > 0) for (const w of this.#roomWaiters.splice(0)) w();
  }
}
