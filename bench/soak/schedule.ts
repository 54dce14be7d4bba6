/**
 * The soak's fault schedule, a pure function of the seed and the run length: the same seed
 * replays the same faults at the same moments (`--seed`). The run's writing time is cut into
 * equal slots, one fault per slot, the kinds shuffled; within its slot a fault starts at a
 * random moment that leaves room for its hold time.
 */

export type FaultKind =
  'collector-kill' | 'worker-1-kill' | 'worker-2-kill' | 'broker-kill' | 'es-stop' | 'checkpoint-full';

export const FAULT_KINDS: readonly FaultKind[] = [
  'collector-kill',
  'worker-1-kill',
  'worker-2-kill',
  'broker-kill',
  'es-stop',
  'checkpoint-full',
];

export interface PlannedFault {
  kind: FaultKind;
  /** Milliseconds after the generator starts. */
  atMs: number;
  /** How long the fault lasts before recovery starts (a killed process stays dead this long). */
  holdMs: number;
}

/** mulberry32: a small, fast, seedable PRNG; quality is ample for picking moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hold times: a kill keeps the process dead for 1-5 s; ES freezes 30 s; the disk stays full 20 s. */
function holdFor(kind: FaultKind, random: () => number): number {
  switch (kind) {
    case 'es-stop':
      return 30_000;
    case 'checkpoint-full':
      return 20_000;
    case 'broker-kill':
      return 1000 + Math.floor(random() * 4000);
    case 'collector-kill':
    case 'worker-1-kill':
    case 'worker-2-kill':
      return 1000 + Math.floor(random() * 4000);
  }
}

/** Room a fault needs in its slot beyond its hold: the restart and the chain catching up. */
const RECOVERY_ROOM_MS = 20_000;
/** No fault in the first seconds (the chain settles) nor at the very end (it must recover). */
export const QUIET_START_MS = 15_000;
export const QUIET_END_MS = 30_000;

export interface ScheduleInput {
  seed: number;
  /** How long the generator writes. */
  durationMs: number;
}

/** One round of all six faults per started 5 minutes of writing, at least one round. */
export function faultSchedule({ seed, durationMs }: ScheduleInput): PlannedFault[] {
  const random = seededRandom(seed);
  const rounds = Math.max(1, Math.floor(durationMs / 300_000));
  const kinds: FaultKind[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = [...FAULT_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    kinds.push(...round);
  }
  const window = Math.max(0, durationMs - QUIET_START_MS - QUIET_END_MS);
  const slot = window / kinds.length;
  return kinds.map((kind, i) => {
    const holdMs = holdFor(kind, random);
    const slack = Math.max(0, slot - holdMs - RECOVERY_ROOM_MS);
    return { kind, atMs: Math.round(QUIET_START_MS + i * slot + random() * slack), holdMs };
  });
}
