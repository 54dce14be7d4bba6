/**
 * `kiver collect` as a process, against the real Kafka: a 10 MiB line (cut, flagged, the
 * process's memory not growing with it) and what /metrics and /healthz say; SIGTERM (exit 0
 * within shutdown_timeout_ms, everything read sent and checkpointed, a restart continues
 * with no gap and no duplicate).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStack, waitFor } from '../helpers/stack.js';
import { exited, parseMetrics, scenario, startCollector, writeConfig } from './collector-harness.js';
import { freePort } from '../helpers/local-port.js';

/** VmRSS of a process in bytes. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('kiver collect as a process (real Kafka)', () => {
  let brokers: string[];
  before(async () => {
    ({ brokers } = await ensureStack());
  });

  test(
    'a 10 MiB line is cut to max_event_bytes and flagged, memory does not grow with it; /metrics and /healthz report it',
    { timeout: 120_000 },
    async () => {
      const s = await scenario(brokers, 'huge');
      const port = await freePort();
      const config = writeConfig(brokers, s, ['max_event_bytes: 65536'], `127.0.0.1:${port}`);
      const small = join(s.root, 'small.log');
      writeFileSync(small, Array.from({ length: 100 }, (_, i) => `small ${i}`).join('\n') + '\n');
      const child = startCollector(config);
      try {
        await waitFor(() => s.reader.records.length >= 100, {
          timeoutMs: 30_000,
          message: '100 small lines',
        });
        await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage settle
        const baseline = rssOf(child.pid!);
        let peak = baseline;
        const sampler = setInterval(() => {
          try {
            peak = Math.max(peak, rssOf(child.pid!));
          } catch {
            /* exited */
          }
        }, 10);
        const huge = join(s.root, 'huge.log');
        const chunk = Buffer.alloc(1024 * 1024, 'h');
        writeFileSync(huge, '');
        for (let i = 0; i < 10; i++) appendFileSync(huge, chunk);
        appendFileSync(huge, '\nafter\n');
        try {
          await waitFor(() => s.reader.byPath(huge).length >= 2, { timeoutMs: 30_000, message: 'huge.log' });
        } finally {
          clearInterval(sampler);
        }
        const got = s.reader.byPath(huge);
        assert.equal(got.length, 2);
        assert.equal(got[0]!.message.length, 65536);
        assert.deepEqual(got[0]!.flags, ['truncated']);
        assert.equal(got[0]!.offset, 0);
        assert.equal(got[0]!.length, 10 * 1024 * 1024 + 1);
        assert.deepEqual([got[1]!.message, got[1]!.offset], ['after', 10 * 1024 * 1024 + 1]);
        const grew = peak - baseline;
        console.log(
          `# 10 MiB line: collector RSS ${(baseline / 2 ** 20).toFixed(1)} MiB, peak +${(grew / 2 ** 20).toFixed(1)} MiB`,
        );
        assert.ok(grew < 8 * 1024 * 1024, `RSS grew by ${grew} bytes, not by the line's 10 MiB`);

        const totalBytes = statSync(small).size + statSync(huge).size;
        const url = `http://127.0.0.1:${port}`;
        const metrics = await waitFor(
          async () => {
            const m = parseMetrics(await (await fetch(`${url}/metrics`)).text());
            return m.get('kiver_collector_events_acknowledged_total') === 102 &&
              m.get('kiver_collector_lag_bytes') === 0
              ? m
              : null;
          },
          { timeoutMs: 10_000, message: 'metrics caught up' },
        );
        assert.equal(metrics.get('kiver_collector_files_watched'), 2);
        assert.ok(metrics.get('kiver_collector_files_open')! <= 2);
        assert.equal(metrics.get('kiver_collector_bytes_read_total'), totalBytes);
        assert.equal(metrics.get('kiver_collector_events_read_total'), 102);
        assert.equal(metrics.get('kiver_collector_events_flagged_total{flag="truncated"}'), 1);
        assert.equal(metrics.get('kiver_collector_in_flight_bytes'), 0);
        assert.equal(metrics.get('kiver_collector_kafka_up'), 1);
        assert.ok(metrics.get('kiver_collector_checkpoint_writes_total')! >= 1);
        assert.ok(metrics.has('kiver_process_resident_memory_bytes'));
        const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
        assert.deepEqual(
          { ...health, files_open: undefined },
          {
            status: 'ok',
            checks: {
              kafka: { ok: true, detail: 'the last send to Kafka succeeded' },
              checkpoint: { ok: true, detail: 'the last checkpoint write succeeded' },
              lag: {
                ok: true,
                detail: '0 bytes behind the files (bound 536870912, collector.health_max_lag_bytes)',
              },
            },
            kafka: 'up',
            files_watched: 2,
            files_open: undefined,
            events_acknowledged: 102,
            in_flight_bytes: 0,
            lag_bytes: 0,
          },
        );
      } finally {
        child.kill('SIGTERM');
        await exited(child);
        await s.reader.stop();
      }
    },
  );

  test(
    'SIGTERM mid-stream: exit 0 within shutdown_timeout_ms, everything sent is checkpointed, restart: no gap, no duplicate',
    { timeout: 120_000 },
    async () => {
      const s = await scenario(brokers, 'term');
      const shutdownMs = 5000;
      const config = writeConfig(brokers, s, [
        `shutdown_timeout_ms: ${shutdownMs}`,
        'checkpoint_interval_ms: 10000',
      ]);
      const files = ['a', 'b', 'c'].map((t) => join(s.root, `${t}.log`));
      const lines = (f: number, from: number, n: number) =>
        Array.from({ length: n }, (_, i) => `${f} ${from + i} ${'t'.repeat(80)}`).join('\n') + '\n';
      files.forEach((f, i) => writeFileSync(f, lines(i, 0, 30_000)));
      const first = startCollector(config);
      await waitFor(() => s.reader.records.length >= 5000, {
        timeoutMs: 30_000,
        message: 'first run producing',
      });
      const t0 = Date.now();
      first.kill('SIGTERM');
      const code = await exited(first);
      const took = Date.now() - t0;
      console.log(`# SIGTERM: exit ${code} after ${took} ms (shutdown_timeout_ms ${shutdownMs})`);
      assert.equal(code, 0, first.output());
      assert.ok(took < shutdownMs, `stopped in ${took} ms`);
      // Let the reader see everything the first run sent.
      let seen = -1;
      await waitFor(
        () => {
          const n = s.reader.records.length;
          const stable = n === seen;
          seen = n;
          return stable;
        },
        { timeoutMs: 15_000, intervalMs: 1000, message: 'reader caught up' },
      );
      const sentFirst = s.reader.records.length;
      const ck = JSON.parse(readFileSync(join(s.base, 'state', 'checkpoints.json'), 'utf8')) as {
        entries: { path: string; offset: number }[];
      };
      for (const f of files) {
        const recs = s.reader.byPath(f);
        const end = recs.length === 0 ? 0 : recs.at(-1)!.offset + recs.at(-1)!.length;
        const entry = ck.entries.find((e) => e.path === f);
        assert.equal(entry?.offset ?? 0, end, `${f}: checkpoint at the end of what was sent`);
      }
      files.forEach((f, i) => appendFileSync(f, lines(i, 30_000, 1000)));
      const second = startCollector(config);
      try {
        const total = 3 * 31_000;
        await waitFor(() => s.reader.records.length >= total, {
          timeoutMs: 60_000,
          message: `${total} records`,
        });
        await new Promise((r) => setTimeout(r, 1000));
        const msgs = s.reader.records.map((r) => r.message);
        assert.equal(new Set(msgs).size, total, 'no gap');
        assert.equal(msgs.length, total, 'no duplicate');
        console.log(`# first run sent ${sentFirst} of ${total}; the restart sent the rest, none twice`);
      } finally {
        second.kill('SIGTERM');
        assert.equal(await exited(second), 0);
        await s.reader.stop();
      }
    },
  );
});
