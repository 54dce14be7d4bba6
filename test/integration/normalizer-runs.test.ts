/**
 * Schema v2 against the real broker and Elasticsearch: a topic of v1 records (as 0.1
 * collectors wrote it) and a topic of v2 runs index the same events exactly once each, under
 * the same document ids; a bad event inside a run is dead-lettered alone, with its file
 * coordinates, while the rest of its run is indexed.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { CompressionTypes } from 'kafkajs';
import { startWorker, type Worker } from '../../src/normalizer/worker.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ensureStack, waitFor, type StackEndpoints } from '../helpers/stack.js';
import {
  cleanUp,
  configFor,
  count,
  createTopics,
  deleteTopics,
  esClient,
  produce,
  rawRecord,
  readDeadLetters,
  settings,
  spawnWorker,
  testPipelinesDir,
  uniqueNames,
  waitForLog,
} from './normalizer-harness.js';

let stack: StackEndpoints;
const pipelinesDir = testPipelinesDir();

before(async () => {
  stack = await ensureStack();
});

async function idsOf(es: Client, namespace: string): Promise<string[]> {
  const index = `logs-*-${namespace}-*`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const res = await es.search({ index, size: 10_000, _source: false, query: { match_all: {} } });
  return res.hits.hits.map((h) => h._id!).sort();
}

test(
  'a v1 topic and a v2 topic of the same events: each indexed exactly once, under the same ids',
  { timeout: 180_000 },
  async () => {
    const v1 = uniqueNames('norm-v1');
    const v2 = uniqueNames('norm-v2');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [
      { name: v1.topic, partitions: 2 },
      { name: v2.topic, partitions: 2 },
    ]);
    const workers: Worker[] = [];
    const marker = `mk${v1.namespace.replace(/_/g, '')}`;
    const total = 2000;
    // One marker, one set of files and offsets for both topics: the same events.
    const records = Array.from({ length: total }, (_, i) =>
      rawRecord(marker, i, { collected_at: 1_764_000_000_000 + i }),
    );
    try {
      for (const names of [v1, v2]) {
        const config = configFor(settings(names, stack.brokers, stack.esUrl, pipelinesDir));
        workers.push(await startWorker(config, { logger: silentLogger() }));
      }
      await produce(stack.brokers, v1.topic, records, { schemaVersion: 1 });
      await produce(stack.brokers, v2.topic, records, { runLength: 100 });
      for (const names of [v1, v2]) {
        const counts = await waitFor(
          async () => {
            const c = await count(es, names.namespace, marker);
            return c.docs >= total ? c : null;
          },
          { timeoutMs: 90_000, intervalMs: 500, message: `${total} documents in ${names.namespace}` },
        );
        assert.deepEqual(
          counts,
          { docs: total, distinctIds: total, distinctMarkers: total },
          names.namespace,
        );
      }
      const [idsV1, idsV2] = [await idsOf(es, v1.namespace), await idsOf(es, v2.namespace)];
      assert.equal(idsV1.length, total);
      assert.deepEqual(idsV1, idsV2, 'an event has one id whatever record shape carried it');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      for (const names of [v1, v2]) {
        await cleanUp(es, names.namespace);
        await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      }
      await es.close();
    }
  },
);

test(
  'a bad event inside a run is dead-lettered alone with its coordinates; the rest of the run is indexed',
  { timeout: 120_000 },
  async () => {
    const names = uniqueNames('norm-runbad');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [
      { name: names.topic, partitions: 1 },
      { name: names.dlq, partitions: 1 },
    ]);
    let worker: Worker | undefined;
    const reader = await readDeadLetters(stack.brokers, names.dlq);
    const marker = `mk${names.namespace.replace(/_/g, '')}`;
    // All of one file (i % 5 == 0), so the five events travel in one record.
    const records = [0, 5, 10, 15, 20].map((i) =>
      i === 10
        ? rawRecord(marker, i, { message: `KT info pid=abc event ${i} ${marker}` })
        : rawRecord(marker, i),
    );
    try {
      worker = await startWorker(configFor(settings(names, stack.brokers, stack.esUrl, pipelinesDir)), {
        logger: silentLogger(),
      });
      await produce(stack.brokers, names.topic, records, { runLength: 5 });
      const counts = await waitFor(
        async () => {
          const c = await count(es, names.namespace, marker);
          return c.docs >= 4 && reader.letters.length >= 1 ? c : null;
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'four events indexed and one dead-lettered' },
      );
      assert.equal(counts.docs, 4);
      assert.equal(reader.letters.length, 1, 'one letter: the event, not its record');
      const letter = reader.letters[0] as {
        reason_class: string;
        event: { path: string; offset: number; file: { inode: string } } | null;
        source: { offset: string };
      };
      assert.equal(letter.reason_class, 'mapping');
      assert.deepEqual(
        { path: letter.event?.path, offset: letter.event?.offset, inode: letter.event?.file.inode },
        { path: '/app/log/c0/app.log', offset: 1000, inode: '5000' },
      );
      assert.equal(letter.source.offset, '0', 'the Kafka record that carried it');
    } finally {
      await reader.consumer.disconnect();
      await worker?.stop();
      await cleanUp(es, names.namespace);
      await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      await es.close();
    }
  },
);

test(
  'runs a collector compressed with lz4 and with zstd are read by the worker (codecs registered by its client)',
  { timeout: 120_000 },
  async () => {
    const names = uniqueNames('norm-codecs');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [{ name: names.topic, partitions: 1 }]);
    // A child process: this process registered the codecs for its own producer, the worker
    // must register them itself.
    const worker = spawnWorker(settings(names, stack.brokers, stack.esUrl, pipelinesDir));
    const marker = `mk${names.namespace.replace(/_/g, '')}`;
    try {
      await waitForLog(worker, /normalizer started/);
      const records = Array.from({ length: 400 }, (_, i) => rawRecord(marker, i));
      await produce(stack.brokers, names.topic, records.slice(0, 200), {
        runLength: 50,
        compression: CompressionTypes.LZ4,
      });
      await produce(stack.brokers, names.topic, records.slice(200), {
        runLength: 50,
        compression: CompressionTypes.ZSTD,
      });
      const counts = await waitFor(
        async () => {
          const c = await count(es, names.namespace, marker);
          return c.docs >= 400 ? c : null;
        },
        { timeoutMs: 60_000, intervalMs: 500, message: '400 documents from lz4 and zstd batches' },
      );
      assert.deepEqual(
        counts,
        { docs: 400, distinctIds: 400, distinctMarkers: 400 },
        worker.output().slice(-1500),
      );
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
      await cleanUp(es, names.namespace);
      await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      await es.close();
    }
  },
);
