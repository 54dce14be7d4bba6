/**
 * Switching `kafka.client` never splits a file across partitions: the same keys produced
 * through kafkajs and through librdkafka to one 12-partition topic land on the same
 * partition, which is the Java-compatible murmur2 partition (test/unit/collector/
 * partitioner.test.ts proves the hash on 20,000 keys without a broker).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkajsProducer } from '../../src/collector/producer/kafkajs.js';
import { librdkafkaProducerFactory } from '../../src/collector/producer/librdkafka.js';
import { loadLibrdkafka } from '../../src/collector/producer/select.js';
import type { ProducerFactory } from '../../src/collector/producer/port.js';
import { RawRecordCodec } from '../../src/schema/raw-record.js';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';
import { TopicReader } from './collector-harness.js';
import { expectedPartition, recorder, run, settingsFor } from './producer-contract.js';

const loaded = await loadLibrdkafka();
const PARTITIONS = 12;
const headers = new RawRecordCodec().headers;

let brokers: string[];
let reader: TopicReader | null = null;
before(async () => {
  ({ brokers } = await ensureStack());
});
after(async () => {
  await reader?.stop();
});

test(
  'the same 500 keys through kafkajs and librdkafka land on the same partitions',
  { skip: loaded.ok ? false : loaded.reason, timeout: 60_000 },
  async () => {
    if (!loaded.ok) return;
    const topic = uniqueName('partitions');
    await createTopic(brokers, topic, PARTITIONS);
    reader = new TopicReader(brokers, topic);
    await reader.start();
    const keys = Array.from(
      { length: 500 },
      (_, i) => `node-${i % 17}/${2049 + (i % 3)}:${100_000 + i * 104_729}`,
    );
    const clients: [string, ProducerFactory][] = [
      ['kafkajs', createKafkajsProducer],
      ['librdkafka', librdkafkaProducerFactory(loaded.module)],
    ];
    for (const [name, factory] of clients) {
      const r = recorder<string>();
      const p = factory(settingsFor({ brokers, topic }), r.callbacks, r.events);
      for (const key of keys) {
        while (!p.hasRoom) await p.waitForRoom();
        // The client's name as the host, to tell the copies apart.
        p.send({ topic, key, value: run(key, 0, 1), headers, events: 1 }, name);
      }
      assert.equal(await p.drain(30_000), true, `${name} drained`);
      await p.close();
    }
    await waitFor(() => reader!.landed.length >= 2 * keys.length, {
      timeoutMs: 20_000,
      message: 'both copies',
    });
    const byKey = new Map<string, number[]>();
    for (const l of reader.landed) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l.partition]);
    const used = new Set<number>();
    for (const key of keys) {
      const parts = byKey.get(key) ?? [];
      assert.equal(parts.length, 2, `${key}: one copy per client`);
      assert.equal(parts[0], parts[1], `${key}: same partition through both clients`);
      assert.equal(parts[0], expectedPartition(key, PARTITIONS), `${key}: the Java murmur2 partition`);
      used.add(parts[0]!);
    }
    assert.equal(used.size, PARTITIONS, 'the keys spread over every partition');
  },
);
