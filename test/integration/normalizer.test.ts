/**
 * The normalizer against real Kafka and Elasticsearch, in-process: two workers in one group
 * index every record exactly once; poison, mapping conflicts and a 5 MiB message end in the
 * dead-letter topic or indexed-truncated, and the worker goes on; a bad pipeline file exits 2.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { silentLogger } from '../../src/observability/logger.js';
import { startWorker, type Worker } from '../../src/normalizer/index.js';
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
  TEST_DATASET,
  uniqueNames,
} from './normalizer-harness.js';

let stack: StackEndpoints;
const pipelinesDir = testPipelinesDir();

before(async () => {
  stack = await ensureStack();
});

test(
  'two workers in one group index every record exactly once, searchable, with the right dataset',
  { timeout: 120_000 },
  async () => {
    const names = uniqueNames('norm-e2e');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [{ name: names.topic, partitions: 4 }]);
    const workers: Worker[] = [];
    try {
      const config = configFor(
        settings(names, stack.brokers, stack.esUrl, pipelinesDir, ['normalizer.bulk_max_docs=200']),
      );
      workers.push(await startWorker(config, { logger: silentLogger() }));
      workers.push(await startWorker(config, { logger: silentLogger() }));
      assert.equal(workers[0]!.setup.mode, 'index', 'the minimal local cluster has no data-stream module');
      const marker = `mk${names.namespace.replace(/_/g, '')}`;
      const total = 3000;
      await produce(
        stack.brokers,
        names.topic,
        Array.from({ length: total }, (_, i) => rawRecord(marker, i)),
      );
      const counts = await waitFor(
        async () => {
          const c = await count(es, names.namespace, marker);
          return c.docs >= total ? c : null;
        },
        { timeoutMs: 90_000, intervalMs: 500, message: `${total} documents indexed` },
      );
      assert.deepEqual(counts, { docs: total, distinctIds: total, distinctMarkers: total });
      const hit = await es.search<Record<string, { dataset?: string }>>({
        index: `logs-*-${names.namespace}-*`,
        query: { match: { message: `event 42 ${marker}` } },
        size: 1,
      });
      const doc = hit.hits.hits[0]?._source;
      assert.equal(doc?.event?.dataset, TEST_DATASET);
      assert.match(
        hit.hits.hits[0]!._index,
        new RegExp(`^logs-${TEST_DATASET}-${names.namespace}-\\d{4}\\.\\d\\d\\.\\d\\d$`),
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await cleanUp(es, names.namespace);
      await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      await es.close();
    }
  },
);

test(
  'poison record, mapping conflict and a 5 MiB message: dead-lettered with reasons or indexed truncated, and the worker goes on',
  { timeout: 120_000 },
  async () => {
    const names = uniqueNames('norm-bad');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [
      { name: names.topic, partitions: 1 },
      { name: names.dlq, partitions: 1 },
    ]);
    let worker: Worker | undefined;
    const reader = await readDeadLetters(stack.brokers, names.dlq);
    try {
      worker = await startWorker(configFor(settings(names, stack.brokers, stack.esUrl, pipelinesDir)), {
        logger: silentLogger(),
      });
      const marker = `mk${names.namespace.replace(/_/g, '')}`;
      const huge = `KT info pid=7 event 3 ${marker} ${'x'.repeat(5 * 1024 * 1024)}`;
      await produce(stack.brokers, names.topic, [
        rawRecord(marker, 0),
        { raw: Buffer.from('this is not avro \u0000\u00ff garbage') },
        rawRecord(marker, 2, { message: `KT info pid=abc event 2 ${marker}` }),
        rawRecord(marker, 3, { message: huge }),
        rawRecord(marker, 4),
      ]);
      const counts = await waitFor(
        async () => {
          const c = await count(es, names.namespace, marker);
          return c.docs >= 3 && reader.letters.length >= 2 ? c : null;
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'good records indexed and bad ones dead-lettered' },
      );
      assert.equal(counts.docs, 3, 'records 0, 3 (truncated) and 4 indexed');
      const classes = reader.letters.map((l) => l.reason_class).sort();
      assert.deepEqual(classes, ['decode', 'mapping']);
      const mapping = reader.letters.find((l) => l.reason_class === 'mapping')!;
      assert.match(String(mapping.reason), /process\.pid/);
      assert.equal(mapping.pipeline, 'kt');
      assert.equal((mapping.elasticsearch as { status: number }).status, 400);
      assert.equal((mapping.source as { offset: string }).offset, '2');
      const decode = reader.letters.find((l) => l.reason_class === 'decode')!;
      assert.equal(
        Buffer.from((decode.raw as { data: string }).data, 'base64')
          .toString('latin1')
          .startsWith('this is not avro'),
        true,
      );
      const big = await es.search<{ message: string; tags?: string[]; event?: { original?: string } }>({
        index: `logs-*-${names.namespace}-*`,
        query: { match: { message: `event 3 ${marker}` } },
      });
      const source = big.hits.hits[0]?._source;
      assert.ok(source?.tags?.includes('_truncated'), `tags: ${String(source?.tags)}`);
      assert.ok(Buffer.byteLength(source!.message) <= 1024 * 1024);
      // event.original is cut to the same bound (the DLQ/raw topic keeps the full record), so
      // the whole _source stays near 2 x max_message_bytes instead of carrying 5 MiB.
      assert.ok(source!.event?.original !== undefined, 'event.original kept');
      assert.ok(Buffer.byteLength(source!.event!.original!) <= 1024 * 1024);
      assert.ok(
        Buffer.byteLength(JSON.stringify(source)) <= 2 * 1024 * 1024 + 64 * 1024,
        `_source is ${Buffer.byteLength(JSON.stringify(source))} bytes`,
      );
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
  'a bad pipeline file: kiver normalize exits 2 naming the file and line',
  { timeout: 60_000 },
  async () => {
    const dir = testPipelinesDir();
    writeFileSync(
      path.join(dir, 'broken.yaml'),
      ['name: broken', 'dataset: x', 'processors:', '  - no_such_processor: {}', ''].join('\n'),
    );
    const names = uniqueNames('norm-badpl');
    const child = spawnWorker(settings(names, stack.brokers, stack.esUrl, dir));
    const code = await child.exited;
    assert.equal(code, 2, child.output());
    assert.match(child.output(), /broken\.yaml:4/);
  },
);
