/**
 * The librdkafka producer's own logic against a fake native module (no broker, no native
 * code): delivery reports released in order per key, QUEUE_FULL as backpressure, a record
 * refused at once as too large reshaped in place, a key's second record held until its first
 * is acknowledged, and a broker refusal rebuilding librdkafka with a smaller batch size and
 * re-sending in the order sent. The real thing is tested against the broker in
 * test/integration/producer-contract.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  LibrdkafkaModule,
  NativeError,
  NativeProducer,
} from '../../../src/collector/producer/librdkafka.js';
import { librdkafkaProducerFactory } from '../../../src/collector/producer/librdkafka.js';
import type { LibrdkafkaProperties } from '../../../src/collector/producer/librdkafka-config.js';
import type { ProducerEvents, ReshapedRecord } from '../../../src/collector/producer/port.js';
import { configFrom } from '../../../src/config/index.js';

interface Produced {
  key: string;
  value: Buffer;
  opaque: unknown;
}

class FakeProducer implements NativeProducer {
  static instances: FakeProducer[] = [];
  /** Throws this error for produce() while it returns one. */
  static refuse: (value: Buffer) => NativeError | null = () => null;
  readonly produced: Produced[] = [];
  readonly #listeners = new Map<string, ((...args: never[]) => void)[]>();
  disconnected = false;
  constructor(readonly conf: LibrdkafkaProperties) {
    FakeProducer.instances.push(this);
  }
  connect(_o: unknown, cb: (err: NativeError | null) => void): unknown {
    setImmediate(() => cb(null));
    return this;
  }
  disconnect(_t: number, cb: () => void): unknown {
    this.disconnected = true;
    setImmediate(cb);
    return this;
  }
  produce(_t: string, _p: null, value: Buffer, key: string, _ts: null, opaque: unknown): unknown {
    const err = FakeProducer.refuse(value);
    if (err) throw err;
    this.produced.push({ key, value, opaque });
    return true;
  }
  flush(_t: number, cb: (err: NativeError | null) => void): unknown {
    setImmediate(() => cb(null));
    return this;
  }
  setPollInBackground(): unknown {
    return this;
  }
  on(event: string, cb: (...args: never[]) => void): unknown {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), cb]);
    return this;
  }
  removeAllListeners(): unknown {
    this.#listeners.clear();
    return this;
  }
  /** Reports on the i-th produced record (ok, or an error code). */
  report(i: number, code: number | null = null): void {
    const p = this.produced[i]!;
    const err = code === null ? null : { code, message: `code ${code}` };
    for (const l of this.#listeners.get('delivery-report') ?? [])
      (l as (e: NativeError | null, r: { opaque: unknown }) => void)(err, { opaque: p.opaque });
  }
  emitError(message: string): void {
    for (const l of this.#listeners.get('event.error') ?? [])
      (l as (e: NativeError) => void)({ code: -1, message });
  }
}

const mod: LibrdkafkaModule = {
  Producer: FakeProducer,
  librdkafkaVersion: 'fake',
  features: [],
  CODES: { ERRORS: { ERR_MSG_SIZE_TOO_LARGE: 10, ERR__QUEUE_FULL: -184 } },
};

const tick = () => new Promise((r) => setImmediate(r));

function make(maxInFlightBytes = 1024 * 1024) {
  FakeProducer.instances = [];
  FakeProducer.refuse = () => null;
  const c = configFrom({ metrics: { listen: '' } });
  const acked: string[] = [];
  const cuts: number[] = [];
  const reshapes: number[] = [];
  const events: ProducerEvents = {
    batchAcknowledged: () => undefined,
    sendFailed: () => undefined,
    sendRetried: () => undefined,
    kafkaStateChanged: () => undefined,
    eventCutToFit: (_t, before) => void cuts.push(before),
    accessRefused: () => undefined,
  };
  const p = librdkafkaProducerFactory(mod)<string>(
    {
      kafka: c.kafka,
      maxInFlightBytes,
      batchMaxBytes: 512 * 1024,
      batchMaxEvents: 10_000,
      batchLingerMs: 5,
      maxInFlightBatches: 2,
    },
    {
      acknowledged: (t) => void acked.push(...t),
      // Halves a value into two parts of one event each, or cuts a one-byte-marked event.
      reshape: (value, maxBytes): ReshapedRecord[] => {
        reshapes.push(maxBytes);
        if (value.length <= 2) return [{ value: value.subarray(0, 1), events: 1 }];
        const mid = value.length >> 1;
        return [
          { value: value.subarray(0, mid), events: 1 },
          { value: value.subarray(mid), events: 1 },
        ];
      },
    },
    events,
  );
  const send = (key: string, token: string, bytes = 100, events = 2) =>
    p.send({ topic: 't', key, value: Buffer.alloc(bytes, token), headers: { h: 'v' }, events }, token);
  return { p, acked, cuts, reshapes, send, native: () => FakeProducer.instances.at(-1)! };
}

test('reports release tokens in order per key, whatever order they come back in across keys', async () => {
  const { p, acked, send, native } = make();
  await tick();
  send('a', 'a1');
  send('b', 'b1');
  native().report(1);
  native().report(0);
  await tick();
  send('a', 'a2');
  send('a', 'a3');
  send('b', 'b2');
  native().report(2);
  native().report(3);
  native().report(4);
  assert.deepEqual(acked, ['b1', 'a1', 'a2', 'a3', 'b2']);
  assert.equal(p.inFlightBytes, 0);
});

test("a key's second record waits until its first is acknowledged (its first batch on a producer id)", async () => {
  const { p, acked, send, native } = make();
  await tick();
  send('a', 'a1');
  send('a', 'a2');
  send('b', 'b1');
  assert.equal(native().produced.length, 1, 'a2 held, and b1 behind it');
  assert.equal(p.hasRoom, false);
  native().report(0);
  assert.deepEqual(
    native().produced.map((r) => r.opaque && (r.value[0] === 'a'.charCodeAt(0) ? 'a' : 'b')),
    ['a', 'a', 'b'],
  );
  native().report(1);
  native().report(2);
  assert.deepEqual(acked, ['a1', 'a2', 'b1']);
  assert.equal(p.hasRoom, true);
});

test('QUEUE_FULL keeps the record and everything after it, in order, and is backpressure', async () => {
  const { p, acked, send, native } = make();
  await tick();
  send('a', 'a1');
  native().report(0);
  let full = true;
  FakeProducer.refuse = () => (full ? { code: -184, message: 'Local: Queue full' } : null);
  send('a', 'a2');
  send('a', 'a3');
  assert.equal(native().produced.length, 1);
  assert.equal(p.hasRoom, false, 'backpressure while records wait');
  const room = p.waitForRoom();
  full = false;
  await new Promise((r) => setTimeout(r, 80));
  await room;
  assert.equal(native().produced.length, 3);
  native().report(1);
  native().report(2);
  assert.deepEqual(acked, ['a1', 'a2', 'a3']);
});

test('a record librdkafka refuses at once as too large is reshaped in place; a cut reported once on acknowledgement', async () => {
  const { acked, cuts, reshapes, send, native } = make();
  await tick();
  send('a', 'a1');
  native().report(0);
  FakeProducer.refuse = (v) =>
    v.length > 60 ? { code: 10, message: 'Broker: Message size too large' } : null;
  send('a', 'a2', 100);
  // 100 -> 50 + 50, each produced where the record stood.
  assert.deepEqual(
    native()
      .produced.slice(1)
      .map((r) => r.value.length),
    [50, 50],
  );
  assert.equal(reshapes.length, 1);
  send('a', 'a3', 10, 1);
  native().report(1);
  native().report(2);
  native().report(3);
  assert.deepEqual(acked, ['a1', 'a2', 'a3']);
  assert.deepEqual(cuts, [], 'a split of a run is not a cut');
});

test('a broker refusal: fresh librdkafka with half the batch size, failed records again in the order sent', async () => {
  const { p, acked, send } = make();
  await tick();
  const first = FakeProducer.instances[0]!;
  send('a', 'a1');
  first.report(0);
  send('a', 'a2', 300);
  send('a', 'a3');
  send('a', 'a4');
  assert.equal(first.produced.length, 4);
  // a2's batch refused; librdkafka (gap-less) stops, a3 failed behind it, a4 purged.
  first.report(1, 10);
  first.emitError('Local: Gap-less ordering would not be guaranteed if proceeding');
  first.report(3, -152);
  first.report(2, 45 /* OUT_OF_ORDER_SEQUENCE_NUMBER */);
  send('a', 'a5');
  await new Promise((r) => setTimeout(r, 20));
  const second = FakeProducer.instances[1]!;
  assert.ok(second, 'rebuilt');
  assert.ok(first.disconnected, 'the old one disconnected');
  assert.equal(second.conf['batch.size'], 256 * 1024, 'half the batch size');
  // a2 (300 bytes, below the cap) is sent as it is: it may have been refused for its batch.
  // Only a2 goes first: the key's first record on the new producer id.
  assert.deepEqual(
    second.produced.map((r) => r.value.length),
    [300],
  );
  second.report(0);
  assert.deepEqual(
    second.produced.map((r) => r.value[0]),
    ['a2', 'a3', 'a4', 'a5'].map((t) => Buffer.from(t)[0]),
  );
  assert.deepEqual(
    second.produced.map((r) => r.value.length),
    [300, 100, 100, 100],
  );
  second.report(1);
  second.report(2);
  second.report(3);
  assert.deepEqual(acked, ['a1', 'a2', 'a3', 'a4', 'a5']);
  assert.equal(p.inFlightBytes, 0);
});
