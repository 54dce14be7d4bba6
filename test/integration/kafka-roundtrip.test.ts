/**
 * kafkajs against the real broker: a producer, and two consumers of ONE group sharing a
 * 4-partition topic. This is what the normalizer workers do, and what a broker with a broken
 * group coordinator (e.g. offsets.topic.replication.factor=3 on one node) cannot do.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';

let brokers: string[];
const consumers: Consumer[] = [];

before(async () => {
  ({ brokers } = await ensureStack());
});

after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
});

test('two consumers in one group share a 4-partition topic and see every message exactly once', async () => {
  const topic = uniqueName('rt-kafka');
  const groupId = uniqueName('rt-group');
  await createTopic(brokers, topic, 4);
  // Rebalances log ERROR lines by design; failures show up in the assertions instead.
  const kafka = new Kafka({ clientId: 'kiver-test', brokers, logLevel: logLevel.NOTHING });

  const received = new Map<string, string[]>(); // message value -> consumer names that got it
  const assigned = new Map<string, number[]>();
  for (const name of ['c1', 'c2']) {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
    consumers.push(consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assigned.set(name, e.payload.memberAssignment[topic] ?? []);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value?.toString() ?? '';
        received.set(v, [...(received.get(v) ?? []), name]);
      },
    });
  }
  // Both members must hold partitions before producing: otherwise one consumer could take all.
  // Until both have rejoined after the second member arrived, c1 may still report all four.
  const split = () => {
    const c1 = assigned.get('c1') ?? [];
    const c2 = assigned.get('c2') ?? [];
    const all = [...c1, ...c2].sort();
    return c1.length > 0 && c2.length > 0 && all.join() === '0,1,2,3';
  };
  await waitFor(split, { timeoutMs: 60_000, message: 'the 4 partitions to be split between both consumers' });

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const total = 200;
  try {
    // Distinct keys spread the messages over all partitions.
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: `m${i}` })),
    });
  } finally {
    await producer.disconnect();
  }

  await waitFor(() => received.size === total, {
    timeoutMs: 30_000,
    message: `all ${total} messages consumed`,
  });
  const duplicates = [...received].filter(([, who]) => who.length !== 1);
  assert.deepEqual(duplicates, [], 'no message is consumed twice');
  const byConsumer = (name: string) => [...received.values()].filter((who) => who[0] === name).length;
  assert.ok(byConsumer('c1') > 0 && byConsumer('c2') > 0, 'both consumers received messages');
  for (let i = 0; i < total; i++) assert.ok(received.has(`m${i}`), `message m${i} arrived`);
});
