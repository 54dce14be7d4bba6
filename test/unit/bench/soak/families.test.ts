import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FAMILIES,
  TOKEN_PATTERN,
  formatEvent,
  invalidUtf8Event,
  overLongEvent,
} from '../../../../bench/soak/families.js';

const d = new Date('2026-12-03T12:34:56.789Z');

test('every family carries its sequence token once; Spring writes a stack trace every tenth event', () => {
  for (const family of FAMILIES) {
    for (const n of [1, 10]) {
      const text = formatEvent(family, d, 1234, n);
      assert.equal(text.match(/kq\d+/g)?.length, 1, `${family} ${n}`);
      assert.equal(TOKEN_PATTERN.exec(text)?.[1], '1234');
    }
  }
  assert.equal(formatEvent('spring', d, 1, 10).split('\n').length, 7);
  assert.match(formatEvent('spring', d, 1, 10), /\n\tat com\.example/);
  assert.equal(formatEvent('spring', d, 1, 11).split('\n').length, 1);
  assert.deepEqual(Object.keys(JSON.parse(formatEvent('etcd', d, 1, 1)) as object), [
    'level',
    'ts',
    'caller',
    'msg',
  ]);
  assert.match(formatEvent('syslog', d, 1, 1), /^Dec {2}3 12:34:56 node-a /);
  assert.match(formatEvent('ceph-osd', d, 1, 1), /^2026-12-03T12:34:56\.789\+0000 /);
});

test('the bad inputs: invalid UTF-8 with its token intact, an over-long line of the asked size', () => {
  const bad = invalidUtf8Event(d, 77);
  assert.notEqual(Buffer.from(bad.toString('utf8')).length, bad.length, 'not valid UTF-8');
  assert.equal(TOKEN_PATTERN.exec(bad.toString('latin1'))?.[1], '77');
  const long = overLongEvent(d, 78, 300_000);
  assert.equal(long.length, 300_000);
  assert.equal(TOKEN_PATTERN.exec(long.slice(0, 100))?.[1], '78');
});
