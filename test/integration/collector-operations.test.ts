/**
 * Operating the collector against the real Kafka, read back line by line: start_at end,
 * a topic per path rule, the open-file limit (least recently active closed, reopened
 * without losing its place), close_inactive_ms, symbolic links out of the root, and a
 * forced inode reuse.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collector, noopEvents, type CollectorEvents } from '../../src/collector/index.js';
import type { KiverConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';
import { scenario, TopicReader, type Scenario } from './collector-harness.js';

async function run<T>(
  s: Scenario,
  fn: (c: Collector) => Promise<T>,
  opts: { events?: CollectorEvents; config?: KiverConfig } = {},
): Promise<T> {
  const config = opts.config ?? s.config;
  const collector = await Collector.create({
    config: config.collector,
    kafka: config.kafka,
    logger: silentLogger(),
    events: opts.events ?? noopEvents,
  });
  await collector.start();
  try {
    return await fn(collector);
  } finally {
    await collector.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('collector operations (real Kafka)', () => {
  let brokers: string[];
  before(async () => {
    ({ brokers } = await ensureStack());
  });

  test(
    'start_at end: files found at start from their end, files created later from 0',
    { timeout: 60_000 },
    async () => {
      const s = await scenario(brokers, 'startend', { start_at: 'end' });
      const old = join(s.root, 'old.log');
      writeFileSync(old, 'before 0\nbefore 1\n');
      const oldSize = statSync(old).size;
      try {
        await run(s, async () => {
          appendFileSync(old, 'after 0\n');
          mkdirSync(join(s.root, 'later', 'deeper'), { recursive: true });
          const later = join(s.root, 'later', 'deeper', 'new.log');
          writeFileSync(later, 'new 0\nnew 1\n');
          await waitFor(() => s.reader.records.length >= 3, { timeoutMs: 20_000, message: '3 records' });
          await sleep(500);
          assert.deepEqual(
            s.reader.byPath(old).map((r) => [r.message, r.offset]),
            [['after 0', oldSize]],
          );
          assert.deepEqual(
            s.reader.byPath(later).map((r) => [r.message, r.offset]),
            [
              ['new 0', 0],
              ['new 1', 6],
            ],
          );
        });
      } finally {
        await s.reader.stop();
      }
    },
  );

  test(
    'topics by path rule: the first matching rule wins, the rest goes to kafka.topic',
    { timeout: 60_000 },
    async () => {
      const s = await scenario(brokers, 'topics');
      const audit = uniqueName('c-audit');
      await createTopic(brokers, audit, 1);
      const auditReader = new TopicReader(brokers, audit);
      await auditReader.start();
      const config = {
        ...s.config,
        collector: { ...s.config.collector, topics: [{ path: '**/audit/**', topic: audit }] },
      };
      mkdirSync(join(s.root, 'svc', 'audit'), { recursive: true });
      const a = join(s.root, 'svc', 'audit', 'who.log');
      const b = join(s.root, 'svc', 'app.log');
      writeFileSync(a, 'audit 0\naudit 1\n');
      writeFileSync(b, 'app 0\n');
      try {
        await run(
          s,
          async () => {
            await waitFor(() => auditReader.records.length >= 2 && s.reader.records.length >= 1, {
              timeoutMs: 20_000,
              message: 'both topics',
            });
            await sleep(500);
            assert.deepEqual(
              auditReader.records.map((r) => [r.path, r.message]),
              [
                [a, 'audit 0'],
                [a, 'audit 1'],
              ],
            );
            assert.deepEqual(
              s.reader.records.map((r) => [r.path, r.message]),
              [[b, 'app 0']],
            );
          },
          { config },
        );
      } finally {
        await auditReader.stop();
        await s.reader.stop();
      }
    },
  );

  test(
    'max_open_files 5 with 50 files appended round-robin: every line once, in order; files closed and reopened',
    { timeout: 90_000 },
    async () => {
      const s = await scenario(brokers, 'openlimit', { max_open_files: 5 });
      const FILES = 50;
      const ROUNDS = 20;
      const files = Array.from({ length: FILES }, (_, i) => join(s.root, `f${i}.log`));
      let limitCloses = 0;
      let maxOpen = 0;
      const events = {
        ...noopEvents,
        fileClosed: (_p: string, reason: string) =>
          void (reason === 'open-file-limit' ? (limitCloses += 1) : 0),
      };
      try {
        await run(
          s,
          async (c) => {
            const sampler = setInterval(() => (maxOpen = Math.max(maxOpen, c.stats().filesOpen)), 5);
            try {
              for (let round = 0; round < ROUNDS; round++) {
                for (let i = 0; i < FILES; i++) appendFileSync(files[i]!, `f${i} r${round}\n`);
                await sleep(50);
              }
              await waitFor(() => s.reader.records.length >= FILES * ROUNDS, {
                timeoutMs: 40_000,
                message: `${FILES * ROUNDS} lines`,
              });
              await sleep(500);
            } finally {
              clearInterval(sampler);
            }
            assert.equal(s.reader.records.length, FILES * ROUNDS, 'no duplicate');
            for (let i = 0; i < FILES; i++) {
              assert.deepEqual(
                s.reader.byPath(files[i]!).map((r) => r.message),
                Array.from({ length: ROUNDS }, (_, r) => `f${i} r${r}`),
                `f${i}: every line once, in order`,
              );
            }
            console.log(
              `# open-file limit: ${limitCloses} closes for the limit, at most ${maxOpen} open at once`,
            );
            assert.ok(limitCloses >= FILES, 'files were closed for the limit and reopened');
            assert.ok(maxOpen <= 5, `at most 5 open (saw ${maxOpen})`);
          },
          { events },
        );
      } finally {
        await s.reader.stop();
      }
    },
  );

  test(
    'close_inactive_ms: an idle file is closed and reopened on change at its place',
    { timeout: 60_000 },
    async () => {
      const s = await scenario(brokers, 'inactive', { close_inactive_ms: 300 });
      const f = join(s.root, 'quiet.log');
      writeFileSync(f, 'one\n');
      const closed: string[] = [];
      const events = {
        ...noopEvents,
        fileClosed: (p: string, reason: string) => void closed.push(`${reason}`),
      };
      try {
        await run(
          s,
          async (c) => {
            await waitFor(() => s.reader.records.length >= 1, { timeoutMs: 15_000, message: 'first line' });
            await waitFor(() => c.stats().filesOpen === 0, { timeoutMs: 5_000, message: 'closed when idle' });
            assert.deepEqual(closed, ['inactive']);
            appendFileSync(f, 'two\n');
            await waitFor(() => s.reader.records.length >= 2, { timeoutMs: 10_000, message: 'second line' });
            assert.deepEqual(
              s.reader.byPath(f).map((r) => [r.message, r.offset]),
              [
                ['one', 0],
                ['two', 4],
              ],
            );
            assert.equal(c.stats().filesWatched, 1);
            await waitFor(() => closed.length === 2, { timeoutMs: 5_000, message: 'closed again' });
          },
          { events },
        );
      } finally {
        await s.reader.stop();
      }
    },
  );

  test(
    'a symbolic link out of the root is not followed by default, and is with follow_symlinks',
    { timeout: 60_000 },
    async () => {
      const outside = (s: Scenario) => {
        mkdirSync(join(s.base, 'outside', 'dir'), { recursive: true });
        writeFileSync(join(s.base, 'outside', 'x.log'), 'outside file\n');
        writeFileSync(join(s.base, 'outside', 'dir', 'y.log'), 'outside dir\n');
        symlinkSync(join(s.base, 'outside', 'x.log'), join(s.root, 'link.log'));
        symlinkSync(join(s.base, 'outside', 'dir'), join(s.root, 'linkdir'));
        writeFileSync(join(s.root, 'real.log'), 'inside\n');
      };
      const plain = await scenario(brokers, 'nolinks');
      outside(plain);
      try {
        await run(plain, async () => {
          await waitFor(() => plain.reader.records.length >= 1, { timeoutMs: 15_000, message: 'real.log' });
          await sleep(2500); // past a rescan (2 s in the harness)
          assert.deepEqual(
            plain.reader.records.map((r) => r.message),
            ['inside'],
          );
        });
      } finally {
        await plain.reader.stop();
      }
      const following = await scenario(brokers, 'links', { follow_symlinks: true });
      outside(following);
      try {
        await run(following, async () => {
          await waitFor(() => following.reader.records.length >= 3, {
            timeoutMs: 15_000,
            message: '3 files',
          });
          assert.deepEqual(
            following.reader.records.map((r) => `${r.path.slice(following.root.length)} ${r.message}`).sort(),
            ['/link.log outside file', '/linkdir/y.log outside dir', '/real.log inside'],
          );
        });
      } finally {
        await following.reader.stop();
      }
    },
  );

  test(
    'a reused inode (delete, create until the same inode returns) is a new file read from 0',
    { timeout: 90_000 },
    async () => {
      const s = await scenario(brokers, 'reuse', { close_inactive_ms: 200 });
      const f = join(s.root, 'app.log');
      const content = (tag: string, n: number) =>
        Array.from({ length: n }, (_, i) => `${tag} ${i} ${'r'.repeat(40)}`).join('\n') + '\n';
      let reuses = 0;
      const events = { ...noopEvents, inodeReused: () => void (reuses += 1) };
      writeFileSync(f, content('gen0', 40)); // ~2 KB: a complete 1 KiB fingerprint
      let expected = 40;
      try {
        await run(
          s,
          async (c) => {
            let reused = false;
            let tries = 0;
            for (let gen = 1; gen <= 10 && !reused; gen++) {
              tries = gen;
              await waitFor(() => s.reader.records.length >= expected, {
                timeoutMs: 15_000,
                message: `${expected} lines`,
              });
              // Closed (close_inactive_ms), so nothing holds the old inode and it can be reused.
              await waitFor(() => c.stats().filesOpen === 0, { timeoutMs: 5_000, message: 'handle closed' });
              const before = statSync(f).ino;
              unlinkSync(f);
              writeFileSync(f, content(`gen${gen}`, 60)); // longer than the old offset
              reused = statSync(f).ino === before;
              expected += 60;
              if (reused) {
                await waitFor(() => s.reader.records.length >= expected, {
                  timeoutMs: 15_000,
                  message: 'new file',
                });
                const last = s.reader.records.slice(-60);
                assert.deepEqual(last.map((r) => [r.message.split(' ')[0], r.offset]).slice(0, 2), [
                  [`gen${gen}`, 0],
                  [`gen${gen}`, last[1]!.offset],
                ]);
                assert.equal(last[0]!.offset, 0, 'read from 0, not from the old offset');
                assert.ok(
                  last.every((r, i) => r.message.startsWith(`gen${gen} ${i} `)),
                  'every line of the new file once, in order',
                );
              }
            }
            console.log(
              `# inode reuse: ${reused ? `forced after ${tries} tries` : 'not forced in 10 tries'}; reuses seen ${reuses}`,
            );
            if (!reused) {
              // Fall back on the identity unit test (test/unit/collector/state.test.ts).
              console.log('# the file system did not hand the inode back; see the identity unit test');
              return;
            }
            assert.ok(reuses >= 1, 'reported as inode reuse');
            await sleep(500);
            assert.equal(s.reader.records.length, expected, 'nothing twice');
          },
          { events },
        );
      } finally {
        await s.reader.stop();
      }
    },
  );
});
