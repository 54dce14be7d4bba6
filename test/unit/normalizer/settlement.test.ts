import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Settlement } from '../../../src/normalizer/settlement.js';

test('nothing settled: nothing to commit', () => {
  const s = new Settlement(['10', '11', '12']);
  assert.equal(s.commitOffset(), null);
  assert.equal(s.lastSettledOffset(), null);
});

test('commits the offset after the longest settled prefix only', () => {
  const s = new Settlement(['10', '11', '12', '13']);
  s.settle(1);
  s.settle(3);
  assert.equal(s.commitOffset(), null, 'record 10 is still pending');
  s.settle(0);
  assert.equal(s.commitOffset(), '12');
  assert.equal(s.lastSettledOffset(), '11');
  s.settle(2);
  assert.equal(s.commitOffset(), '14');
  assert.ok(s.complete);
});

test('offsets with gaps (compaction, transactions) and beyond 2^53', () => {
  const s = new Settlement(['9007199254740993', '9007199254741000']);
  s.settle(0);
  s.settle(1);
  assert.equal(s.commitOffset(), '9007199254741001');
});

test('settling twice is harmless; an unknown position is a bug', () => {
  const s = new Settlement(['1']);
  s.settle(0);
  s.settle(0);
  assert.equal(s.commitOffset(), '2');
  assert.throws(() => s.settle(1), RangeError);
});
