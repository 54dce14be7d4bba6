/**
 * The soak's report: the verdict (what fails the run) and the printed summary, pure functions
 * of the run's figures so they are unit-tested on made-up runs.
 */
import type { AppliedFault } from './faults.js';
import type { Accounting, DelaySummary } from './seq-book.js';

export interface UnexpectedExit {
  role: string;
  pid: number;
  at: string;
  exit: string;
}

export interface VerdictInput {
  accounting: Accounting;
  faults: readonly AppliedFault[];
  plannedFaults: number;
  unexpectedExits: readonly UnexpectedExit[];
}

/** Every reason the run fails; empty when it passes. */
export function verdict(v: VerdictInput): string[] {
  const out: string[] = [];
  const a = v.accounting;
  if (a.lost > 0) out.push(`${a.lost} events lost (first: ${a.firstLost.slice(0, 5).join(', ')})`);
  if (a.duplicated > 0)
    out.push(`${a.duplicated} duplicate documents (first: ${a.firstDuplicated.slice(0, 5).join(', ')})`);
  if (v.faults.length < v.plannedFaults)
    out.push(`only ${v.faults.length} of ${v.plannedFaults} faults applied`);
  for (const f of v.faults) {
    if (f.error) out.push(`fault ${f.kind} at +${Math.round(f.appliedAtMs / 1000)} s failed: ${f.error}`);
    const c = f.checkpoint;
    if (!c) continue;
    if (!c.healthCheckFailed) out.push('checkpoint-full: /healthz never showed checks.checkpoint.ok=false');
    const grew =
      c.writeErrorsBefore !== null && c.writeErrorsAfter !== null && c.writeErrorsAfter > c.writeErrorsBefore;
    if (!grew && c.writableZeroSeen !== true)
      out.push(
        'checkpoint-full: neither checkpoint_write_errors_total grew nor checkpoint_writable showed 0',
      );
    if (!(
      c.eventsAckedAfter !== null &&
      c.eventsAckedBefore !== null &&
      c.eventsAckedAfter > c.eventsAckedBefore
    ))
      out.push('checkpoint-full: the collector did not go on reading (events_acknowledged did not grow)');
    if (!c.recovered)
      out.push('checkpoint-full: the checkpoint check did not turn ok again within 30 s of recovery');
  }
  for (const e of v.unexpectedExits)
    out.push(`${e.role} (pid ${e.pid}) exited by itself at ${e.at}: ${e.exit}`);
  return out;
}

/** How long after a fault's recovery the chain still counts as catching up. */
export const CATCH_UP_MS = 30_000;

/** True when `atMs` is outside every fault, from its start to CATCH_UP_MS after its recovery. */
export function outsideFaults(faults: readonly AppliedFault[], atMs: number): boolean {
  return faults.every((f) => {
    const start = Date.parse(f.startedAt);
    const end = f.recoveredAt ? Date.parse(f.recoveredAt) : Number.POSITIVE_INFINITY;
    return atMs < start || atMs > end + CATCH_UP_MS;
  });
}

const n = (x: number) => x.toLocaleString('en-US');
const ms = (x: number | null) => (x === null ? '-' : `${(x / 1000).toFixed(2)} s`);

export interface SummaryInput {
  seed: number;
  minutes: number;
  rate: number;
  accounting: Accounting;
  deadLettered: { records: number; byClass: Record<string, number> };
  delay: DelaySummary;
  /** Probes written outside any fault and its catching up. */
  quietDelay: DelaySummary;
  faults: readonly AppliedFault[];
  memory: Record<string, { peakHwmMb: number }>;
  failures: readonly string[];
  resultsFile: string;
}

export function formatSummary(s: SummaryInput): string {
  const a = s.accounting;
  const lines = [
    `soak: ${s.minutes} min at ${n(s.rate)} lines/s, seed ${s.seed}`,
    `  written ${n(a.written)}  indexed ${n(a.indexed)}  lost ${n(a.lost)}  duplicated ${n(a.duplicated)}  ` +
      `dead-lettered ${n(s.deadLettered.records)} ${JSON.stringify(s.deadLettered.byClass)}  unknown docs ${n(a.unknownDocuments)}`,
    `  delay written -> searchable (${n(s.delay.samples)} probes): p50 ${ms(s.delay.p50Ms)}  p99 ${ms(s.delay.p99Ms)}  worst ${ms(s.delay.maxMs)}`,
    `    outside faults and ${CATCH_UP_MS / 1000} s after each (${n(s.quietDelay.samples)} probes): p50 ${ms(s.quietDelay.p50Ms)}  p99 ${ms(s.quietDelay.p99Ms)}  worst ${ms(s.quietDelay.maxMs)}`,
    '  faults:',
    ...s.faults.map(
      (f) =>
        `    +${(f.appliedAtMs / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(16)} hold ${(f.holdMs / 1000).toFixed(1)} s, ` +
        (f.error ? `FAILED: ${f.error}` : `recovered in ${ms(f.recoveryMs)}`),
    ),
    `  peak RSS (VmHWM): ${Object.entries(s.memory)
      .map(([k, v]) => `${k} ${v.peakHwmMb} MiB`)
      .join(', ')}`,
    s.failures.length === 0 ? '  PASS' : `  FAIL:\n${s.failures.map((f) => `    - ${f}`).join('\n')}`,
    `  report: ${s.resultsFile}`,
  ];
  return `${lines.join('\n')}\n`;
}
