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
 *  - a record the broker refuses (as too large: a topic's max.message.bytes below our
 *    batches; or any other permanent error) stops librdkafka at once: with
 *    `enable.gapless.guarantee` a failed batch is a fatal error, nothing queued after it is
 *    sent, and the requests in flight behind it fail too, so what Kafka holds of each
 *    partition is a prefix of what was sent. When every report is in, a fresh librdkafka
 *    producer (half the batch size after a size refusal) gets the failed records again, in
 *    the order first sent, reshaping those that went alone: order in Kafka holds.
 */
import { readFileSync } from 'node:fs';
import {
  classifyError,
  classifyEventError,
  librdkafkaProperties,
  planAfterRefusal,
  RECORD_OVERHEAD_BYTES,
  RdCode,
  type LibrdkafkaProperties,
} from './librdkafka-config.js';
import { librdkafkaRefusal } from '../../config/access-refusal.js';
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
  on(event: 'event.log', cb: (log: { message: string }) => void): unknown;
  removeAllListeners(): unknown;
}

/** The loaded module: what select.ts hands over once `import()` succeeded. */
export interface LibrdkafkaModule {
  readonly Producer: new (conf: LibrdkafkaProperties) => NativeProducer;
  readonly librdkafkaVersion: string;
  readonly features: readonly string[];
  readonly CODES?: { readonly ERRORS?: Readonly<Record<string, number>> };
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
  /** A refusal was reported and nothing was delivered since. */
  #refused = false;
  /** Per key, entries not yet released to `acknowledged`, in the order sent. */
  readonly #byKey = new Map<string, Entry<T>[]>();
  /** Entries waiting to be handed to librdkafka (not connected, QUEUE_FULL, rebuilding), in order. */
  #pending: Entry<T>[] = [];
  /** Entries librdkafka holds and has not reported on. */
  readonly #outstanding = new Set<Entry<T>>();
  /** After a fatal error: rebuild once reports stop coming (some never come). */
  #quietTimer: NodeJS.Timeout | null = null;
  /** Entries whose report was an error, waiting for the rebuild. */
  #failed: { entry: Entry<T>; tooLarge: boolean }[] = [];
  #rebuilding = false;
  #rebuildStarted = false;
  #batchCap: number;
  #seq = 0;
  #inFlightBytes = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #retryTimer: NodeJS.Timeout | null = null;
  /**
   * Keys whose first record on the current librdkafka producer was acknowledged. Until then a
   * key has one record in flight: the broker keeps no sequence state for a new producer id on
   * a partition before its first batch there is appended, so batches behind a failed first
   * batch would be accepted and overtake it. Once one is acknowledged, a failed batch stops
   * what follows (gap-less). Keys of files gone are pruned when the set grows (#prune).
   */
  readonly #warm = new Set<string>();
  /** Keys with their first record on this producer in flight. */
  readonly #probing = new Set<string>();
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
    if (this.#warm.size > 4096 && this.#warm.size > 2 * this.#byKey.size) this.#prune();
    if (this.#pending.length > 0 || !this.#connected || this.#rebuilding) this.#pending.push(entry);
    else this.#produce(entry);
  }

  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#producePending();
    while (this.#inFlightBytes > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      if (this.#connected && !this.#rebuilding && this.#outstanding.size > 0) {
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
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
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
    // A failed SASL exchange or TLS handshake only shows in librdkafka's log (the connect
    // callback says "broker transport failure", as for an outage).
    native.on('event.log', (log) => this.#checkRefusal({ code: -1, message: log.message }));
    return native;
  }

  #connect(): void {
    if (this.#closed || this.#connecting) return;
    this.#connecting = true;
    const native = this.#native;
    // Bounded by the connect timeout plus a little, not the request timeout: while connect()
    // waits, librdkafka's log (where a refused SASL exchange or TLS handshake shows) was seen
    // to reach us only once it returned; a failed connect is simply tried again.
    const k = this.#settings.kafka;
    const timeout = Math.min(k.request_timeout_ms, k.connection_timeout_ms + 5000);
    native.connect({ timeout, allTopics: false }, (err) => {
      this.#connecting = false;
      if (this.#closed || native !== this.#native) return;
      if (err) {
        this.#checkRefusal(err);
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
    const warm = this.#warm.has(entry.key);
    if (!warm && this.#probing.has(entry.key)) {
      // Its first record on this producer is not acknowledged yet (see #warm).
      this.#pending.unshift(entry);
      return false;
    }
    try {
      this.#native.produce(entry.topic, null, entry.value, entry.key, null, entry, entry.headers);
      this.#outstanding.add(entry);
      if (!warm) this.#probing.add(entry.key);
      return true;
    } catch (error) {
      const e = error as NativeError;
      const kind = classifyError(e.code, e.isFatal);
      if (kind === 'too-large') {
        // Larger than message.max.bytes: made smaller here, before it is queued, so order holds.
        this.#events.sendFailed('MESSAGE_TOO_LARGE', e.message);
        return this.#reshapeNow(entry, this.#messageMaxBytes - RECORD_OVERHEAD_BYTES - entry.key.length);
      }
      this.#pending.unshift(entry);
      if (kind === 'queue-full') {
        this.#retryLater(() => this.#producePending(), 50);
      } else if (kind === 'fatal') {
        // librdkafka stopped (see above): rebuilt once every report is in.
        this.#events.sendFailed(this.#errorName(e.code), e.message);
        this.#rebuilding = true;
        queueMicrotask(() => this.#maybeRebuild());
      } else {
        this.#events.sendFailed(this.#errorName(e.code), e.message);
        this.#retryLater(() => this.#producePending(), 500);
      }
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
      this.#events.sendFailed('MESSAGE_TOO_LARGE', 'record dropped: even its metadata exceeds the limit');
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
    const at = list.indexOf(entry);
    list.splice(at, 1, ...made);
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
    this.#outstanding.delete(entry);
    if (!err) {
      this.#refused = false;
      if (!this.#up) {
        this.#up = true;
        this.#events.kafkaStateChanged(true, 'delivery succeeded');
      }
      entry.done = true;
      const probed = this.#probing.delete(entry.key);
      if (probed) this.#warm.add(entry.key);
      this.#release(entry.key);
      if (probed && this.#pending.length > 0) this.#producePending();
    } else {
      this.#probing.delete(entry.key);
      const kind = classifyError(err.code, err.isFatal);
      this.#checkRefusal(err);
      this.#events.sendFailed(this.#errorName(err.code), err.message);
      // Purged at close: it stays unacknowledged (read again at the next start). Else (too
      // large for the topic, behind a failed batch, purged after the fatal error that stops
      // librdkafka): sent again, in order, once every other report is in.
      if (!this.#closed) {
        this.#failed.push({ entry, tooLarge: kind === 'too-large' });
        this.#rebuilding = true;
      }
    }
    this.#maybeRebuild();
    if (this.#outstanding.size === 0) this.#wakeIdle();
  }

  #maybeRebuild(): void {
    if (!this.#rebuilding || this.#rebuildStarted || this.#closed) return;
    if (this.#outstanding.size > 0) {
      // After a fatal error librdkafka sends nothing more, and records it had queued but not
      // yet purged may never be reported: once reports stop for two seconds, they count as failed.
      if (this.#quietTimer) clearTimeout(this.#quietTimer);
      this.#quietTimer = setTimeout(() => {
        this.#quietTimer = null;
        for (const entry of this.#outstanding) this.#failed.push({ entry, tooLarge: false });
        this.#outstanding.clear();
        this.#maybeRebuild();
      }, 2000);
      return;
    }
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    this.#quietTimer = null;
    this.#rebuildStarted = true;
    void this.#rebuild();
  }

  /** librdkafka's name of a code (`ERR_MSG_SIZE_TOO_LARGE`), for the error-type label. */
  #errorName(code: number): string {
    if (code === RdCode.MSG_SIZE_TOO_LARGE) return 'MESSAGE_TOO_LARGE';
    const errors = this.#mod.CODES?.ERRORS ?? {};
    for (const name of Object.keys(errors)) if (errors[name] === code) return name;
    return String(code);
  }

  /**
   * Every report is in: a fresh librdkafka producer (a new producer id, which a fatal error
   * needs; smaller batches if the broker refused any as too large), then the failed records
   * again, in the order they were first sent, before anything that waited.
   */
  async #rebuild(): Promise<void> {
    const failed = this.#failed.sort((a, b) => this.#compare(a.entry, b.entry));
    this.#failed = [];
    const tooLarge = failed.filter((f) => f.tooLarge);
    const plan = planAfterRefusal(
      this.#batchCap,
      tooLarge.map((f) => recordBytes(f.entry.value, f.entry.key)),
    );
    this.#batchCap = plan.cap;
    this.#warm.clear();
    this.#probing.clear();
    const old = this.#native;
    this.#connected = false;
    this.#native = this.#build(this.#properties());
    await this.#disconnect(old);
    // No size refusal among them (an authorization error, a fatal one): wait a little, so that
    // a persistent error does not spin. (A refusal brings failures behind it along.)
    if (tooLarge.length === 0) await new Promise((r) => setTimeout(r, 500));
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
    this.#rebuildStarted = false;
    if (!this.#closed) this.#connect();
  }

  /**
   * Send order: by the record first handed over, then (the parts of one record, which share
   * its `seq`) by place in the key's list. Reports do not come back in send order (librdkafka
   * reports purged records before the requests in flight), so failed records are sorted.
   */
  #compare(a: Entry<T>, b: Entry<T>): number {
    if (a.seq !== b.seq || a === b) return a.seq - b.seq;
    const list = this.#byKey.get(a.key)!;
    return list.indexOf(a) - list.indexOf(b);
  }

  /** Forgets warm keys with nothing in flight (a file gone, or quiet): they probe again. */
  #prune(): void {
    for (const key of this.#warm) if (!this.#byKey.has(key)) this.#warm.delete(key);
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

  /** A failed SASL exchange or TLS handshake is reported once: retrying cannot fix it. */
  #checkRefusal(err: NativeError): void {
    const refusal = librdkafkaRefusal(err.code, err.message ?? '', this.#settings.kafka);
    if (!refusal || this.#refused) return;
    this.#refused = true;
    this.#events.accessRefused(refusal);
  }

  #onError(err: NativeError): void {
    this.#checkRefusal(err);
    const kind = err.isFatal ? 'fatal' : classifyEventError(err.code, err.message);
    if (kind === 'down') this.#down(err);
    else this.#events.sendFailed(this.#errorName(err.code), err.message);
    if (kind === 'fatal') {
      // librdkafka stopped (a failed batch under the gap-less guarantee, or worse): rebuilt
      // once every report is in.
      this.#rebuilding = true;
      this.#maybeRebuild();
    }
  }

  #down(err: NativeError): void {
    this.#events.sendFailed(this.#errorName(err.code), err.message);
    if (this.#up) {
      this.#up = false;
      this.#events.kafkaStateChanged(false, err.message);
    }
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
