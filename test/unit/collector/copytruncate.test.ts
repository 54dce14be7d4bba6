/**
 * copytruncate without loss: lines written after the collector's last read and before the
 * truncation exist only in logrotate's copy; the collector reads the copy past its old
 * offset, under the old generation (same ids), then the file from 0 as a new generation.
 * Real files in a temporary folder, the in-memory producer in place of Kafka.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector } from '../../../src/collector/collector.js';
import { CopiesRead, copyNameMatcher } from '../../../src/collector/copy-finder.js';
import { EMPTY_FINGERPRINT } from '../../../src/collector/identity.js';
import { noopEvents, type CollectorEvents } from '../../../src/collector/events.js';
import { configFrom } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { MemoryKafka } from '../../helpers/memory-producer.js';

const DEFAULTS = configFrom({}).collector.copytruncate_copies;

test("copy names: logrotate's numbered and dated copies of app.log, never compressed ones", () => {
  const isCopy = copyNameMatcher(DEFAULTS, 'app.log');
  const table: [string, boolean][] = [
    ['app.log.1', true],
    ['app.log-20261201', true],
    ['app.log-2026120117', true],
    ['app.log.2026-12-01', true],
    ['app-20261201.log', true],
    ['app.2026-12-01.log', true],
    ['app.log', false],
    ['app.log.1.gz', false],
    ['app.log-20261201.gz', false],
    ['app.log.2.zst', false],
    ['other.log.1', false],
    ['xapp.log.1', false],
    ['app.logx', false],
  ];
  for (const [name, expected] of table) assert.equal(isCopy(name), expected, name);
  const noExt = copyNameMatcher(DEFAULTS, 'messages');
  assert.equal(noExt('messages.1'), true);
  assert.equal(noExt('messages-20261201'), true);
  assert.equal(copyNameMatcher([], 'app.log')('app.log.1'), false, '[] turns the search off');
  assert.equal(copyNameMatcher(['{name}.*'], 'a+b.log')('a+b.log.1'), true, 'names are taken literally');
  assert.equal(copyNameMatcher(['{name}.*'], 'a+b.log')('aab.log.1'), false);
});

interface Run {
  root: string;
  kafka: MemoryKafka;
  collector: Collector;
  seen: { found: number; missingBytes: number[]; truncated: number };
}

async function start(copies?: string[]): Promise<Run> {
  const root = mkdtempSync(join(tmpdir(), 'kiver-ct-'));
  const kafka = new MemoryKafka();
  const seen = { found: 0, missingBytes: [] as number[], truncated: 0 };
  const events: CollectorEvents = {
    ...noopEvents,
    fileTruncated: () => void (seen.truncated += 1),
    copyFound: () => void (seen.found += 1),
    copyMissing: (_p, bytes) => void seen.missingBytes.push(bytes),
  };
  const config = configFrom({
    kafka: { brokers: ['127.0.0.1:1'], topic: 't' },
    collector: {
      roots: [join(root, 'logs')],
      include: ['**/*.log'],
      checkpoint_dir: join(root, 'state'),
      batch_linger_ms: 1,
      ...(copies ? { copytruncate_copies: copies } : {}),
      multiline: [
        { path: '**', start: null, continuation: '^\\s', max_lines: 5, max_bytes: 65536, timeout_ms: 10 },
      ],
    },
    metrics: { listen: '' },
  });
  mkdirSync(join(root, 'logs'));
  const collector = await Collector.create({
    config: config.collector,
    kafka: config.kafka,
    logger: silentLogger(),
    events,
    producerFactory: kafka.factory,
  });
  await collector.start();
  return { root, kafka, collector, seen };
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i} ${'x'.repeat((from + i) % 50)}\n`).join('');

test('lines written between the last read and the truncation are read from the copy, once, under the old generation', async () => {
  const r = await start();
  const file = join(r.root, 'logs', 'app.log');
  try {
    writeFileSync(file, lines(0, 100));
    await until('first 100 lines', () => r.kafka.messages().length >= 100);
    // One synchronous block: the collector (same process) cannot read in between, so lines
    // 100..149 are never seen in app.log itself — only in the copy.
    appendFileSync(file, lines(100, 150));
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, lines(150, 160));
    await until('all 160 lines', () => r.kafka.messages().length >= 160);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const got = r.kafka.messages().map((m) => Number(/^line (\d+)/.exec(m)?.[1]));
    assert.deepEqual(
      got,
      Array.from({ length: 160 }, (_, i) => i),
      'every line once, in order',
    );
    assert.equal(r.seen.found, 1);
    const events = r.kafka
      .runs()
      .flatMap((run) =>
        run.events.map((e) => ({ gen: run.file.generation, offset: e.offset, path: run.path })),
      );
    const copied = events.slice(100, 150);
    assert.ok(
      copied.every((e) => e.gen === 0 && e.path === file),
      'the copy is read as the old generation of app.log',
    );
    assert.equal(
      copied[0]?.offset,
      Buffer.byteLength(lines(0, 100)),
      'offsets continue where the old reading stopped',
    );
    const after = events.slice(150);
    assert.ok(
      after.every((e) => e.gen === 1),
      'the truncated file goes on as a new generation',
    );
    assert.equal(after[0]?.offset, 0);
  } finally {
    await r.collector.stop();
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('a copy that does not start with the old content is not taken for one; without a copy the loss is counted', async () => {
  const r = await start();
  const file = join(r.root, 'logs', 'app.log');
  try {
    writeFileSync(file, lines(0, 20));
    await until('first 20 lines', () => r.kafka.messages().length >= 20);
    // An unrelated file under a copy's name.
    writeFileSync(`${file}.1`, 'something else entirely\n'.repeat(200));
    // The collector saw the size grow (it reads right away), then the file is truncated.
    appendFileSync(file, lines(20, 30));
    await until('lines 20..29', () => r.kafka.messages().length >= 30);
    truncateSync(file, 0);
    appendFileSync(file, lines(30, 35));
    await until('lines after the truncation', () => r.kafka.messages().length >= 35);
    assert.equal(r.seen.found, 0, 'not recognised by content');
    assert.equal(r.seen.missingBytes.length, 1, 'a truncation without a copy is reported');
    assert.doesNotMatch(r.kafka.messages().join('\n'), /something else/);
  } finally {
    await r.collector.stop();
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('a copy the include globs also match is not read again from its start', async () => {
  const r = await start(['{stem}-*{ext}']);
  const file = join(r.root, 'logs', 'app.log');
  try {
    writeFileSync(file, lines(0, 40));
    await until('first 40 lines', () => r.kafka.messages().length >= 40);
    appendFileSync(file, lines(40, 60));
    copyFileSync(file, join(r.root, 'logs', 'app-20261201.log'));
    truncateSync(file, 0);
    appendFileSync(file, lines(60, 65));
    await until('65 lines', () => r.kafka.messages().length >= 65);
    // Give the rescan time to find the copy as a file of its own.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const got = r.kafka.messages().map((m) => Number(/^line (\d+)/.exec(m)?.[1]));
    assert.deepEqual(
      got,
      Array.from({ length: 65 }, (_, i) => i),
      'the copy found later starts where its reading as app.log ended',
    );
  } finally {
    await r.collector.stop();
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('a copy read is known by its birth time: a later file on its inode is not taken for it', () => {
  const copies = new CopiesRead();
  const copy = { size: 4096, birthNs: '1000', fp: EMPTY_FINGERPRINT };
  copies.remember('1:7', copy);
  assert.equal(copies.take('1:7', '2000'), undefined, 'another birth time: another file');
  assert.equal(copies.take('1:7', '1000'), undefined, 'taken once, even when refused');
  copies.remember('1:7', copy);
  assert.deepEqual(copies.take('1:7', '1000'), copy);
  copies.remember('1:8', { ...copy, birthNs: '' });
  // Without birth times the admission carries the copy's fingerprint, which opening checks.
  assert.equal(copies.take('1:8', '2000')?.size, 4096);
});

test("a new file that gets a deleted copy's inode is read from its start", async () => {
  const r = await start();
  const file = join(r.root, 'logs', 'app.log');
  const other = join(r.root, 'logs', 'other.log');
  try {
    writeFileSync(file, lines(0, 100));
    await until('first 100 lines', () => r.kafka.messages().length >= 100);
    // app.log.1 is read from (as app.log's old generation), but no include glob matches it.
    appendFileSync(file, lines(100, 150));
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    await until('the copy read', () => r.kafka.messages().length >= 150);
    // The copy is deleted and, in the same breath, a new file written: the file system hands
    // it the copy's inode, and the collector first sees it with lines in it already.
    const copyIno = statSync(`${file}.1`).ino;
    rmSync(`${file}.1`);
    writeFileSync(other, Array.from({ length: 20 }, (_, i) => `other ${i}\n`).join(''));
    assert.equal(statSync(other).ino, copyIno, "precondition: the new file reuses the copy's inode");
    await until(
      'the new file read',
      () => r.kafka.messages().filter((m) => m.startsWith('other')).length >= 20,
    );
    appendFileSync(other, 'other 20\n');
    await until('its next line', () => r.kafka.messages().some((m) => m === 'other 20'));
    assert.deepEqual(
      r.kafka.messages().filter((m) => m.startsWith('other')),
      Array.from({ length: 21 }, (_, i) => `other ${i}`),
      'every line of the new file once, from its first',
    );
  } finally {
    await r.collector.stop();
    rmSync(r.root, { recursive: true, force: true });
  }
});

test('under load: writes never pause, a copytruncate every ~400 ms, every line exactly once', async () => {
  const r = await start();
  const file = join(r.root, 'logs', 'app.log');
  let next = 0;
  let rotations = 0;
  try {
    writeFileSync(file, '');
    const deadline = Date.now() + 4000;
    let nextRotation = Date.now() + 400;
    while (Date.now() < deadline) {
      appendFileSync(file, lines(next, next + 20));
      next += 20;
      if (Date.now() >= nextRotation) {
        // logrotate copytruncate; the writer is this process, so no line falls between the
        // copy and the truncation (logrotate's own window, which no reader can close).
        copyFileSync(file, `${file}.1`);
        truncateSync(file, 0);
        rotations += 1;
        nextRotation = Date.now() + 400;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(`${next} lines`, () => r.kafka.messages().length >= next, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const got = r.kafka.messages().map((m) => Number(/^line (\d+)/.exec(m)?.[1]));
    assert.ok(rotations >= 5, `${rotations} rotations`);
    assert.equal(got.length, next, 'no line twice');
    assert.deepEqual(
      got,
      Array.from({ length: next }, (_, i) => i),
      'every line once, in order',
    );
  } finally {
    await r.collector.stop();
    rmSync(r.root, { recursive: true, force: true });
  }
});
