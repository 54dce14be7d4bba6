/** Which shippers run in which set, and the backlog's layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  planTree,
  split,
  TREE_LEVELS,
  writeFlatBacklog,
  writePlannedFile,
} from '../../../bench/peers/backlog.js';
import { LINE_BYTES, SequenceTally } from '../../../bench/peers/sequence.js';
import { parseSet, recordMaxEvents, runsIn } from '../../../bench/peers/sets.js';

test('sets name a codec and a variant', () => {
  assert.deepEqual(parseSet('gzip'), { name: 'gzip', codec: 'gzip', variant: 'flat' });
  assert.deepEqual(parseSet('lz4-rme1'), { name: 'lz4-rme1', codec: 'lz4', variant: 'rme1' });
  assert.throws(() => parseSet('snappy'), /unknown set 'snappy'/);
  assert.throws(() => parseSet('gzip-deep'), /unknown set/);
  assert.equal(recordMaxEvents(parseSet('gzip-rme1')), 1);
  assert.equal(recordMaxEvents(parseSet('gzip')), undefined);
});

test('the peers run in the gzip and lz4 sets of the flat folder only', () => {
  for (const family of ['flume', 'rsyslog'] as const) {
    assert.equal(runsIn(family, parseSet('gzip')), true);
    assert.equal(runsIn(family, parseSet('lz4')), true);
    assert.equal(runsIn(family, parseSet('zstd')), false);
    assert.equal(runsIn(family, parseSet('gzip-rme1')), false);
    assert.equal(runsIn(family, parseSet('gzip-tree')), false);
  }
  assert.equal(runsIn('kiver', parseSet('gzip-tree')), true);
});

test('split spreads lines evenly', () => {
  assert.deepEqual(split(10, 3), [4, 3, 3]);
  assert.deepEqual(split(2, 4), [1, 1, 0, 0]);
});

test('the flat backlog holds every sequence number once, in files of one folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'peers-backlog-'));
  try {
    const b = writeFlatBacklog(dir, 1003, 10);
    const files = readdirSync(dir);
    assert.equal(files.length, 10);
    const tally = new SequenceTally(1003);
    let bytes = 0;
    for (const f of files) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      bytes += statSync(path.join(dir, f)).size;
      for (const line of text.split('\n').slice(0, -1)) tally.add(line);
    }
    assert.equal(bytes, 1003 * LINE_BYTES);
    assert.equal(b.bytes, bytes);
    const s = tally.summary();
    assert.equal(s.lost, 0);
    assert.equal(s.duplicated, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tree puts half the lines at every level up front and the rest in new folders', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'peers-tree-'));
  try {
    const plan = planTree(root, 1000);
    assert.equal(plan.initial.length, TREE_LEVELS);
    const depth = (f: string) => path.relative(root, path.dirname(f)).split(path.sep).length;
    assert.deepEqual(
      plan.initial.map((p) => depth(p.file)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(Math.max(...plan.steps.map((p) => depth(p.file))), 10);
    const total = [...plan.initial, ...plan.steps].reduce((n, p) => n + p.lines, 0);
    assert.equal(total, 1000);
    const dirs = new Set(
      [...plan.initial, ...plan.steps].map((p) => path.relative(root, p.file).split(path.sep)[0]),
    );
    assert.equal(dirs.size, 1 + plan.steps.length, 'each new file is in a branch of its own');
    let seq = 0;
    [...plan.initial, ...plan.steps].forEach((p, i) => (seq = writePlannedFile(p, i, seq)));
    assert.equal(seq, 1000);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
