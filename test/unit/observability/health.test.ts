import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../../src/errors.js';
import { CollectorHealth } from '../../../src/collector/health.js';
import { collectorMetrics } from '../../../src/collector/collector-metrics.js';
import { WorkerHealth } from '../../../src/normalizer/health.js';
import { healthBody } from '../../../src/observability/health.js';
import { createRegistry, startMetricsServer } from '../../../src/observability/metrics-server.js';

const at = (iso: string) => Date.parse(iso);

function enospc(): CheckpointError {
  const cause = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  return new CheckpointError('cannot write checkpoints to /state: ENOSPC.', 'Check free space.', { cause });
}

test('collector: a failed checkpoint write fails the check with the OS error and its start; a later write clears it', () => {
  let now = at('2026-12-03T12:01:02.500Z');
  const h = new CollectorHealth({ maxLagBytes: 100, checkpointDir: '/state', now: () => now });
  assert.deepEqual(h.checks(0).checkpoint, { ok: true, detail: 'the last checkpoint write succeeded' });
  h.events.checkpointWriteFailed(enospc());
  now += 5000;
  h.events.checkpointWriteFailed(enospc()); // still failing: the start time stays the first one
  assert.equal(h.checkpointWritable, false);
  assert.deepEqual(h.checks(0).checkpoint, {
    ok: false,
    detail: 'ENOSPC: no space left on device, write in /state (since 12:01:02Z)',
  });
  h.events.checkpointWritten(3);
  assert.equal(h.checks(0).checkpoint!.ok, true);
  now += 60_000;
  h.events.checkpointWriteFailed(enospc());
  assert.match(h.checks(0).checkpoint!.detail, /\(since 12:02:07Z\)$/, 'a new failure has a new start');
});

test('collector: Kafka check follows the producer state changes, lag check the configured bound', () => {
  const now = at('2026-12-03T08:00:00Z');
  const h = new CollectorHealth({ maxLagBytes: 100, checkpointDir: '/state', now: () => now });
  assert.equal(h.checks(0).kafka!.ok, true);
  h.events.kafkaStateChanged(false, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  assert.deepEqual(h.checks(0).kafka, {
    ok: false,
    detail:
      'sends to Kafka fail: Connection error: connect ECONNREFUSED 127.0.0.1:9092 (since 08:00:00Z); reading waits for it',
  });
  h.events.kafkaStateChanged(true, 'send succeeded');
  assert.equal(h.checks(0).kafka!.ok, true);
  assert.equal(h.checks(100).lag!.ok, true);
  assert.deepEqual(h.checks(101).lag, {
    ok: false,
    detail: '101 bytes behind the files (bound 100, collector.health_max_lag_bytes)',
  });
});

test('worker: Kafka is group membership, Elasticsearch the last reachability, lag appears once known and resets on a rejoin', () => {
  let now = at('2026-12-03T09:30:00Z');
  const h = new WorkerHealth({ groupId: 'g', maxLagRecords: 10, now: () => now });
  assert.deepEqual(Object.keys(h.checks(true)), ['kafka', 'elasticsearch'], 'no lag check before a batch');
  assert.deepEqual(h.checks(false).kafka, {
    ok: false,
    detail: 'not a member of consumer group g (since 09:30:00Z)',
  });
  now += 1000;
  h.reachability(false);
  assert.deepEqual(h.checks(true).elasticsearch, {
    ok: false,
    detail: 'Elasticsearch is unreachable; consumption is paused until it returns (since 09:30:01Z)',
  });
  h.reachability(true);
  assert.equal(h.checks(true).elasticsearch!.ok, true);
  h.lag('logs.raw', 0, 6);
  h.lag('logs.raw', 1, 5);
  assert.deepEqual(h.checks(true).lag, {
    ok: false,
    detail: '11 raw records behind over 2 partitions (bound 10, normalizer.health_max_lag_records)',
  });
  h.lag('logs.raw', 1, 4);
  assert.equal(h.checks(true).lag!.ok, true);
  h.lag('logs.raw', 1, 400);
  h.assigned();
  assert.equal(h.checks(true).lag, undefined, 'partitions of the last assignment no longer count');
});

test('the body: status from the checks, details kept, details cannot override status or checks', () => {
  const body = healthBody({
    checks: { a: { ok: true, detail: 'x' }, b: { ok: false, detail: 'y' } },
    details: { lag_bytes: 3, status: 'ok' },
  });
  assert.deepEqual(body, {
    lag_bytes: 3,
    status: 'unhealthy',
    checks: { a: { ok: true, detail: 'x' }, b: { ok: false, detail: 'y' } },
  });
  assert.equal(healthBody({ checks: {} }).status, 'ok');
});

test('the server: /healthz and /readyz 503 with a failing check, 200 when all hold; /livez 200 regardless', async () => {
  let ok = false;
  const server = await startMetricsServer('127.0.0.1:0', createRegistry(), () => ({
    checks: { kafka: { ok, detail: ok ? 'up' : 'down' } },
    details: { files_watched: 2 },
  }));
  try {
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(server!.url + path);
      assert.equal(res.status, 503, path);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), {
        status: 'unhealthy',
        checks: { kafka: { ok: false, detail: 'down' } },
        files_watched: 2,
      });
    }
    const live = await fetch(server!.url + '/livez');
    assert.equal(live.status, 200);
    assert.equal(((await live.json()) as { status: string }).status, 'ok');
    ok = true;
    assert.equal((await fetch(server!.url + '/healthz')).status, 200);
    assert.equal((await fetch(server!.url + '/readyz')).status, 200);
  } finally {
    await server?.close();
  }
});

test('kiver_collector_checkpoint_writable follows the checkpoint events', async () => {
  const registry = createRegistry();
  const events = collectorMetrics(registry, {
    filesWatched: () => 0,
    filesOpen: () => 0,
    inFlightBytes: () => 0,
    kafkaUp: () => true,
    lags: () => [],
  });
  const value = async () =>
    (await registry.getSingleMetric('kiver_collector_checkpoint_writable')!.get()).values[0]!.value;
  assert.equal(await value(), 1);
  events.checkpointWriteFailed(enospc());
  assert.equal(await value(), 0);
  events.checkpointWritten(1);
  assert.equal(await value(), 1);
});
