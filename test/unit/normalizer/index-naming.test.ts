import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dataStreamName,
  indexDay,
  sanitizeNamePart,
  targetIndex,
} from '../../../src/normalizer/index-naming.js';

const collectedAt = Date.parse('2026-11-25T10:00:00Z');

test('data stream names follow logs-<dataset>-<namespace>', () => {
  assert.equal(dataStreamName('ceph.osd', 'default'), 'logs-ceph.osd-default');
  assert.equal(dataStreamName('My-App/Web', 'Prod Eu'), 'logs-my_app_web-prod_eu');
  assert.equal(dataStreamName('', ''), 'logs-generic-default');
  assert.equal(sanitizeNamePart('_x', 'f'), 'x');
  assert.equal(Buffer.byteLength(sanitizeNamePart('é'.repeat(80), 'f')), 100);
});

test('data stream mode writes to the stream itself', () => {
  assert.equal(
    targetIndex('data_stream', {
      dataset: 'etcd',
      namespace: 'default',
      timestamp: '2026-11-24T23:59:59.999Z',
      collectedAt,
    }),
    'logs-etcd-default',
  );
});

test('index mode suffixes the UTC day of the event, not of the wall clock', () => {
  assert.equal(
    targetIndex('index', {
      dataset: 'ceph.osd',
      namespace: 'default',
      timestamp: '2026-11-24T23:59:59.999Z',
      collectedAt,
    }),
    'logs-ceph.osd-default-2026.11.24',
  );
  assert.equal(
    targetIndex('index', {
      dataset: 'ceph.osd',
      namespace: 'default',
      timestamp: '2026-11-25T01:00:00+02:00',
      collectedAt,
    }),
    'logs-ceph.osd-default-2026.11.24',
  );
});

test('a late event within a week keeps its own day', () => {
  assert.equal(indexDay(Date.parse('2026-11-19T00:00:00Z'), collectedAt), '2026.11.19');
});

test('absurd or missing timestamps are filed by collection day, so bogus days cannot multiply indices', () => {
  assert.equal(indexDay(Date.parse('1970-01-01T00:00:00Z'), collectedAt), '2026.11.25');
  assert.equal(indexDay(Date.parse('2027-06-01T00:00:00Z'), collectedAt), '2026.11.25');
  assert.equal(indexDay(undefined, collectedAt), '2026.11.25');
  assert.equal(
    targetIndex('index', { dataset: 'x', namespace: 'default', timestamp: 'not a date', collectedAt }),
    'logs-x-default-2026.11.25',
  );
});
