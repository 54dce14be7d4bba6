/** The backlog's line format and the tally of lost and duplicated lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINE_BYTES, SequenceTally, formatLine, parseSeq } from '../../../bench/peers/sequence.js';

test('a backlog line is LINE_BYTES bytes with its newline and carries its sequence number', () => {
  const line = formatLine(3, 123_456);
  assert.equal(Buffer.byteLength(line), LINE_BYTES);
  assert.ok(line.endsWith('\n'));
  assert.ok(line.startsWith('f03 s0000123456 '));
  assert.equal(parseSeq(line), 123_456);
  assert.equal(parseSeq(line.slice(0, -1)), 123_456, 'without its newline, as shippers deliver it');
});

test('a line that is not a backlog line has no sequence number', () => {
  assert.equal(parseSeq(''), null);
  assert.equal(parseSeq('hello world'), null);
  assert.equal(parseSeq(' f03 s0000000001 '), null, 'a leading space (a template adding one) is caught');
});

test('the tally finds lost, duplicated and unknown lines', () => {
  const t = new SequenceTally(6);
  for (const seq of [0, 1, 1, 3, 5, 5, 5]) t.add(formatLine(0, seq));
  t.add('garbage');
  t.add(formatLine(0, 99)); // out of range
  assert.deepEqual(t.summary(), {
    expected: 6,
    events: 9,
    distinct: 4,
    lost: 2,
    duplicated: 3,
    unknown: 2,
    firstLost: [2, 4],
  });
});

test('add says whether a line is new', () => {
  const t = new SequenceTally(2);
  assert.equal(t.add(formatLine(1, 0)), true);
  assert.equal(t.add(formatLine(1, 0)), false);
  assert.equal(t.add('nope'), false);
  assert.equal(t.distinct, 1);
});

test('a complete delivery in any order has nothing lost and lists no lost line', () => {
  const t = new SequenceTally(1000);
  for (let i = 999; i >= 0; i--) t.add(formatLine(i % 10, i));
  const s = t.summary();
  assert.equal(s.lost, 0);
  assert.equal(s.duplicated, 0);
  assert.deepEqual(s.firstLost, []);
});

test('at most ten lost numbers are listed', () => {
  const s = new SequenceTally(50).summary();
  assert.equal(s.lost, 50);
  assert.deepEqual(s.firstLost, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
