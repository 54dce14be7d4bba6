import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppliedFault, CheckpointObservation } from '../../../../bench/soak/faults.js';
import { formatSummary, outsideFaults, verdict } from '../../../../bench/soak/report.js';
import { EventKind, FoundTally, SeqBook, account } from '../../../../bench/soak/seq-book.js';

function clean() {
  const b = new SeqBook();
  b.next(0, EventKind.Normal);
  const f = new FoundTally(1);
  f.add(0);
  return account(b, f, new Set());
}

const goodCheckpoint: CheckpointObservation = {
  healthCheckFailed: true,
  healthStatusCodes: [503],
  healthDetail: 'ENOSPC: no space left on device',
  writeErrorsBefore: 0,
  writeErrorsAfter: 12,
  writableZeroSeen: true,
  eventsAckedBefore: 100,
  eventsAckedAfter: 5000,
  recovered: true,
};

function fault(kind: AppliedFault['kind'], extra: Partial<AppliedFault> = {}): AppliedFault {
  return {
    kind,
    atMs: 20_000,
    holdMs: 2000,
    startedAt: '2026-12-03T12:00:20.000Z',
    appliedAtMs: 20_000,
    recoveredAt: '2026-12-03T12:00:25.000Z',
    recoveryMs: 5000,
    error: null,
    ...extra,
  };
}

test('a clean run with every fault applied and the checkpoint contract kept passes', () => {
  const faults = [fault('collector-kill'), fault('checkpoint-full', { checkpoint: goodCheckpoint })];
  assert.deepEqual(verdict({ accounting: clean(), faults, plannedFaults: 2, unexpectedExits: [] }), []);
});

test('loss, duplicates, missing faults, fault errors and crashes each fail the run', () => {
  const b = new SeqBook();
  b.next(0, EventKind.Normal);
  b.next(1, EventKind.Normal);
  const f = new FoundTally(2);
  f.add(0);
  f.add(0);
  const failures = verdict({
    accounting: account(b, f, new Set()),
    faults: [fault('broker-kill', { error: 'Kafka was not ready' })],
    plannedFaults: 2,
    unexpectedExits: [{ role: 'worker-1', pid: 9, at: 'now', exit: 'code 1' }],
  });
  assert.equal(failures.length, 5, failures.join('\n'));
  assert.match(failures[0]!, /1 events lost \(first: 1\)/);
  assert.match(failures[1]!, /1 duplicate/);
  assert.match(failures[2]!, /only 1 of 2 faults/);
  assert.match(failures[3]!, /broker-kill .* failed: Kafka was not ready/);
  assert.match(failures[4]!, /worker-1 \(pid 9\) exited by itself/);
});

test('the checkpoint fault fails when health, metrics, reading or recovery do not show it', () => {
  const bad: CheckpointObservation = {
    ...goodCheckpoint,
    healthCheckFailed: false,
    writeErrorsAfter: 0,
    writableZeroSeen: null,
    eventsAckedAfter: 100,
    recovered: false,
  };
  const failures = verdict({
    accounting: clean(),
    faults: [fault('checkpoint-full', { checkpoint: bad })],
    plannedFaults: 1,
    unexpectedExits: [],
  });
  assert.equal(failures.length, 4, failures.join('\n'));
  const onlyGauge = verdict({
    accounting: clean(),
    faults: [fault('checkpoint-full', { checkpoint: { ...goodCheckpoint, writeErrorsAfter: 0 } })],
    plannedFaults: 1,
    unexpectedExits: [],
  });
  assert.deepEqual(onlyGauge, [], 'the gauge at 0 is enough when the counter did not move');
});

test('the summary names the seed, the counts, the delay, each fault and the verdict', () => {
  const text = formatSummary({
    seed: 42,
    minutes: 5,
    rate: 2000,
    accounting: clean(),
    deadLettered: { records: 0, byClass: {} },
    delay: { samples: 10, p50Ms: 800, p99Ms: 1900, maxMs: 31_000 },
    quietDelay: { samples: 8, p50Ms: 700, p99Ms: 1200, maxMs: 1300 },
    faults: [fault('es-stop', { holdMs: 30_000 })],
    memory: { collector: { peakHwmMb: 120 } },
    failures: [],
    resultsFile: 'bench/results/soak-x.json',
  });
  assert.match(text, /seed 42/);
  assert.match(text, /written 1 {2}indexed 1 {2}lost 0 {2}duplicated 0/);
  assert.match(text, /p99 1\.90 s {2}worst 31\.00 s/);
  assert.match(text, /outside faults and 30 s after each \(8 probes\): p50 0\.70 s {2}p99 1\.20 s/);
  assert.match(text, /es-stop +hold 30\.0 s, recovered in 5\.00 s/);
  assert.match(text, /collector 120 MiB/);
  assert.match(text, /PASS/);
});

test('a moment is outside the faults before each start and 30 s after each recovery', () => {
  const f = fault('es-stop'); // 12:00:20 to 12:00:25
  const at = (iso: string) => Date.parse(`2026-12-03T${iso}Z`);
  assert.equal(outsideFaults([f], at('12:00:19.999')), true);
  assert.equal(outsideFaults([f], at('12:00:20.000')), false);
  assert.equal(outsideFaults([f], at('12:00:55.000')), false, 'still catching up');
  assert.equal(outsideFaults([f], at('12:00:55.001')), true);
  assert.equal(
    outsideFaults([fault('broker-kill', { recoveredAt: null })], at('13:00:00')),
    false,
    'never recovered',
  );
});
