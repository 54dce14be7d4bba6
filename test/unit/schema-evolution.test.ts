/**
 * Avro evolution: a reader of version N reads N+1 and N-1. Production ships v1 only, so a
 * hypothetical v2 (one added field with a default) lives in test/fixtures/schemas/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RawRecordCodec, loadSchemaVersions, type RawRecord } from '../../src/schema/raw-record.js';

const versions = loadSchemaVersions(join(import.meta.dirname, '..', 'fixtures', 'schemas'));
const v1 = new RawRecordCodec(versions, 1);
const v2 = new RawRecordCodec(versions, 2);

const record: RawRecord = {
  schema_version: 1,
  message: 'hello',
  host: 'h',
  path: '/app/log/a.log',
  file: { dev: '1', inode: '2', fingerprint: '' },
  offset: 0,
  length: 6,
  collected_at: 1_700_000_000_000,
  fields: { container_id: 'c' },
  flags: [],
};

test('a v1 reader reads v2 records (the new field is ignored)', () => {
  const bytes = v2.encode({ ...record, schema_version: 2, container_runtime: 'cri' } as RawRecord);
  const got = v1.decode(bytes, v2.fingerprint) as RawRecord & { container_runtime?: string };
  assert.equal(got.message, 'hello');
  assert.equal(got.container_runtime, undefined);
});

test('a v2 reader reads v1 records (the new field takes its default)', () => {
  const got = v2.decode(v1.encode(record), v1.fingerprint) as RawRecord & { container_runtime?: string };
  assert.equal(got.message, 'hello');
  assert.equal(got.container_runtime, '');
});

test('the fingerprint header names the writer schema; production v1 matches the fixture copy', () => {
  assert.notEqual(v1.fingerprint, v2.fingerprint);
  assert.equal(new RawRecordCodec().fingerprint, v1.fingerprint);
});
