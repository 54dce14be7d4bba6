/**
 * Raw-record compatibility. Within the run shape (v2+), Avro resolution: a reader of version
 * N reads N+1 and N-1 — shown with a hypothetical v3 (one added field with a default) in
 * test/fixtures/schemas/. Across the change of shape, the codec reads v1 records (0.1
 * collectors) as runs of one event with the same identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  RawRecordCodec,
  identityString,
  loadSchemaVersions,
  type RawRecord,
  type RawRecordV1,
} from '../../src/schema/raw-record.js';

const versions = loadSchemaVersions(join(import.meta.dirname, '..', 'fixtures', 'schemas'));
const v1 = new RawRecordCodec(versions, 1);
const v2 = new RawRecordCodec(versions, 2);
const v3 = new RawRecordCodec(versions, 3);

const run: RawRecord = {
  schema_version: 2,
  host: 'h',
  path: '/app/log/a.log',
  file: { dev: '1', inode: '2', fingerprint: 'btime:99', generation: 3 },
  collected_at: 1_700_000_000_000,
  fields: { container_id: 'c' },
  events: [
    { offset: 0, length: 6, message: 'hello', flags: [] },
    { offset: 6, length: 9, message: 'world', flags: ['partial'] },
  ],
};

test('a v2 reader reads v3 records (the new field is ignored)', () => {
  const bytes = v3.encode({ ...run, container_runtime: 'cri' } as RawRecord);
  const got = v2.decode(bytes, v3.fingerprint) as RawRecord & { container_runtime?: string };
  assert.deepEqual(
    got.events.map((e) => e.message),
    ['hello', 'world'],
  );
  assert.equal(got.container_runtime, undefined);
});

test('a v3 reader reads v2 records (the new field takes its default)', () => {
  const got = v3.decode(v2.encode(run), v2.fingerprint) as RawRecord & { container_runtime?: string };
  assert.equal(got.events.length, 2);
  assert.equal(got.container_runtime, '');
});

test('a v2 reader reads a v1 record as a run of one event, generation taken out of the fingerprint', () => {
  const old: RawRecordV1 = {
    schema_version: 1,
    message: 'legacy line',
    host: 'h',
    path: '/app/log/a.log',
    file: { dev: '1', inode: '2', fingerprint: 'btime:99/g3' },
    offset: 120,
    length: 12,
    collected_at: 1_700_000_000_000,
    fields: { container_id: 'c' },
    flags: ['truncated'],
  };
  const bytes = versions.find((v) => v.version === 1)!.type.toBuffer(old);
  const got = v2.decode(bytes, v1.fingerprint);
  assert.deepEqual(got.file, { dev: '1', inode: '2', fingerprint: 'btime:99', generation: 3 });
  assert.equal(identityString(got.file), old.file.fingerprint);
  assert.deepEqual(got.events, [{ offset: 120, length: 12, message: 'legacy line', flags: ['truncated'] }]);
  assert.equal(got.host, 'h');
  assert.deepEqual(got.fields, { container_id: 'c' });
});

test('a v1 writer writes one event per record and refuses runs', () => {
  const one = { ...run, events: [run.events[0]!] };
  const back = v2.decode(v1.encode(one), v1.fingerprint);
  assert.deepEqual(back.file, run.file);
  assert.deepEqual(back.events, one.events);
  assert.throws(() => v1.encode(run), /one event/);
});

test('the fingerprint header names the writer schema; production schemas match the fixture copies', () => {
  assert.notEqual(v1.fingerprint, v2.fingerprint);
  assert.equal(new RawRecordCodec().fingerprint, v2.fingerprint);
  assert.equal(new RawRecordCodec().version, 2);
  assert.equal(new RawRecordCodec(undefined, 1).fingerprint, v1.fingerprint);
});
