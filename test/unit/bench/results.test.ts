/** Cases, medians over complete runs, the ratio table and the printed tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from '../../../bench/peers/measure.js';
import {
  caseMedians,
  chartCases,
  mediansTable,
  ratioTable,
  ratiosTable,
  type CaseResult,
} from '../../../bench/peers/results.js';
import type { Family } from '../../../bench/peers/shippers/types.js';

function runOf(linesPerSecond: number, cpu: number, rss: number, extra: Partial<RunResult> = {}): RunResult {
  return {
    run: 1,
    topic: 't',
    startedAt: '2026-01-01T00:00:00Z',
    loadAverageAtStart: [0, 0, 0],
    outcome: 'complete',
    exit: 0,
    wallSeconds: 1,
    firstRecordSeconds: 0.1,
    linesPerSecond,
    mbPerSecond: (linesPerSecond * 200) / 1e6,
    linesPerSecondAfterFirstRecord: linesPerSecond,
    cpuSeconds: 1,
    cpuUtilisation: 1,
    cpuSecondsPerMillionLines: cpu,
    peakRssMb: rss,
    sampledPeakRssMb: rss,
    records: 10,
    decodeErrors: 0,
    events: 10,
    lost: 0,
    duplicated: 0,
    unknown: 0,
    distinct: 10,
    firstLost: [],
    ...extra,
  };
}

function caseOf(set: string, shipper: string, family: Family, runs: RunResult[]): CaseResult {
  return {
    set,
    codec: set.split('-')[0]!,
    variant: 'flat',
    shipper,
    family,
    label: shipper,
    settings: {},
    runs,
    medians: caseMedians(runs),
  };
}

test('medians leave out incomplete or lossy runs while there are complete ones', () => {
  const m = caseMedians([
    runOf(100, 5, 50),
    runOf(10, 50, 500, { outcome: 'stalled', lost: 94 }),
    runOf(300, 3, 70),
  ]);
  assert.equal(m?.runs, 2);
  assert.equal(m?.linesPerSecond, 200);
});

test('a shipper that always loses lines still gets medians, with its loss', () => {
  const m = caseMedians([runOf(100, 5, 50, { lost: 94 }), runOf(120, 5, 50, { lost: 96 })]);
  assert.equal(m?.runs, 2);
  assert.equal(m?.lost, 95);
  assert.equal(caseMedians([]), null);
});

const cases = [
  caseOf('gzip', 'kiver-kafkajs', 'kiver', [runOf(200_000, 4, 80)]),
  caseOf('gzip', 'rsyslog-resubmit', 'rsyslog', [runOf(180_000, 5, 130)]),
  caseOf('gzip', 'rsyslog-defaults', 'rsyslog', [runOf(190_000, 5, 100, { lost: 12 })]),
  caseOf('gzip', 'flume', 'flume', [runOf(80_000, 10, 480)]),
  caseOf('zstd', 'kiver-kafkajs', 'kiver', [runOf(250_000, 3, 70)]),
];

test('ratios compare kiver with rsyslog (no-loss configuration) and Flume in the same set only', () => {
  const t = ratioTable(cases);
  assert.deepEqual(Object.keys(t), ['gzip']);
  assert.deepEqual(t.gzip!['kiver-kafkajs']!.rsyslog, {
    linesPerSecond: 1.11,
    cpuSecondsPerMillionLines: 0.8,
    peakRssMb: 0.62,
  });
  assert.deepEqual(t.gzip!['kiver-kafkajs']!.flume, {
    linesPerSecond: 2.5,
    cpuSecondsPerMillionLines: 0.4,
    peakRssMb: 0.17,
  });
});

test('the tables have a row per case and per ratio', () => {
  const m = mediansTable(cases).split('\n');
  assert.equal(m.length, 2 + cases.length);
  assert.match(m[2]!, /^\| gzip \| kiver-kafkajs \| 1 \| 200,000 \| 40\.0 \| 4\.00 \| 80 \| 0 \| 0 \|$/);
  const r = ratiosTable(ratioTable(cases)).split('\n');
  assert.equal(r.length, 4);
  assert.match(r[2]!, /\| gzip \| kiver-kafkajs \| rsyslog \| 1\.11 \| 0\.80 \| 0\.62 \|/);
});

test('chart cases carry the medians of cases that have them', () => {
  const c = chartCases([...cases, caseOf('lz4', 'flume', 'flume', [])]);
  assert.equal(c.length, cases.length);
  assert.deepEqual(c[0], {
    label: 'kiver-kafkajs',
    set: 'gzip',
    family: 'kiver',
    linesPerSecond: 200_000,
    cpuSecondsPerMillionLines: 4,
    peakRssMb: 80,
  });
});
