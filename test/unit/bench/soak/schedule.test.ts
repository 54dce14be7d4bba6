import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FAULT_KINDS,
  QUIET_END_MS,
  QUIET_START_MS,
  faultSchedule,
  seededRandom,
} from '../../../../bench/soak/schedule.js';

test('the same seed gives the same schedule; another seed another one', () => {
  const a = faultSchedule({ seed: 42, durationMs: 300_000 });
  assert.deepEqual(faultSchedule({ seed: 42, durationMs: 300_000 }), a);
  assert.notDeepEqual(faultSchedule({ seed: 43, durationMs: 300_000 }), a);
});

test('five minutes: every fault kind once, in order, inside the quiet margins', () => {
  for (const seed of [1, 2, 3, 99, 2 ** 31 - 1]) {
    const s = faultSchedule({ seed, durationMs: 300_000 });
    assert.deepEqual([...s.map((f) => f.kind)].sort(), [...FAULT_KINDS].sort(), `seed ${seed}`);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]!.atMs > s[i - 1]!.atMs, 'sorted by time');
    assert.ok(s[0]!.atMs >= QUIET_START_MS);
    const last = s[s.length - 1]!;
    assert.ok(last.atMs + last.holdMs <= 300_000 - QUIET_END_MS + 20_000, `seed ${seed}: ends in time`);
    const es = s.find((f) => f.kind === 'es-stop')!;
    assert.equal(es.holdMs, 30_000, 'ES is frozen 30 s');
  }
});

test('thirty minutes: six rounds of the six faults', () => {
  const s = faultSchedule({ seed: 7, durationMs: 1_800_000 });
  assert.equal(s.length, 36);
  for (const kind of FAULT_KINDS) assert.equal(s.filter((f) => f.kind === kind).length, 6, kind);
});

test('the random source is deterministic and in [0, 1)', () => {
  const a = seededRandom(5);
  const b = seededRandom(5);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
});
