/**
 * The periodic rescan finds what watch events missed. A write through a hard link in a
 * folder outside the root raises no inotify event in the watched folder, so only the rescan
 * can see it: growth of an open file within one period, growth of a closed file within
 * COLD_PERIODS periods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFrom } from '../../../src/config/index.js';
import { Collector } from '../../../src/collector/collector.js';
import { COLD_PERIODS } from '../../../src/collector/dir-index.js';
import { noopEvents } from '../../../src/collector/events.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { MemoryKafka } from '../../helpers/memory-producer.js';

const RESCAN_MS = 200;

async function until(fn: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

test(
  'growth with no watch event is found by the rescan, open and closed files',
  { timeout: 30_000 },
  async () => {
    const base = mkdtempSync(join(tmpdir(), 'kiver-rescan-'));
    const root = join(base, 'logs');
    const outside = join(base, 'outside');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(outside);
    const files = ['hot', 'cold', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
    for (const [i, f] of files.entries()) {
      const dir = i % 2 ? join(root, 'a', `d${i}`) : join(root, `d${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${f}.log`), `${f} first\n`);
      linkSync(join(dir, `${f}.log`), join(outside, `${f}.log`));
    }
    const kafka = new MemoryKafka();
    const sent = {
      some: (f: (v: string) => boolean) => kafka.messages().some(f),
      get length() {
        return kafka.messages().length;
      },
    };
    let bytesRead = 0;
    const events = { ...noopEvents, bytesRead: (b: number) => void (bytesRead += b) };
    const config = configFrom({
      kafka: { brokers: ['127.0.0.1:1'], topic: 't' },
      collector: {
        roots: [root],
        include: ['**/*.log'],
        checkpoint_dir: join(base, 'state'),
        batch_linger_ms: 10,
        rescan_interval_ms: RESCAN_MS,
        close_inactive_ms: 300_000,
      },
      metrics: { listen: '' },
    });
    const c = await Collector.create({
      config: config.collector,
      kafka: config.kafka,
      logger: silentLogger(),
      events,
      producerFactory: kafka.factory,
    });
    await c.start();
    try {
      await until(() => sent.length >= files.length, 10_000, 'first lines');
      // Past the racy window of the folders' mtimes (2 s), so they are trusted.
      await new Promise((r) => setTimeout(r, 2500));
      const has = (s: string) => () => sent.some((v) => v.includes(s));
      const before = bytesRead;
      appendFileSync(join(outside, 'hot.log'), 'hot second\n');
      // Read (found) within one period, plus the loop's 100 ms housekeeping step and slack.
      const hotMs = await until(() => bytesRead > before, 10_000, 'open file growth');
      assert.ok(hotMs <= RESCAN_MS + 250, `open file growth found in ${hotMs} ms`);
      await until(has('hot second'), 10_000, 'open file growth sent');
      for (const f of files.slice(1)) appendFileSync(join(outside, `${f}.log`), `${f} second\n`);
      // These files are open too (close_inactive not reached): found within one period.
      for (const f of files.slice(1)) await until(has(`${f} second`), 10_000, `${f} growth`);
    } finally {
      await c.stop();
    }

    // Closed files: close them fast, then grow them with no event.
    const kafka2 = new MemoryKafka();
    const sent2 = { some: (f: (v: string) => boolean) => kafka2.messages().some(f) };
    const config2 = configFrom({
      kafka: { brokers: ['127.0.0.1:1'], topic: 't' },
      collector: {
        roots: [root],
        include: ['**/*.log'],
        checkpoint_dir: join(base, 'state'),
        batch_linger_ms: 10,
        rescan_interval_ms: RESCAN_MS,
        close_inactive_ms: 100,
      },
      metrics: { listen: '' },
    });
    const c2 = await Collector.create({
      config: config2.collector,
      kafka: config2.kafka,
      logger: silentLogger(),
      events: noopEvents,
      producerFactory: kafka2.factory,
    });
    await c2.start();
    try {
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(c2.stats().filesOpen, 0);
      for (const f of files) appendFileSync(join(outside, `${f}.log`), `${f} third\n`);
      const t0 = Date.now();
      for (const f of files)
        await until(() => sent2.some((v) => v.includes(`${f} third`)), 10_000, `${f} closed growth`);
      const ms = Date.now() - t0;
      assert.ok(ms <= 2 * COLD_PERIODS * RESCAN_MS + 500, `closed files' growth found in ${ms} ms`);
      // A new file in a folder with a trusted mtime: within one period (here the watch sees it too).
      writeFileSync(join(root, 'd0', 'new.log'), 'new file\n');
      await until(() => sent2.some((v) => v.includes('new file')), 5000, 'new file');
    } finally {
      await c2.stop();
      rmSync(base, { recursive: true, force: true });
    }
  },
);
