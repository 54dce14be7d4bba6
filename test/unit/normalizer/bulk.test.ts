import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BulkIndexer,
  BulkRequestFailure,
  prepareItem,
  RequestBuilder,
  type BulkEvents,
  type BulkItem,
  type BulkResponse,
  type BulkTransport,
} from '../../../src/normalizer/indexer/bulk.js';

const quiet: BulkEvents = { requestCompleted: () => {}, retried: () => {}, reachability: () => {} };
const options = {
  maxBytes: 1 << 20,
  maxDocs: 100,
  concurrency: 2,
  backoff: { initialMs: 1, maxMs: 2 },
  events: quiet,
  random: () => 0,
};

function item(ref: number): BulkItem {
  const i = prepareItem(ref, 'logs-x-default-2026.11.25', `id${ref}`, { message: `m${ref}` });
  assert.ok(!('error' in i));
  return i;
}

/** Answers each request from a script; records what it was sent. */
function scripted(
  script: ((ids: string[]) => BulkResponse | BulkRequestFailure)[],
): BulkTransport & { sent: string[][] } {
  const sent: string[][] = [];
  return {
    sent,
    async send(body: string) {
      const ids = body
        .trim()
        .split('\n')
        .filter((_, i) => i % 2 === 0)
        .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
      sent.push(ids);
      const step = script.shift();
      if (!step) throw new Error('unexpected request');
      const answer = step(ids);
      if (answer instanceof BulkRequestFailure) throw answer;
      return answer;
    },
  };
}

test('request builder bounds requests by bytes and documents; an oversized item travels alone', () => {
  const b = new RequestBuilder(300, 2);
  assert.equal(b.add(item(0)), null);
  assert.equal(b.add(item(1)), null);
  assert.equal(b.add(item(2))?.length, 2, 'doc bound');
  const big = prepareItem(3, 'i', 'x', { message: 'y'.repeat(1000) }) as BulkItem;
  assert.equal(b.add(big)?.length, 1, 'flushes before the big one');
  assert.equal(b.flush()?.length, 1);
  assert.equal(b.flush(), null);
});

test('unserialisable documents are reported, not thrown', () => {
  const doc: Record<string, unknown> = {};
  doc.self = doc;
  assert.ok('error' in prepareItem(0, 'i', 'x', doc));
  assert.ok('error' in prepareItem(0, 'i', 'x', { n: 1n }));
});

test('uses create with the deterministic id', () => {
  const [action, source] = item(7).payload.split('\n');
  assert.deepEqual(JSON.parse(action!), { create: { _index: 'logs-x-default-2026.11.25', _id: 'id7' } });
  assert.deepEqual(JSON.parse(source!), { message: 'm7' });
});

test('all created: every item indexed in one request', async () => {
  const t = scripted([() => ({ errors: false })]);
  const finals = await new BulkIndexer(t, options).submit([item(0), item(1)], new AbortController().signal);
  assert.deepEqual(finals, [
    { ref: 0, kind: 'indexed', duplicate: false },
    { ref: 1, kind: 'indexed', duplicate: false },
  ]);
});

test('partial failure: 409 is success, 429 is retried alone, 400 is dead-lettered', async () => {
  const t = scripted([
    () => ({
      errors: true,
      items: [
        { create: { status: 201 } },
        { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } },
        { create: { status: 429, error: { type: 'es_rejected_execution_exception' } } },
        { create: { status: 400, error: { type: 'document_parsing_exception', reason: 'bad pid' } } },
      ],
    }),
    () => ({ errors: false }),
  ]);
  const finals = await new BulkIndexer(t, options).submit(
    [item(0), item(1), item(2), item(3)],
    new AbortController().signal,
  );
  assert.deepEqual(t.sent, [['id0', 'id1', 'id2', 'id3'], ['id2']]);
  const byRef = new Map(finals.map((f) => [f.ref, f]));
  assert.deepEqual(byRef.get(1), { ref: 1, kind: 'indexed', duplicate: true });
  assert.deepEqual(byRef.get(2), { ref: 2, kind: 'indexed', duplicate: false });
  assert.equal(byRef.get(3)?.kind, 'dead-letter');
});

test('an unreachable cluster is retried until it answers, and reported as unreachable then reachable', async () => {
  const seen: boolean[] = [];
  const down = (): BulkRequestFailure =>
    new BulkRequestFailure({ kind: 'unreachable', detail: 'ECONNREFUSED' });
  const t = scripted([
    down,
    down,
    down,
    () => new BulkRequestFailure({ kind: 'status', status: 503, detail: '' }),
    () => ({ errors: false }),
  ]);
  const finals = await new BulkIndexer(t, {
    ...options,
    events: { ...quiet, reachability: (r) => seen.push(r) },
  }).submit([item(0)], new AbortController().signal);
  assert.equal(finals[0]?.kind, 'indexed');
  assert.equal(t.sent.length, 5);
  assert.deepEqual(seen, [false, false, false, false, true]);
});

test('413 splits the request; a single document that is still too large is dead-lettered', async () => {
  const tooLarge = (): BulkRequestFailure =>
    new BulkRequestFailure({ kind: 'status', status: 413, detail: '' });
  const t = scripted([tooLarge, () => ({ errors: false }), tooLarge]);
  const finals = await new BulkIndexer(t, options).submit(
    [item(0), item(1), item(2)],
    new AbortController().signal,
  );
  assert.deepEqual(t.sent, [['id0', 'id1', 'id2'], ['id0', 'id1'], ['id2']]);
  assert.deepEqual(finals.find((f) => f.ref === 2)?.kind, 'dead-letter');
});

test('a per-item 500 is retried a bounded number of times, then dead-lettered', async () => {
  const t = scripted(
    Array.from({ length: 8 }, () => () => ({
      errors: true,
      items: [{ create: { status: 500, error: { type: 'x' } } }],
    })),
  );
  const finals = await new BulkIndexer(t, options).submit([item(0)], new AbortController().signal);
  assert.equal(finals[0]?.kind, 'dead-letter');
  assert.equal(finals[0]?.kind === 'dead-letter' && finals[0].class, 'retries_exhausted');
});

test('abort leaves unfinished documents unsettled', async () => {
  const controller = new AbortController();
  const t: BulkTransport = {
    async send() {
      controller.abort();
      throw new BulkRequestFailure({ kind: 'unreachable', detail: 'down' });
    },
  };
  const finals = await new BulkIndexer(t, {
    ...options,
    backoff: { initialMs: 60_000, maxMs: 60_000 },
  }).submit([item(0)], controller.signal);
  assert.deepEqual(finals, [{ ref: 0, kind: 'aborted' }]);
});

test('at most `concurrency` requests are in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const t: BulkTransport = {
    async send() {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { errors: false };
    },
  };
  const indexer = new BulkIndexer(t, { ...options, concurrency: 2 });
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 8; i++) {
    await indexer.capacity();
    all.push(indexer.submit([item(i)], new AbortController().signal));
  }
  await Promise.all(all);
  assert.equal(peak, 2);
});

test('an item counts exactly the bytes of its two NDJSON lines, whatever the index and id', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['logs-x-default-2026.11.25', 'jpIBSLCgkeeoTQV4jumosw', { message: 'plain' }],
    ['logs-x-default-2026.11.25', 'id "quoted"\\', { message: 'ünïcødé 日本 🎉' }],
    ['logs-é-default', 'jpIBSLCgkeeoTQV4jumosw', { message: 'm' }],
    ['logs-é-default', 'ïd', { message: 'm' }],
    ['logs-x-default-2026.11.25', '', {}],
  ];
  for (const [index, id, doc] of cases) {
    const i = prepareItem(0, index, id, doc);
    assert.ok(!('error' in i));
    assert.equal(i.bytes, Buffer.byteLength(i.payload, 'utf8'), `${index} ${id}`);
    const [action, source, rest] = i.payload.split('\n');
    assert.deepEqual(JSON.parse(action as string), { create: { _index: index, _id: id } });
    assert.deepEqual(JSON.parse(source as string), doc);
    assert.equal(rest, '');
  }
});
