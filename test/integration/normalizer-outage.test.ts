/**
 * Elasticsearch unreachable for ~20 s. The shared cluster is not touched: the worker talks to
 * it through a TCP proxy that this test closes (dropping every connection) and reopens. The
 * worker must pause, report unhealthy, keep its memory bounded, and resume without loss or
 * duplicate.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
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

/** A TCP proxy to Elasticsearch that can be cut (all connections dropped) and restored on the same port. */
class Proxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 80), this.target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

test(
  'Elasticsearch unreachable for ~20 s: paused, unhealthy, bounded memory, then resumes with no loss or duplicate',
  { timeout: 180_000 },
  async () => {
    const names = uniqueNames('norm-outage');
    const es = esClient(stack.esUrl);
    const proxy = new Proxy(new URL(stack.esUrl));
    await proxy.open();
    await createTopics(stack.brokers, [{ name: names.topic, partitions: 2 }]);
    const marker = `mk${names.namespace.replace(/_/g, '')}`;
    let worker: ChildWorker | undefined;
    try {
      worker = spawnWorker(
        settings(names, stack.brokers, `http://127.0.0.1:${proxy.port}`, pipelinesDir, [
          'metrics.listen=127.0.0.1:0',
          'normalizer.retry_max_ms=2000',
          'elasticsearch.request_timeout_ms=5000',
        ]),
      );
      await waitForLog(worker, /normalizer started/);
      const metricsUrl = /"metrics":"(http:[^"]+)"/.exec(worker.output())?.[1];
      assert.ok(metricsUrl, 'metrics URL in the start log');
      await produce(
        stack.brokers,
        names.topic,
        Array.from({ length: 1000 }, (_, i) => rawRecord(marker, i)),
      );
      await waitFor(async () => (await count(es, names.namespace, marker)).docs >= 1000, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: 'first 1000',
      });
      await waitFor(async () => (await get(`${metricsUrl}/healthz`)).status === 200, { message: 'healthy' });

      await proxy.cut();
      const outageStart = Date.now();
      await produce(
        stack.brokers,
        names.topic,
        Array.from({ length: 5000 }, (_, i) => rawRecord(marker, 1000 + i)),
      );
      await waitFor(async () => (await get(`${metricsUrl}/healthz`)).status === 503, {
        timeoutMs: 30_000,
        message: 'unhealthy while ES is away',
      });
      const unhealthy = JSON.parse((await get(`${metricsUrl}/healthz`)).body) as {
        checks: Record<string, { ok: boolean; detail: string }>;
      };
      assert.equal(unhealthy.checks.kafka?.ok, true, 'the consumer stays in its group');
      assert.equal(unhealthy.checks.elasticsearch?.ok, false);
      assert.match(unhealthy.checks.elasticsearch!.detail, /unreachable.*\(since \d\d:\d\d:\d\dZ\)$/);
      assert.equal((await get(`${metricsUrl}/livez`)).status, 200, 'alive while Elasticsearch is away');
      await waitFor(
        async () => /kiver_normalizer_partitions_paused 1/.test((await get(`${metricsUrl}/metrics`)).body),
        {
          timeoutMs: 30_000,
          message: 'partitions paused',
        },
      );
      let peak = 0;
      await waitFor(
        () => {
          peak = Math.max(peak, rssMiB(worker!.proc.pid!));
          return Date.now() - outageStart >= 20_000;
        },
        { timeoutMs: 40_000, intervalMs: 500, message: '20 s of outage' },
      );
      assert.ok(peak < 400, `worker RSS stayed bounded during the outage (peak ${peak.toFixed(0)} MiB)`);
      assert.ok((await count(es, names.namespace, marker)).docs < 6000, 'nothing got through the cut proxy');

      await proxy.open();
      const counts = await waitFor(
        async () => {
          const c = await count(es, names.namespace, marker);
          return c.docs >= 6000 ? c : null;
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'all 6000 after the outage' },
      );
      assert.deepEqual(counts, { docs: 6000, distinctIds: 6000, distinctMarkers: 6000 });
      await waitFor(async () => (await get(`${metricsUrl}/healthz`)).status === 200, {
        timeoutMs: 30_000,
        message: 'healthy again',
      });
      assert.match(
        (await get(`${metricsUrl}/metrics`)).body,
        /kiver_normalizer_bulk_retries_total\{cause="unreachable"\} [1-9]/,
      );
      worker.proc.kill('SIGTERM');
      assert.equal(await worker.exited, 0, worker.output().slice(-2000));
    } finally {
      if (worker && worker.proc.exitCode === null && worker.proc.signalCode === null)
        worker.proc.kill('SIGKILL');
      await proxy.cut();
      await cleanUp(es, names.namespace);
      await deleteTopics(stack.brokers, [names.topic, names.dlq]);
      await es.close();
    }
  },
);
