/**
 * The hand-written v2 writer must produce exactly what avsc produces for the same record, or
 * every consumer of the topic would have to trust our encoder instead of Avro.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RunWriter, encodeRunHeader } from '../../../src/schema/run-encoder.js';
import { RawRecordCodec, type RawRecord } from '../../../src/schema/raw-record.js';
import { FLAG_NAMES } from '../../../src/schema/event-flags.js';

const codec = new RawRecordCodec();
const names = (bits: number): string[] => FLAG_NAMES.filter(([b]) => bits & b).map(([, n]) => n);

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', 'ü', '日本語のログ', '\u{1F600} emoji', 'x'.repeat(9000)),
);
const event = fc.record({
  offset: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 52 })),
  length: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  message: text,
  flags: fc.integer({ min: 0, max: 31 }),
});
const run = fc.record({
  host: fc.string({ maxLength: 40 }),
  path: fc.string({ maxLength: 120 }),
  dev: fc.nat().map(String),
  inode: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fingerprint: fc.oneof(
    fc.constant(''),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
  ),
  generation: fc.integer({ min: 0, max: 100000 }),
  fields: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 4 }),
  collectedAt: fc.integer({ min: 0, max: 4102444800000 }),
  events: fc.array(event, { maxLength: 300 }),
});

test('RunWriter writes byte for byte what avsc writes for the same run', () => {
  const writer = new RunWriter(128); // small, so growth is exercised too
  fc.assert(
    fc.property(run, (r) => {
      writer.begin(encodeRunHeader(r), r.collectedAt);
      for (const e of r.events) writer.add(e.offset, e.length, e.message, e.flags);
      const ours = writer.finish();
      const record: RawRecord = {
        schema_version: 2,
        host: r.host,
        path: r.path,
        file: { dev: r.dev, inode: r.inode, fingerprint: r.fingerprint, generation: r.generation },
        collected_at: r.collectedAt,
        fields: r.fields,
        events: r.events.map((e) => ({
          offset: e.offset,
          length: e.length,
          message: e.message,
          flags: names(e.flags),
        })),
      };
      assert.deepEqual(ours, codec.encode(record));
      // And it decodes to the same run (the encoder never writes lone surrogates as such).
      assert.equal(codec.decode(ours).events.length, r.events.length);
    }),
    { numRuns: 300 },
  );
});

test('undoLast takes back exactly the last event; the writer is reused between runs', () => {
  const writer = new RunWriter();
  const header = encodeRunHeader({
    host: 'h',
    path: '/a.log',
    dev: '1',
    inode: '2',
    fingerprint: 'btime:1',
    generation: 0,
    fields: {},
  });
  writer.begin(header, 5);
  writer.add(0, 4, 'one', 0);
  const before = writer.eventBytes;
  writer.add(4, 4, 'two', 4);
  writer.undoLast();
  assert.equal(writer.eventBytes, before);
  const first = codec.decode(writer.finish());
  assert.deepEqual(
    first.events.map((e) => e.message),
    ['one'],
  );
  assert.equal(writer.active, false);
  writer.begin(header, 6);
  writer.add(4, 4, 'two', 4);
  const second = codec.decode(writer.finish());
  assert.deepEqual(
    second.events.map((e) => ({ ...e })),
    [{ offset: 4, length: 4, message: 'two', flags: ['partial'] }],
  );
  assert.equal(second.collected_at, 6);
});
