/**
 * The collector core's parts on their own, without a file system or Kafka: the record
 * builder's run boundaries, the checkpoint scheduler's timing (mocked timers) and its rule
 * that a file forgotten for good is never written back, where reading starts, and the
 * open-file policy.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planStart } from '../../../src/collector/admission.js';
import { CheckpointScheduler, MIN_GAP_MS } from '../../../src/collector/checkpoint-scheduler.js';
import { CheckpointStore } from '../../../src/collector/checkpoint-store.js';
import { createDecoder } from '../../../src/collector/decoder.js';
import { noopEvents } from '../../../src/collector/events.js';
import { FileTailer } from '../../../src/collector/file-tailer.js';
import { nodeFs } from '../../../src/collector/fs-port.js';
import { EMPTY_FINGERPRINT, fileKey } from '../../../src/collector/identity.js';
import { DEFAULT_MULTILINE_RULE } from '../../../src/collector/multiline.js';
import { RecordBuilder, type ClosedRun } from '../../../src/collector/record-builder.js';
import { TailRegistry } from '../../../src/collector/tail-registry.js';
import { RawRecordCodec } from '../../../src/schema/raw-record.js';

const codec = new RawRecordCodec();

function tail(ino: number, path = `/logs/f${ino}.log`, now: () => number = () => 0): FileTailer {
  return new FileTailer(
    {
      key: fileKey(1n, BigInt(ino)),
      dev: 1n,
      ino: BigInt(ino),
      host: 'h',
      path,
      root: '/logs',
      topic: 't',
      fields: { service: 's' },
      offset: 0,
      fp: EMPTY_FINGERPRINT,
      size: 0,
      birthNs: '42',
      generation: 0,
      startedFrom: 'beginning',
      resendUntil: 0,
    },
    {
      maxEventBytes: 1024,
      partialLineTimeoutMs: 1000,
      rule: DEFAULT_MULTILINE_RULE,
      decoder: createDecoder('utf-8'),
      fs: nodeFs,
      now,
      onEvent: () => undefined,
    },
  );
}

function builder(maxEvents: number, maxBytes: number): { b: RecordBuilder; runs: ClosedRun[] } {
  const runs: ClosedRun[] = [];
  return {
    b: new RecordBuilder(
      { maxEvents, maxBytes },
      (r) => runs.push(r),
      () => 7,
    ),
    runs,
  };
}

const text = (s: string): [Buffer, number, number] => {
  const b = Buffer.from(s);
  return [b, 0, b.length];
};

test('record builder: a run closes at its event cap, at the end of a pass, and on another file', () => {
  const { b, runs } = builder(3, 1 << 20);
  const a = tail(1);
  const c = tail(2);
  for (let i = 0; i < 5; i++) b.add(a, ...text(`a${i}`), i * 3, 3, 0);
  assert.equal(runs.length, 1, 'closed at 3 events');
  b.add(c, ...text('c0'), 0, 3, 0); // another file: a's open run of 2 closes first
  b.close();
  assert.deepEqual(
    runs.map((r) => [r.tail.path, r.events]),
    [
      ['/logs/f1.log', 3],
      ['/logs/f1.log', 2],
      ['/logs/f2.log', 1],
    ],
  );
  const second = codec.decode(runs[1]!.value);
  assert.deepEqual(
    second.events.map((e) => [e.offset, e.message]),
    [
      [9, 'a3'],
      [12, 'a4'],
    ],
  );
  assert.equal(second.collected_at, 7);
  assert.deepEqual(second.fields, { service: 's' });
  // Each closed run registered its end offset with the file's acknowledgements.
  assert.equal(a.acks.handedOver, 15);
});

test('record builder: the byte cap moves the event that crosses it to the next run; a large event travels alone', () => {
  const { b, runs } = builder(100, 64);
  const a = tail(1);
  b.add(a, ...text('x'.repeat(30)), 0, 31, 0);
  b.add(a, ...text('y'.repeat(30)), 31, 31, 0); // 2 x ~33 bytes > 64: y opens the next run
  b.add(a, ...text('z'.repeat(200)), 62, 201, 0); // alone, over the cap
  b.close();
  assert.deepEqual(
    runs.map((r) => codec.decode(r.value).events.map((e) => e.message[0])),
    [['x'], ['y'], ['z']],
  );
});

test('record builder: a rename or a truncation starts a new run with the new header', () => {
  const { b, runs } = builder(100, 1 << 20);
  const a = tail(1);
  b.add(a, ...text('before'), 0, 7, 0);
  a.renamed('/logs/f1.log.1');
  b.add(a, ...text('after rename'), 7, 13, 0);
  a.restartAt(0);
  b.add(a, ...text('new generation'), 0, 15, 0);
  b.close();
  const decoded = runs.map((r) => codec.decode(r.value));
  assert.deepEqual(
    decoded.map((r) => [r.path, r.file.generation, r.events.length]),
    [
      ['/logs/f1.log', 0, 1],
      ['/logs/f1.log.1', 0, 1],
      ['/logs/f1.log.1', 1, 1],
    ],
  );
});

test('checkpoints: writes after acknowledgements are spaced by MIN_GAP_MS (mocked timers)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  try {
    // A store whose writes complete at once: only the scheduler's timing is under test.
    const entries = new Map<string, unknown>();
    let writes = 0;
    const store = {
      get: () => undefined,
      set: (e: { dev: string; ino: string }) => void entries.set(`${e.dev}:${e.ino}`, e),
      delete: () => undefined,
      expire: () => 0,
      write: async () => {
        writes += 1;
        return true;
      },
      size: 0,
    };
    const registry = new TailRegistry();
    const t = tail(1, '/logs/a.log', Date.now);
    registry.add(t);
    const s = new CheckpointScheduler(
      store,
      registry,
      { intervalMs: 60_000, graceMs: 86_400_000 },
      noopEvents,
      Date.now,
    );
    s.markDirty(t);
    s.requestWrite();
    await settle();
    assert.equal(writes, 1, 'the first write is at once');
    s.markDirty(t);
    s.requestWrite();
    await settle();
    assert.equal(writes, 1, 'the next waits for the gap');
    mock.timers.tick(MIN_GAP_MS - 1);
    await settle();
    assert.equal(writes, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(writes, 2, 'written once the gap passed');
    assert.ok(entries.has(`${t.dev}:${t.ino}`));
  } finally {
    mock.timers.reset();
  }
});

test('checkpoints: a file forgotten as unreadable is not written back by a late acknowledgement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-ckpt-'));
  const store = await CheckpointStore.open(dir);
  const registry = new TailRegistry();
  const t = tail(1);
  registry.add(t);
  const s = new CheckpointScheduler(
    store,
    registry,
    { intervalMs: 60_000, graceMs: 86_400_000 },
    noopEvents,
    Date.now,
  );
  const ticket = t.acks.track(100);
  s.markDirty(t);
  await s.final();
  assert.ok(store.get(t.key), 'written while followed');
  // Forgotten as unreadable with a record still in flight, as the loop does it.
  t.transition({ kind: 'released', reason: 'unreadable', atMs: Date.now() });
  registry.forget(t, false);
  s.drop(t);
  assert.equal(store.get(t.key), undefined);
  // The acknowledgement arrives later.
  t.acks.ack(ticket);
  s.markDirty(t);
  await s.final();
  assert.equal(store.get(t.key), undefined, 'not brought back');
  assert.equal((await CheckpointStore.open(dir)).get(t.key), undefined, 'nor on disk');
});

test('start plan: checkpoint, beginning, end (only for files found at start-up), reused inode', () => {
  const stat = { dev: 1n, ino: 2n, size: 500, mtimeMs: 0, birthNs: '77' };
  const entry = {
    dev: '1',
    ino: '2',
    fp: 'h',
    fp_len: 10,
    offset: 120,
    sent: 300,
    birth: '77',
    gen: 2,
    path: '/a',
    seen_at: 0,
  };
  assert.deepEqual(planStart(stat, entry, true, 'end'), {
    offset: 120,
    fp: { hash: 'h', length: 10 },
    generation: 2,
    startedFrom: 'checkpoint',
    resendUntil: 300,
    inodeReused: false,
  });
  assert.equal(planStart(stat, undefined, true, 'end').offset, 500);
  assert.equal(planStart(stat, undefined, false, 'end').offset, 0, 'a file created later is read from 0');
  const reused = planStart(stat, { ...entry, birth: '76' }, true, 'beginning');
  assert.equal(reused.inodeReused, true);
  assert.equal(reused.offset, 0);
  assert.equal(reused.generation, 0);
});

test('open-file policy: the least recently active idle file gives way first, a draining one never', () => {
  const r = new TailRegistry();
  const fake = (kind: string, last: number): FileTailer =>
    ({ isOpen: true, state: { kind }, lastActiveMs: last, holding: false }) as unknown as FileTailer;
  const busyOld = fake('reading', 1);
  const idleNew = fake('idle', 9);
  const idleOld = fake('idle', 5);
  const draining = fake('draining', 0);
  for (const t of [busyOld, idleNew, idleOld, draining]) r.opened(t);
  assert.equal(r.chooseToClose(5), null, 'under the limit');
  assert.equal(r.chooseToClose(4), idleOld);
  r.closed(idleOld);
  r.closed(idleNew);
  assert.equal(r.chooseToClose(2), busyOld, 'then the least recent one still reading');
  r.closed(busyOld);
  assert.equal(r.chooseToClose(1), null, 'a draining file is never closed');
});

/** Lets promise chains (the checkpoint write) run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
