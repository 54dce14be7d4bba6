import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSearchBody, expandLevels } from '../../../src/search/query.js';
import { parseTime } from '../../../src/config/time.js';
import { formatHitLine } from '../../../src/search/format.js';
import { UsageError } from '../../../src/errors.js';

const now = Date.parse('2026-11-25T12:00:00.000Z');

test('relative and absolute times', () => {
  assert.equal(parseTime('15m', now, '--since'), '2026-11-25T11:45:00.000Z');
  assert.equal(parseTime('2d', now, '--since'), '2026-11-23T12:00:00.000Z');
  assert.equal(parseTime('2026-11-25T08:00:00+01:00', now, '--since'), '2026-11-25T07:00:00.000Z');
  assert.throws(() => parseTime('yesterday-ish', now, '--since'), UsageError);
});

test('level thresholds expand to every more severe level', () => {
  assert.deepEqual(expandLevels(['error+']), ['error', 'critical', 'fatal']);
  assert.deepEqual(expandLevels(['WARN', 'info']), ['warn', 'info']);
  assert.throws(() => expandLevels(['loud']), /not a level/);
});

test('filters, time range and text become one bool query, newest first', () => {
  const body = buildSearchBody(
    {
      text: 'disk full',
      levels: ['error+'],
      datasets: ['ceph.*', 'etcd'],
      hosts: ['node-a'],
      since: '5m',
      size: 20,
    },
    now,
  );
  assert.equal(body.size, 20);
  assert.deepEqual(body.sort[0], { '@timestamp': { order: 'desc' } });
  assert.deepEqual(body.query.bool.filter, [
    {
      bool: { should: [{ terms: { 'log.level': ['error', 'critical', 'fatal'] } }], minimum_should_match: 1 },
    },
    {
      bool: {
        should: [
          { terms: { 'event.dataset': ['etcd'] } },
          { wildcard: { 'event.dataset': { value: 'ceph.*' } } },
        ],
        minimum_should_match: 1,
      },
    },
    { bool: { should: [{ terms: { 'host.name': ['node-a'] } }], minimum_should_match: 1 } },
    { range: { '@timestamp': { gte: '2026-11-25T11:55:00.000Z' } } },
  ]);
  assert.deepEqual(body.query.bool.must, [
    { simple_query_string: { query: 'disk full', fields: ['message'], default_operator: 'and' } },
  ]);
});

test('no filters: match everything', () => {
  const body = buildSearchBody({ size: 5 }, now);
  assert.deepEqual(body.query.bool, { filter: [], must: [] });
});

test('a hit renders as one line with level, dataset, host and service', () => {
  const line = formatHitLine(
    {
      _id: 'x',
      _index: 'logs-ceph.osd-default',
      _source: {
        '@timestamp': '2026-11-25T11:59:00.000Z',
        log: { level: 'error' },
        event: { dataset: 'ceph.osd' },
        host: { name: 'node-a' },
        service: { name: 'osd' },
        message: 'demo: slow op\nsecond line',
      },
    },
    false,
  );
  assert.equal(line, '2026-11-25T11:59:00.000Z ERROR    [ceph.osd] node-a/osd: demo: slow op ⏎ second line');
});
