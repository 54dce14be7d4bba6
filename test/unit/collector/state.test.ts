import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointStore,
  CHECKPOINT_FILE,
  CHECKPOINT_TEMP,
  type CheckpointEntry,
} from '../../../src/collector/checkpoint-store.js';
import { fingerprintOf, matchesFingerprint, FINGERPRINT_BYTES } from '../../../src/collector/identity.js';
import { nodeFs } from '../../../src/collector/fs-port.js';
import { AckTracker } from '../../../src/collector/ack-tracker.js';
import { diffSnapshots, type FileStat } from '../../../src/collector/snapshot.js';
import { PathMetadata } from '../../../src/collector/path-metadata.js';
import { PathFilter } from '../../../src/collector/path-filter.js';
import { canTransition } from '../../../src/collector/tail-state.js';

const entry = (ino: string, offset: number, seen_at = Date.now()): CheckpointEntry => ({
  dev: '1',
  ino,
  fp: 'ab',
  fp_len: 2,
  offset,
  path: `/x/${ino}`,
  seen_at,
});

test('checkpoint store: atomic write, reload, torn temp ignored, complete temp recovered, grace expiry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-ck-'));
  const s = await CheckpointStore.open(dir);
  s.set(entry('10', 100));
  assert.equal(await s.write(), true);
  assert.equal(await s.write(), false, 'nothing changed: no write');
  assert.equal(existsSync(join(dir, CHECKPOINT_TEMP)), false);
  writeFileSync(join(dir, CHECKPOINT_TEMP), '{"version":1,"entr'); // torn write
  const s2 = await CheckpointStore.open(dir);
  assert.equal(s2.get('1:10' as never)?.offset, 100);
  assert.equal(existsSync(join(dir, CHECKPOINT_TEMP)), false);
  // A temp file that was complete (crash between fsync and rename) is the newest state.
  writeFileSync(
    join(dir, CHECKPOINT_TEMP),
    JSON.stringify({ version: 1, written_at: 1, entries: [entry('10', 200)] }),
  );
  const s3 = await CheckpointStore.open(dir);
  assert.equal(s3.get('1:10' as never)?.offset, 200);
  assert.match(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8'), /"offset":200/);
  s3.set(entry('11', 5, Date.now() - 10_000));
  assert.equal(s3.expire(Date.now(), 5_000), 1);
  assert.equal(s3.get('1:11' as never), undefined);
  writeFileSync(join(dir, CHECKPOINT_FILE), '{not json');
  await assert.rejects(CheckpointStore.open(dir), /corrupt/);
});

test('identity: a growing small file keeps matching its prefix fingerprint; another file does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-id-'));
  const f = join(dir, 'a.log');
  writeFileSync(f, 'hello\n');
  const small = fingerprintOf(Buffer.from('hello\n'));
  writeFileSync(f, 'hello\n' + 'x'.repeat(3000));
  const h = await nodeFs.openFile(f);
  assert.equal(await matchesFingerprint(h, small), true);
  await h.close();
  writeFileSync(f, 'other\n');
  const h2 = await nodeFs.openFile(f);
  assert.equal(await matchesFingerprint(h2, small), false);
  await h2.close();
  assert.equal(fingerprintOf(Buffer.alloc(5000)).length, FINGERPRINT_BYTES);
});

test('ack tracker: offset advances only over a contiguous acknowledged prefix; reset starts a generation', () => {
  const a = new AckTracker(0);
  const t1 = a.track(10);
  const t2 = a.track(20);
  const t3 = a.track(30);
  assert.equal(a.ack(t2), false);
  assert.equal(a.committed, 0);
  a.ack(t1);
  assert.equal(a.committed, 20);
  a.reset(0);
  assert.equal(a.ack(t3), false, 'an old generation does not move the new offset');
  assert.equal(a.committed, 0);
});

const st = (ino: number, size: number, mtimeMs = 1): FileStat => ({
  dev: 1n,
  ino: BigInt(ino),
  size,
  mtimeMs,
});

test('snapshot diff: write, truncate, rename, delete, create, and no delete under an unobserved folder', () => {
  const prev = new Map([
    ['/r/a.log', st(1, 10)],
    ['/r/b.log', st(2, 10)],
    ['/r/c.log', st(3, 10)],
    ['/r/d/x.log', st(4, 10)],
  ]);
  const next = new Map([
    ['/r/a.log', st(1, 20, 2)],
    ['/r/b.log', st(2, 5)],
    ['/r/c.log.1', st(3, 10)],
    ['/r/c.log', st(5, 0)],
  ]);
  const ops = diffSnapshots(prev, next, ['/r/d']);
  const summary = ops
    .map((o) => (o.op === 'rename' ? `rename ${o.from}->${o.to}` : `${o.op} ${o.path}`))
    .sort();
  assert.deepEqual(summary, [
    'create /r/c.log',
    'rename /r/c.log->/r/c.log.1',
    'truncate /r/b.log',
    'write /r/a.log',
  ]);
  const ops2 = diffSnapshots(prev, new Map(), []);
  assert.equal(ops2.filter((o) => o.op === 'delete').length, 4);
});

test('path templates fill fields; labels are added; include/exclude relative or absolute', () => {
  const m = new PathMetadata(['/app/log/{container_id}/{service}/**'], { dc: 'eu1' });
  assert.deepEqual(m.fieldsFor('/app/log/abc/web/x/y.log'), {
    dc: 'eu1',
    container_id: 'abc',
    service: 'web',
  });
  assert.deepEqual(m.fieldsFor('/other/y.log'), { dc: 'eu1' });
  const f = new PathFilter(['**/*.log'], ['**/tmp/**', '/r/skip.log']);
  assert.equal(f.accepts('/r', '/r/a/b/c.log'), true);
  assert.equal(f.accepts('/r', '/r/a/tmp/c.log'), false);
  assert.equal(f.accepts('/r', '/r/skip.log'), false);
  assert.equal(f.accepts('/r', '/r/a.txt'), false);
  assert.equal(f.prunes('/r', '/r/a/tmp'), true);
});

test('tail lifecycle transitions follow the table', () => {
  assert.equal(canTransition('reading', 'idle'), true);
  assert.equal(canTransition('released', 'reading'), false);
  assert.equal(canTransition('draining', 'idle'), false);
});
