/**
 * `kiver collect` as a process whose checkpoint folder runs out of space (a 64 KiB tmpfs
 * mounted on it, then filled): /healthz turns 503 with the checkpoint check naming ENOSPC,
 * the checkpoint_writable gauge drops to 0, reading and sending go on meanwhile; when space
 * returns the next write succeeds and the check turns ok by itself. /livez stays 200 all along.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStack, waitFor } from '../helpers/stack.js';
import { freePort, metric } from '../helpers/local-port.js';
import { exited, scenario, startCollector, writeConfig } from './collector-harness.js';

interface Health {
  status: string;
  checks: Record<string, { ok: boolean; detail: string }>;
}

async function health(url: string): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

/** Fills the tmpfs with one file until the kernel refuses (ENOSPC); returns its path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const page = Buffer.alloc(4096, 'x');
  try {
    for (let i = 0; i < 1024; i++) appendFileSync(filler, page);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return filler;
    throw error;
  }
  throw new Error(`${dir} took 4 MiB: it is not the 64 KiB tmpfs`);
}

/** Mounting needs root (CAP_SYS_ADMIN); elsewhere the test says so and does not run. */
function canMount(): boolean {
  return process.getuid?.() === 0;
}

describe('kiver collect: checkpoint folder out of space (real Kafka, tmpfs)', () => {
  let brokers: string[];
  before(async () => {
    ({ brokers } = await ensureStack());
  });

  test(
    '/healthz 503 naming ENOSPC while writes fail, reading goes on, ok again when space returns',
    { timeout: 120_000, skip: canMount() ? false : 'mounting a tmpfs needs root' },
    async () => {
      const s = await scenario(brokers, 'ckfull');
      const state = join(s.base, 'state');
      mkdirSync(state, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', state]);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const config = writeConfig(brokers, s, ['checkpoint_interval_ms: 200'], `127.0.0.1:${port}`);
      const log = join(s.root, 'app.log');
      let written = 0;
      const append = (n: number) => {
        appendFileSync(log, Array.from({ length: n }, () => `line ${written++}\n`).join(''));
      };
      writeFileSync(log, '');
      append(50);
      const child = startCollector(config);
      const writer = setInterval(() => append(10), 50); // reading goes on all along
      try {
        await waitFor(
          async () => ((await metric(port, 'kiver_collector_checkpoint_writes_total')) ?? 0) >= 1,
          {
            timeoutMs: 30_000,
            message: 'a first checkpoint write',
          },
        );
        assert.equal((await health(url)).code, 200);
        const filler = fill(state);

        const failing = await waitFor(
          async () => {
            const h = await health(url);
            return h.code === 503 && !h.body.checks.checkpoint?.ok ? h.body : null;
          },
          { timeoutMs: 10_000, message: '/healthz 503 with the checkpoint check failing' },
        );
        assert.equal(failing.status, 'unhealthy');
        assert.match(
          failing.checks.checkpoint!.detail,
          /^ENOSPC: no space left on device, write in .+ \(since \d\d:\d\d:\d\dZ\)$/,
        );
        assert.equal(failing.checks.kafka?.ok, true, 'only the checkpoint fails');
        assert.equal(await metric(port, 'kiver_collector_checkpoint_writable'), 0);
        assert.equal((await fetch(`${url}/livez`)).status, 200);
        assert.equal((await fetch(`${url}/readyz`)).status, 503);

        // Reading and sending go on while the checkpoint cannot be written.
        const sentBefore = s.reader.records.length;
        const errorsBefore = (await metric(port, 'kiver_collector_checkpoint_write_errors_total')) ?? 0;
        await waitFor(() => s.reader.records.length >= sentBefore + 100, {
          timeoutMs: 15_000,
          message: '100 more lines in Kafka while the disk is full',
        });
        await waitFor(
          async () =>
            ((await metric(port, 'kiver_collector_checkpoint_write_errors_total')) ?? 0) > errorsBefore,
          { timeoutMs: 5_000, message: 'the write retried (and failed again)' },
        );
        assert.equal((await health(url)).code, 503, 'still unhealthy while the disk is full');

        rmSync(filler);
        const ok = await waitFor(
          async () => {
            const h = await health(url);
            return h.code === 200 ? h.body : null;
          },
          { timeoutMs: 10_000, message: '/healthz 200 once space returned' },
        );
        assert.deepEqual(ok.checks.checkpoint, { ok: true, detail: 'the last checkpoint write succeeded' });
        assert.equal(await metric(port, 'kiver_collector_checkpoint_writable'), 1);

        clearInterval(writer);
        const total = written;
        await waitFor(() => s.reader.byPath(log).length >= total, {
          timeoutMs: 15_000,
          message: `all ${total} lines in Kafka`,
        });
        const messages = new Set(s.reader.byPath(log).map((r) => r.message));
        for (let i = 0; i < total; i++) assert.ok(messages.has(`line ${i}`), `line ${i} arrived`);
      } finally {
        clearInterval(writer);
        child.kill('SIGTERM');
        await exited(child);
        await s.reader.stop();
        execFileSync('umount', [state]);
      }
    },
  );
});
