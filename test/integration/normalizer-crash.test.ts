/**
 * Crash and rebalance: workers run as `kiver normalize` child processes. One is killed with
 * SIGKILL mid-stream and restarted, then a third joins; every event ends up indexed exactly
 * once. Records are v2 runs of 64 events and bulk requests hold 50, so every record spans two
 * requests and the kill lands between the events of a record: the record must not have been
 * committed, and its replay must not duplicate the events already indexed. Then SIGTERM: each worker finishes, commits, leaves and exits 0 in bounded time.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ensureStack, waitFor, type StackEndpoints } from '../helpers/stack.js';
import {
  cleanUp,
  count,
  createTopics,
  deleteTopics,
  esClient,
  produce,
  rawRecord,
  settings,
  spawnWorker,
  testPipelinesDir,
  uniqueNames,
  waitForLog,
  type ChildWorker,
} from './normalizer-harness.js';

let stack: StackEndpoints;
const pipelinesDir = testPipelinesDir();

before(async () => {
  stack = await ensureStack();
});

test(
  "kill -9 in the middle of a record's events, restart, a third worker joining: no loss, no duplicate",
  { timeout: 240_000 },
  async () => {
    const names = uniqueNames('norm-crash');
    const es = esClient(stack.esUrl);
    await createTopics(stack.brokers, [{ name: names.topic, partitions: 4 }]);
    // Small, sequential requests so that a kill lands in the middle of a batch.
    const sets = settings(names, stack.brokers, stack.esUrl, pipelinesDir, [
      'normalizer.bulk_max_docs=50',
      'normalizer.bulk_concurrency=1',
      'normalizer.shutdown_timeout_ms=20000',
    ]);
    const workers: ChildWorker[] = [];
    const marker = `mk${names.namespace.replace(/_/g, '')}`;
    const total = 8000;
    try {
      await produce(
        stack.brokers,
        names.topic,
        Array.from({ length: total }, (_, i) => rawRecord(marker, i)),
        { runLength: 64 },
      );
      const a = spawnWorker(sets);
      const b = spawnWorker(sets);
      workers.push(a, b);
      await waitFor(async () => (await count(es, names.namespace, marker)).docs >= 1500, {
        timeoutMs: 90_000,
        intervalMs: 250,
        message: 'indexing under way',
      });
      a.proc.kill('SIGKILL');
      await a.exited;
      const before = (await count(es, names.namespace, marker)).docs;
      assert.ok(before < total, 'killed before the end');
      const a2 = spawnWorker(sets);
      workers.push(a2);
      await waitFor(
        async () => (await count(es, names.namespace, marker)).docs >= Math.min(total - 500, before + 2000),
        {
          timeoutMs: 90_000,
          intervalMs: 250,
          message: 'progress after the restart',
        },
      );
      const c = spawnWorker(sets);
      workers.push(c);
      await waitForLog(c, /joined the consumer group/);
      const counts = await waitFor(
        async () => {
          const n = await count(es, names.namespace, marker);
          return n.docs >= total ? n : null;
        },
        { timeoutMs: 120_000, intervalMs: 500, message: `all ${total} documents` },
      );
      assert.deepEqual(counts, { docs: total, distinctIds: total, distinctMarkers: total });
      // Graceful stop: SIGTERM, bounded, exit 0.
      const live = [b, a2, c];
      const started = Date.now();
      for (const w of live) w.proc.kill('SIGTERM');
      const codes = await Promise.all(live.map((w) => w.exited));
      assert.deepEqual(codes, [0, 0, 0], live.map((w) => w.output().slice(-1500)).join('\n----\n'));
      assert.ok(Date.now() - started < 22_000, 'within shutdown_timeout_ms');
      assert.equal((await count(es, names.namespace, marker)).docs, total, 'nothing more after the stop');
    } finally {
      for (const w of workers)
        if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
      await cleanUp(es, names.namespace);
      await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      await es.close();
    }
  },
);
