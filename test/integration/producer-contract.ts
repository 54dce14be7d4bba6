/**
 * The producer port's contract (src/collector/producer/port.ts), run against the real broker
 * for each implementation: acknowledgements in order per key, a too-large record reshaped,
 * backpressure under a tiny in-flight bound, the partition of a key (Java-compatible
 * murmur2, as kafkajs' DefaultPartitioner computes it), and a broker outage (through a proxy
 * that only this producer uses) that loses nothing. `producer-<client>.test.ts` runs it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { configFrom } from '../../src/config/index.js';
import type { KafkaConfig } from '../../src/config/types.js';
import type {
  ProducerCallbacks,
  ProducerEvents,
  ProducerFactory,
  ProducerSettings,
  RecordProducer,
} from '../../src/collector/producer/port.js';
import { reshapeRecord } from '../../src/collector/reshape.js';
import { RawRecordCodec } from '../../src/schema/raw-record.js';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';
import { KafkaProxy } from '../helpers/kafka-proxy.js';
import { TopicReader } from './collector-harness.js';

const codec = new RawRecordCodec();

/** One consumed message, as Kafka holds it. */

/** A run of `events` events of `bytes` random characters each, for the file `key`; offsets count events. */
export function run(key: string, first: number, events: number, bytes = 100): Buffer {
  const text = () => randomBytes(bytes).toString('base64').slice(0, bytes);
  return codec.encode({
    schema_version: 2,
    host: 'contract',
    path: `/logs/${key}.log`,
    file: { dev: '1', inode: key, fingerprint: '', generation: 0 },
    collected_at: Date.now(),
    fields: {},
    events: Array.from({ length: events }, (_, i) => ({
      offset: first + i,
      length: bytes + 1,
      message: `${key} ${first + i} ${text()}`,
      flags: [],
    })),
  });
}

/** Java-compatible murmur2 partition, as kafkajs' DefaultPartitioner picks it. */
export function expectedPartition(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 't',
    partitionMetadata: Array.from({ length: partitions }, (_, i) => ({
      partitionId: i,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

export interface Recorder<T> {
  acked: T[];
  cuts: [number, number][];
  downs: number;
  ups: number;
  failures: string[];
  callbacks: ProducerCallbacks<T>;
  events: ProducerEvents;
}

export function recorder<T>(): Recorder<T> {
  const r: Recorder<T> = {
    acked: [],
    cuts: [],
    downs: 0,
    ups: 0,
    failures: [],
    callbacks: {
      acknowledged: (tokens) => void r.acked.push(...tokens),
      reshape: (value, maxBytes) => reshapeRecord(codec, value, maxBytes),
    },
    events: {
      batchAcknowledged: () => undefined,
      sendFailed: (type) => void r.failures.push(type),
      sendRetried: () => undefined,
      kafkaStateChanged: (up) => void (up ? (r.ups += 1) : (r.downs += 1)),
      eventCutToFit: (_topic, before, after) => void r.cuts.push([before, after]),
      accessRefused: () => undefined,
    },
  };
  return r;
}

export function settingsFor(
  kafka: Partial<KafkaConfig>,
  over: Partial<ProducerSettings> = {},
): ProducerSettings {
  const config = configFrom({ kafka: { ...kafka }, metrics: { listen: '' } });
  const c = config.collector;
  return {
    kafka: { ...config.kafka, ...kafka },
    maxInFlightBytes: c.max_in_flight_bytes,
    batchMaxBytes: c.batch_max_bytes,
    batchMaxEvents: c.batch_max_events,
    batchLingerMs: 20,
    maxInFlightBatches: c.max_in_flight_batches,
    ...over,
  };
}

/** Sends while there is room, waits when there is none: the collector's loop in small. */
async function sendAll<T>(
  p: RecordProducer<T>,
  items: { topic: string; key: string; value: Buffer; events: number; token: T }[],
  onSent?: () => void,
): Promise<void> {
  for (const it of items) {
    while (!p.hasRoom) await p.waitForRoom();
    p.send(
      { topic: it.topic, key: it.key, value: it.value, headers: codec.headers, events: it.events },
      it.token,
    );
    onSent?.();
  }
}

export function producerContract(
  client: 'kafkajs' | 'librdkafka',
  factory: () => Promise<ProducerFactory>,
): void {
  describe(`producer port contract on ${client} (real Kafka)`, () => {
    let brokers: string[];
    let make: ProducerFactory;
    const readers: TopicReader[] = [];
    before(async () => {
      ({ brokers } = await ensureStack());
      make = await factory();
      console.log(`# producer contract: client ${client}`);
    });
    after(async () => {
      for (const r of readers) await r.stop().catch(() => undefined);
    });
    const reader = async (topic: string) => {
      const r = new TopicReader(brokers, topic);
      readers.push(r);
      await r.start();
      return r;
    };

    test(
      'acknowledgements arrive in order per key; every key lands on its murmur2 partition',
      { timeout: 60_000 },
      async () => {
        const topic = uniqueName(`pc-order-${client}`);
        await createTopic(brokers, topic, 6);
        const r = recorder<{ key: string; n: number }>();
        const p = make(settingsFor({ brokers, topic }), r.callbacks, r.events);
        const keys = Array.from({ length: 40 }, (_, i) => `host-${i}/2049:${1000 + i * 7919}`);
        const items = [];
        for (let n = 0; n < 25; n++)
          for (const key of keys)
            items.push({ topic, key, value: run(key, n * 10, 10), events: 10, token: { key, n } });
        const consumed = await reader(topic);
        await sendAll(p, items);
        assert.equal(await p.drain(30_000), true, 'drained');
        assert.equal(p.inFlightBytes, 0);
        assert.equal(r.acked.length, items.length, 'every token once');
        for (const key of keys) {
          const ns = r.acked.filter((t) => t.key === key).map((t) => t.n);
          assert.deepEqual(
            ns,
            Array.from({ length: 25 }, (_, i) => i),
            `${key}: acknowledged in order`,
          );
        }
        await waitFor(() => consumed.landed.length >= items.length, {
          timeoutMs: 20_000,
          message: 'all consumed',
        });
        for (const key of keys) {
          const mine = consumed.landed.filter((l) => l.key === key);
          assert.equal(new Set(mine.map((l) => l.partition)).size, 1, `${key}: one partition`);
          assert.equal(mine[0]!.partition, expectedPartition(key, 6), `${key}: Java murmur2 partition`);
          const firsts = mine.map((l) => l.run.events[0]!.offset);
          assert.deepEqual(
            firsts,
            [...firsts].sort((a, b) => a - b),
            `${key}: in order in Kafka`,
          );
        }
        await p.close();
      },
    );

    test(
      'records too large for the topic are reshaped: a run split, one event cut and reported once',
      { timeout: 90_000 },
      async () => {
        const topic = uniqueName(`pc-large-${client}`);
        const admin = new Kafka({
          clientId: 'kiver-test-admin',
          brokers,
          logLevel: logLevel.NOTHING,
        }).admin();
        await admin.connect();
        await admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: 1,
              configEntries: [{ name: 'max.message.bytes', value: String(64 * 1024) }],
            },
          ],
          waitForLeaders: true,
        });
        await admin.disconnect();
        const r = recorder<string>();
        const p = make(settingsFor({ brokers, topic }), r.callbacks, r.events);
        const consumed = await reader(topic);
        const key = 'big/1:1';
        await sendAll(p, [
          { topic, key, value: run(key, 0, 10), events: 10, token: 'small-before' },
          // ~300 KiB in 1,500 events: split until each part fits.
          { topic, key, value: run(key, 10, 1500, 200), events: 1500, token: 'long-run' },
          // One event of 200 KiB: cut to fit, flagged truncated.
          { topic, key, value: run(key, 1510, 1, 200 * 1024), events: 1, token: 'one-big-event' },
          { topic, key, value: run(key, 1511, 10), events: 10, token: 'small-after' },
        ]);
        assert.equal(await p.drain(60_000), true, 'drained');
        assert.deepEqual(r.acked, ['small-before', 'long-run', 'one-big-event', 'small-after']);
        assert.equal(r.cuts.length, 1, 'the cut reported once');
        assert.ok(r.cuts[0]![1] < 64 * 1024 && r.cuts[0]![0] > 200 * 1024);
        await waitFor(() => consumed.landed.reduce((n, l) => n + l.run.events.length, 0) >= 1521, {
          timeoutMs: 20_000,
          message: 'every event consumed',
        });
        const events = consumed.landed.flatMap((l) => l.run.events);
        assert.equal(events.length, 1521, 'every event once');
        const offsets = events.map((e) => e.offset);
        assert.deepEqual(
          offsets,
          [...offsets].sort((a, b) => a - b),
          'in file order',
        );
        const cut = events.find((e) => e.flags.includes('truncated'));
        assert.ok(cut && cut.message.length > 1024 && cut.message.length < 64 * 1024, 'cut, not emptied');
        await p.close();
      },
    );

    test(
      'a tiny in-flight bound is backpressure: hasRoom turns false, nothing dropped',
      { timeout: 60_000 },
      async () => {
        const topic = uniqueName(`pc-room-${client}`);
        await createTopic(brokers, topic, 3);
        const r = recorder<number>();
        const bound = 64 * 1024;
        const p = make(
          settingsFor({ brokers, topic }, { maxInFlightBytes: bound, batchMaxBytes: 16 * 1024 }),
          r.callbacks,
          r.events,
        );
        let maxInFlight = 0;
        let waits = 0;
        const items = Array.from({ length: 400 }, (_, n) => {
          const key = `room/${n % 4}`;
          return { topic, key, value: run(key, n * 8, 8, 1000), events: 8, token: n };
        });
        for (const it of items) {
          if (!p.hasRoom) {
            waits += 1;
            await p.waitForRoom();
          }
          p.send(
            { topic, key: it.key, value: it.value, headers: codec.headers, events: it.events },
            it.token,
          );
          maxInFlight = Math.max(maxInFlight, p.inFlightBytes);
        }
        assert.equal(await p.drain(30_000), true, 'drained');
        assert.ok(waits > 10, `waited for room ${waits} times`);
        assert.ok(maxInFlight <= bound + 9000, `in flight bounded (max ${maxInFlight})`);
        assert.equal(r.acked.length, items.length, 'every record acknowledged');
        assert.deepEqual(
          [...r.acked].sort((a, b) => a - b),
          items.map((i) => i.token),
        );
        await p.close();
      },
    );

    test(
      'Kafka unreachable for ~8 s: kafkaUp false, then everything acknowledged, nothing lost',
      { timeout: 90_000 },
      async () => {
        const [host, port] = brokers[0]!.split(':');
        const proxy = new KafkaProxy({ host: host!, port: Number(port) });
        await proxy.open();
        const topic = uniqueName(`pc-outage-${client}`);
        await createTopic(brokers, topic, 3);
        const r = recorder<number>();
        const p = make(
          settingsFor(
            { brokers: [proxy.address], topic, request_timeout_ms: 3000, connection_timeout_ms: 1000 },
            { maxInFlightBytes: 256 * 1024 },
          ),
          r.callbacks,
          r.events,
        );
        const consumed = await reader(topic);
        let n = 0;
        let stop = false;
        const writer = (async () => {
          while (!stop) {
            const key = `outage/${n % 3}`;
            await sendAll(p, [{ topic, key, value: run(key, n * 5, 5), events: 5, token: n }]);
            n += 1;
            await new Promise((res) => setTimeout(res, 5));
          }
        })();
        try {
          await waitFor(() => r.acked.length > 50, { timeoutMs: 20_000, message: 'flowing' });
          await proxy.close();
          await waitFor(() => !p.kafkaUp, { timeoutMs: 20_000, message: 'kafkaUp false' });
          await new Promise((res) => setTimeout(res, 8000));
          assert.ok(r.downs >= 1, 'the outage was reported');
          assert.equal(p.hasRoom, false, 'reading would pause');
          await proxy.open();
          await waitFor(() => p.kafkaUp, { timeoutMs: 30_000, message: 'kafkaUp again' });
          stop = true;
          await writer;
          assert.equal(await p.drain(30_000), true, 'drained');
          assert.deepEqual(
            [...new Set(r.acked)].sort((a, b) => a - b),
            Array.from({ length: n }, (_, i) => i),
          );
          await waitFor(
            () => new Set(consumed.landed.map((l) => l.run.events[0]!.offset + '/' + l.key)).size >= n,
            {
              timeoutMs: 20_000,
              message: `${n} distinct records consumed`,
            },
          );
        } finally {
          stop = true;
          await writer.catch(() => undefined);
          await p.close();
          await proxy.close();
        }
      },
    );
  });
}
