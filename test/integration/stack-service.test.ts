/**
 * `kiver stack kill|start` of one service keeps its data: a message produced before a kill -9
 * of the broker is still in the topic after `start`, a document indexed before a kill -9 of
 * Elasticsearch is still found after `start`, and SIGSTOP freezes ES until SIGCONT. Its own
 * stack dir and ports (18492/18493, 18600/18700), so it never touches another stack.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import {
  stackDown,
  stackKill,
  stackStart,
  stackStatus,
  stackUp,
  type StackOptions,
} from '../../src/stack/index.js';
import { defaultCacheRoot } from '../../src/stack/layout.js';
import { readProcStat } from '../../src/stack/process.js';
import { waitFor } from '../helpers/stack.js';

const opts: StackOptions = {
  dir: path.join(defaultCacheRoot(), 'stack-service-selftest'),
  kafkaPort: 18492,
  kafkaControllerPort: 18493,
  esPort: 18600,
  esTransportPort: 18700,
  timeoutMs: 240_000,
};
const brokers = ['127.0.0.1:18492'];
const esUrl = 'http://127.0.0.1:18600';
const topic = 'stack-service-kept';
const index = 'stack-service-kept';

const kafka = new Kafka({ clientId: 'stack-service-test', brokers, logLevel: logLevel.NOTHING });

async function topicValues(): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `stack-service-${Date.now()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    await waitFor(() => values.length > 0, { timeoutMs: 60_000, message: 'the kept message is consumed' });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

function serviceOf(status: Awaited<ReturnType<typeof stackStatus>>, name: string) {
  const s = status.services.find((x) => x.name === name);
  assert.ok(s, name);
  return s;
}

before(async () => {
  await stackDown(opts);
  await stackUp(opts);
});

after(async () => {
  await stackDown(opts);
});

test('kill -9 of the broker, then start: the broker comes back with the messages it had', async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: 'before the kill' }] });
  await producer.disconnect();

  const killed = await stackKill('kafka', 'KILL', opts);
  assert.equal(killed.outcome, 'killed');
  // Gone or a zombie: a broker started by this test process is reaped by it only later.
  for (const pid of killed.pids)
    assert.ok(['Z', undefined].includes(readProcStat(pid)?.state), `pid ${pid} is gone`);
  const down = serviceOf(await stackStatus(opts), 'kafka');
  assert.equal(down.running, false);

  const started = await stackStart('kafka', opts);
  assert.equal(started.alreadyRunning, false);
  assert.notDeepEqual(started.pids, killed.pids);
  const up = serviceOf(await stackStatus(opts), 'kafka');
  assert.ok(up.running && up.answers, 'status sees the new broker');
  assert.deepEqual(await topicValues(), ['before the kill']);
  assert.equal((await stackStart('kafka', opts)).alreadyRunning, true, 'a second start is a no-op');
});

test('SIGSTOP freezes Elasticsearch until SIGCONT; kill -9 and start keep its documents', async () => {
  const client = new Client({ node: esUrl, requestTimeout: 3000, maxRetries: 0 });
  try {
    await client.index({ index, id: 'kept', document: { text: 'before the kill' }, refresh: true });

    const stopped = await stackKill('elasticsearch', 'STOP', opts);
    assert.equal(stopped.outcome, 'signalled');
    assert.equal(readProcStat(stopped.pids[0]!)?.state, 'T', 'the server JVM is stopped');
    await assert.rejects(client.cluster.health(), 'a frozen ES does not answer');
    await stackKill('elasticsearch', 'CONT', opts);
    await waitFor(() => client.cluster.health().then((h) => h.status !== 'red'), {
      timeoutMs: 30_000,
      message: 'ES answers again after SIGCONT',
    });

    const killed = await stackKill('elasticsearch', 'KILL', opts);
    assert.equal(killed.outcome, 'killed');
    assert.equal(killed.pids.length, 2, 'server and launcher');
    const started = await stackStart('elasticsearch', opts);
    assert.equal(started.pids.length, 2);
    assert.ok(serviceOf(await stackStatus(opts), 'elasticsearch').answers);
    const doc = await waitFor(
      () => client.get<{ text: string }>({ index, id: 'kept' }).catch(() => undefined),
      {
        timeoutMs: 60_000,
        message: 'the document indexed before the kill is found',
      },
    );
    assert.equal(doc._source?.text, 'before the kill');
  } finally {
    await client.close();
  }
});
