/** Medians and the ratios kiver/peer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, medians, ratio, ratios, round, type RunFigures } from '../../../bench/peers/stats.js';

test('median of odd and even counts, ignoring what is not a number', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5]), 5);
  assert.equal(median([]), null);
  assert.equal(median([Number.NaN, 7, Infinity]), 7);
});

test('ratio rounds to two decimals and has no value without both figures', () => {
  assert.equal(ratio(200_000, 180_000), 1.11);
  assert.equal(ratio(1, 3), 0.33);
  assert.equal(ratio(null, 2), null);
  assert.equal(ratio(2, 0), null);
  assert.equal(ratio(2, undefined), null);
});

test('round', () => {
  assert.equal(round(1.23456, 2), 1.23);
  assert.equal(round(1.235, 1), 1.2);
});

const run = (linesPerSecond: number, cpu: number, rss: number, lost = 0): RunFigures => ({
  linesPerSecond,
  mbPerSecond: (linesPerSecond * 200) / 1e6,
  cpuSecondsPerMillionLines: cpu,
  peakRssMb: rss,
  lost,
  duplicated: 0,
});

test('medians take each figure on its own over the runs', () => {
  const m = medians([run(100, 5, 90), run(300, 3, 70), run(200, 4, 110, 2)]);
  assert.deepEqual(m, {
    runs: 3,
    linesPerSecond: 200,
    mbPerSecond: 0.04,
    cpuSecondsPerMillionLines: 4,
    peakRssMb: 90,
    lost: 0,
    duplicated: 0,
  });
});

test('ratios are kiver over the peer for each figure', () => {
  const kiver = medians([run(400, 2, 50)]);
  const peer = medians([run(200, 4, 100)]);
  assert.deepEqual(ratios(kiver, peer), {
    linesPerSecond: 2,
    cpuSecondsPerMillionLines: 0.5,
    peakRssMb: 0.5,
  });
  assert.deepEqual(ratios(kiver, undefined), {
    linesPerSecond: null,
    cpuSecondsPerMillionLines: null,
    peakRssMb: null,
  });
});
