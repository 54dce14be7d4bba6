import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { KafkaMessage, Message } from 'kafkajs';
import { processBatch, type BatchContext } from '../../../src/normalizer/batch-run.js';
import type { DeadLetter } from '../../../src/normalizer/dead-letter.js';
import { EventLedger } from '../../../src/normalizer/event-ledger.js';
import { documentId } from '../../../src/normalizer/ids.js';
import { BulkIndexer, type BulkResponse, type BulkTransport } from '../../../src/normalizer/indexer/bulk.js';
import { createNormalizerMetrics } from '../../../src/normalizer/metrics.js';
import type { Engine } from '../../../src/normalizer/pipeline-port.js';
import { createRegistry } from '../../../src/observability/metrics-server.js';
import {
  RawRecordCodec,
  downgradeToV1,
  loadSchemaVersions,
  type RawEvent,
  type RawRecord,
} from '../../../src/schema/raw-record.js';

const codec = new RawRecordCodec();
const v1Codec = new RawRecordCodec(loadSchemaVersions(), 1);
const FILE = { dev: '8', inode: '77', fingerprint: 'btime:1', generation: 0 };

function run(events: [number, string][], file = FILE): RawRecord {
  return {
    schema_version: 2,
    host: 'node-1',
    path: '/var/log/pods/a/app/0.log',
    file,
    collected_at: Date.parse('2026-12-01T10:00:00Z'),
    fields: {},
    events: events.map(([offset, message]): RawEvent => ({
      offset,
      length: message.length + 1,
      message,
      flags: [],
    })),
  };
}

function message(offset: number, value: Buffer, c: RawRecordCodec = codec): KafkaMessage {
  return {
    key: Buffer.from('node-1/8:77'),
    value,
    headers: { ...c.headers },
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  };
}

/** An engine whose documents carry the message; it throws on `BOOM` (the bug case). */
const engine: Engine = {
  process(input) {
    if (input.message.includes('BOOM')) throw new Error('exploded');
    return {
      doc: { '@timestamp': '2026-12-01T10:00:00.000Z', message: input.message, event: { dataset: 'app' } },
      pipeline: 'generic',
      dataset: 'app',
      failed: false,
      dropped: input.message.startsWith('DROP'),
    };
  },
};

interface Harness {
  ctx: BatchContext;
  letters: DeadLetter[];
  bodies: string[];
  registry: ReturnType<typeof createRegistry>;
}

/** A bulk transport that answers each item from `answer(message)` (a status and an error type). */
function harness(
  answer: (doc: { message: string }) => { status: number; type?: string },
  transport?: BulkTransport,
  maxBulkDocs = 100,
): Harness {
  const registry = createRegistry();
  const metrics = createNormalizerMetrics(registry);
  const bodies: string[] = [];
  const letters: DeadLetter[] = [];
  const scripted: BulkTransport = {
    async send(body) {
      bodies.push(body);
      const lines = body.trim().split('\n');
      const items = [];
      for (let i = 0; i < lines.length; i += 2) {
        const { status, type } = answer(JSON.parse(lines[i + 1]!) as { message: string });
        items.push({ create: { status, ...(type ? { error: { type, reason: type } } : {}) } });
      }
      return { errors: items.some((x) => x.create.status >= 300), items } as BulkResponse;
    },
  };
  const indexer = new BulkIndexer(transport ?? scripted, {
    maxBytes: 1 << 20,
    maxDocs: maxBulkDocs,
    concurrency: 2,
    backoff: { initialMs: 1, maxMs: 2 },
    events: metrics,
    random: () => 0,
  });
  const ctx: BatchContext = {
    codec,
    engine,
    indexer,
    deadLetters: {
      send: async (messages: Message[]) => {
        for (const m of messages) letters.push(JSON.parse(String(m.value)) as DeadLetter);
        return true;
      },
    },
    events: metrics,
    mode: 'index',
    namespace: 'test',
    groupId: 'g',
    maxBulkBytes: 1 << 20,
    maxBulkDocs,
  };
  return { ctx, letters, bodies, registry };
}

const hooks = () => ({ signal: new AbortController().signal, progress: () => {}, shouldStop: () => false });

async function counter(registry: Harness['registry'], name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.reduce((a, v) => a + v.value, 0);
}

test('every event of every run is indexed under the id of (host, file, offset); v1 records are runs of one', async () => {
  const h = harness(() => ({ status: 201 }));
  const r0 = run([
    [0, 'a'],
    [2, 'b'],
    [4, 'c'],
  ]);
  const r1 = run([[6, 'd']]);
  const messages = [
    message(10, codec.encode(r0)),
    message(11, v1Codec.encode(r1), v1Codec),
    message(
      12,
      codec.encode(
        run([
          [8, 'e'],
          [10, 'f'],
        ]),
      ),
    ),
  ];
  const settlement = await processBatch(h.ctx, { topic: 't', partition: 0, messages }, hooks());
  assert.equal(settlement.complete, true);
  assert.equal(settlement.commitOffset(), '13');
  const sentIds = h.bodies
    .join('')
    .trim()
    .split('\n')
    .filter((_, i) => i % 2 === 0)
    .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
  assert.deepEqual(
    sentIds,
    [0, 2, 4, 6, 8, 10].map((o) => documentId('node-1', FILE, o)),
  );
  assert.equal(await counter(h.registry, 'kiver_normalizer_records_consumed_total'), 3);
  assert.equal(await counter(h.registry, 'kiver_normalizer_events_consumed_total'), 6);
  assert.equal(await counter(h.registry, 'kiver_normalizer_documents_indexed_total'), 6);
});

test('a v1 record and the same event in a v2 run get the same document id', async () => {
  const file = { ...FILE, generation: 3 };
  const v2 = run([[40, 'x']], file);
  const ids: string[] = [];
  for (const m of [message(0, codec.encode(v2)), message(0, v1Codec.encode(v2), v1Codec)]) {
    const h = harness(() => ({ status: 201 }));
    await processBatch(h.ctx, { topic: 't', partition: 0, messages: [m] }, hooks());
    ids.push((JSON.parse(h.bodies[0]!.split('\n')[0]!) as { create: { _id: string } }).create._id);
  }
  assert.equal(ids[0], ids[1]);
  assert.equal(ids[0], documentId('node-1', file, 40));
  assert.equal(downgradeToV1(v2, v2.events[0]!).file.fingerprint, 'btime:1/g3');
});

test('a bad event is dead-lettered alone with its coordinates; the rest of its run is indexed', async () => {
  const h = harness((doc) =>
    doc.message === 'refused' ? { status: 400, type: 'mapper_parsing_exception' } : { status: 201 },
  );
  const messages = [
    message(
      0,
      codec.encode(
        run([
          [0, 'ok 1'],
          [5, 'BOOM'],
          [10, 'refused'],
          [18, 'DROP me'],
          [26, 'ok 2'],
        ]),
      ),
    ),
    message(1, Buffer.from('not avro at all')),
    message(2, codec.encode(run([[30, 'ok 3']]))),
  ];
  const settlement = await processBatch(h.ctx, { topic: 't', partition: 3, messages }, hooks());
  assert.equal(settlement.complete, true, 'dead-lettered and dropped events settle their record');
  const byReason = new Map(h.letters.map((l) => [l.reason_class, l]));
  assert.deepEqual([...byReason.keys()].sort(), ['decode', 'mapping', 'pipeline_error'].sort());

  const boom = byReason.get('pipeline_error')!;
  assert.deepEqual(
    { path: boom.event?.path, offset: boom.event?.offset, identity: boom.event?.file.identity },
    { path: '/var/log/pods/a/app/0.log', offset: 5, identity: 'btime:1' },
  );
  assert.equal(boom.source.offset, '0');
  const raw = codec.decode(Buffer.from(boom.raw.data, 'base64'), boom.source.schema_fingerprint ?? undefined);
  assert.deepEqual(
    raw.events.map((e) => e.message),
    ['BOOM'],
    'the letter carries the event alone, as a record of one event',
  );

  const refused = byReason.get('mapping')!;
  assert.equal(refused.event?.offset, 10);
  assert.equal(refused.document_id, documentId('node-1', FILE, 10));

  const undecodable = byReason.get('decode')!;
  assert.equal(undecodable.event, null, 'bytes that are no record are dead-lettered whole');
  assert.equal(Buffer.from(undecodable.raw.data, 'base64').toString(), 'not avro at all');

  assert.equal(await counter(h.registry, 'kiver_normalizer_documents_indexed_total'), 3);
  assert.equal(await counter(h.registry, 'kiver_normalizer_documents_dropped_total'), 1);
  assert.equal(await counter(h.registry, 'kiver_normalizer_dead_lettered_total'), 3);
});

test('a record is not settled (its offset not committable) until the last of its events is indexed', async () => {
  const releases: (() => void)[] = [];
  const gated: BulkTransport = {
    send(body) {
      const n = body.trim().split('\n').length / 2;
      return new Promise((resolve) => {
        releases.push(() =>
          resolve({ errors: false, items: Array.from({ length: n }, () => ({ create: { status: 201 } })) }),
        );
      });
    },
  };
  const h = harness(() => ({ status: 201 }), gated, 1);
  const prefixes: number[] = [];
  const messages = [
    message(
      0,
      codec.encode(
        run([
          [0, 'a'],
          [2, 'b'],
        ]),
      ),
    ),
    message(1, codec.encode(run([[4, 'c']]))),
  ];
  const done = processBatch(
    h.ctx,
    { topic: 't', partition: 0, messages },
    { ...hooks(), progress: (s) => prefixes.push(s.settledPrefix) },
  );
  const settle = async (): Promise<void> => {
    while (releases.length === 0) await new Promise((r) => setImmediate(r));
    releases.shift()!();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await settle(); // event a
  assert.deepEqual(prefixes, [0], 'one event of two: the record stays open');
  await settle(); // event b
  assert.equal(prefixes.at(-1), 1);
  await settle(); // event c
  const settlement = await done;
  assert.equal(settlement.commitOffset(), '2');
});

test('the ledger settles a record exactly when all its events are, in any order (model)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }),
      fc.infiniteStream(fc.nat()),
      fc.nat(),
      (sizes, picks, cut) => {
        const ledger = new EventLedger(sizes.map((_, i) => String(100 + i)));
        const refs: number[] = [];
        sizes.forEach((n, record) => {
          const first = ledger.open(record, n);
          for (let i = 0; i < n; i++) refs.push(first + i);
        });
        const order: number[] = [];
        const left = [...refs];
        const pickIt = picks[Symbol.iterator]();
        while (left.length > 0) order.push(left.splice((pickIt.next().value as number) % left.length, 1)[0]!);
        const settledCount = cut % (order.length + 1);
        const settled = new Set(order.slice(0, settledCount));
        for (const ref of order.slice(0, settledCount)) ledger.settleEvent(ref);
        let expected = 0;
        while (expected < sizes.length) {
          const mine = refs.filter((r) => ledger.recordOf(r) === expected);
          if (!mine.every((r) => settled.has(r))) break;
          expected += 1;
        }
        assert.equal(ledger.settlement.settledPrefix, expected);
      },
    ),
  );
});

test('the ledger refuses to settle an event twice (a bug would otherwise commit too early)', () => {
  const ledger = new EventLedger(['0']);
  const first = ledger.open(0, 2);
  ledger.settleEvent(first);
  assert.throws(() => ledger.settleEvent(first), RangeError);
  assert.equal(ledger.settlement.settledPrefix, 0);
});

test('the fingerprint header names the writer schema of a dead letter of one event', async () => {
  const h = harness(() => ({ status: 201 }));
  await processBatch(
    h.ctx,
    { topic: 't', partition: 0, messages: [message(0, codec.encode(run([[0, 'BOOM']])))] },
    hooks(),
  );
  assert.equal(h.letters[0]?.source.schema_fingerprint, codec.fingerprint);
});
