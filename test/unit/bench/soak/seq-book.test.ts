import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EventKind,
  FoundTally,
  SeqBook,
  account,
  quantile,
  summarizeDelays,
} from '../../../../bench/soak/seq-book.js';

function book(kinds: EventKind[]): SeqBook {
  const b = new SeqBook();
  kinds.forEach((k, i) => b.next(1000 + i, k));
  return b;
}

test('the book grows past its first capacity and keeps time and kind', () => {
  const b = new SeqBook();
  for (let i = 0; i < 70_000; i++)
    assert.equal(b.next(i * 2, i % 2 ? EventKind.StackTrace : EventKind.Normal), i);
  assert.equal(b.count, 70_000);
  assert.equal(b.writtenAt(69_999), 139_998);
  assert.equal(b.kind(69_999), EventKind.StackTrace);
});

test('lost, duplicated, dead-lettered and unknown are told apart', () => {
  const b = book([
    EventKind.Normal,
    EventKind.Normal,
    EventKind.InvalidUtf8,
    EventKind.OverLong,
    EventKind.Normal,
  ]);
  const found = new FoundTally(b.count);
  found.add(0);
  found.add(1);
  found.add(1); // a duplicate
  found.add(1); // and another
  found.add(3);
  found.add(null, { path: '/x' }); // no token
  found.add(99); // out of range
  const a = account(b, found, new Set([2]));
  assert.equal(a.written, 5);
  assert.equal(a.indexed, 3);
  assert.equal(a.duplicated, 2);
  assert.deepEqual(a.firstDuplicated, [1]);
  assert.equal(a.deadLetteredOnly, 1, 'seq 2 is only in the dead-letter topic: accounted for');
  assert.equal(a.lost, 1);
  assert.deepEqual(a.firstLost, [4]);
  assert.equal(a.unknownDocuments, 2);
  assert.deepEqual(found.unknownSamples, [{ path: '/x' }]);
  assert.deepEqual(a.byKind.InvalidUtf8, { written: 1, indexed: 0, deadLettered: 1 });
  assert.deepEqual(a.byKind.OverLong, { written: 1, indexed: 1, deadLettered: 0 });
});

test('everything found once is a clean run', () => {
  const b = book([EventKind.Normal, EventKind.StackTrace]);
  const found = new FoundTally(2);
  found.add(0);
  found.add(1);
  const a = account(b, found, new Set());
  assert.equal(a.lost + a.duplicated + a.unknownDocuments, 0);
});

test('quantiles are nearest-rank; delays are summarised in whole ms', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(quantile(sorted, 0.5), 5);
  assert.equal(quantile(sorted, 0.99), 10);
  assert.equal(quantile(sorted, 0), 1);
  assert.equal(quantile([], 0.5), null);
  const delays = Array.from({ length: 1000 }, (_, i) => i + 0.4);
  assert.deepEqual(summarizeDelays(delays), { samples: 1000, p50Ms: 499, p99Ms: 989, maxMs: 999 });
  assert.deepEqual(summarizeDelays([]), { samples: 0, p50Ms: null, p99Ms: null, maxMs: null });
});
