/**
 * Applies the planned faults one after another against the running chain and stack, and
 * records what really happened (start, recovery, what the collector reported during a full
 * checkpoint disk). A fault that starts late because the previous one recovered slowly says so.
 */
import { stackKill, stackStart, type StackOptions } from '../../src/stack/index.js';
import type { Chain, Role } from './chain.js';
import { getJson, metricSum } from './chain.js';
import type { CheckpointDisk } from './checkpoint-disk.js';
import type { PlannedFault } from './schedule.js';

export interface CheckpointObservation {
  /** /healthz answered with checks.checkpoint.ok === false at least once during the fault. */
  healthCheckFailed: boolean;
  healthStatusCodes: number[];
  healthDetail: string | null;
  /** kiver_collector_checkpoint_write_errors_total before and at the end of the fault. */
  writeErrorsBefore: number | null;
  writeErrorsAfter: number | null;
  /** kiver_collector_checkpoint_writable was 0 at least once (null: the metric is absent). */
  writableZeroSeen: boolean | null;
  /** Events the collector had acknowledged at the start and the end: reading went on. */
  eventsAckedBefore: number | null;
  eventsAckedAfter: number | null;
  /** The check turned ok again after the disk had room, within 30 s. */
  recovered: boolean;
}

export interface AppliedFault extends PlannedFault {
  startedAt: string;
  /** Milliseconds after the generator started, as applied. */
  appliedAtMs: number;
  recoveredAt: string | null;
  recoveryMs: number | null;
  error: string | null;
  checkpoint?: CheckpointObservation;
}

export interface FaultContext {
  chain: Chain;
  stack: StackOptions;
  disk: CheckpointDisk;
  /** Roles the watchdog must not restart right now. */
  faulted: Set<Role>;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PREFIX = 'kiver_collector_';

interface HealthBody {
  status?: string;
  checks?: Record<string, { ok?: boolean; detail?: string }>;
  events_acknowledged?: number;
}

async function collectorHealth(port: number): Promise<{ status: number; body: HealthBody } | null> {
  const r = await getJson(port, '/healthz');
  return r ? { status: r.status, body: r.body as HealthBody } : null;
}

async function checkpointFault(ctx: FaultContext, holdMs: number): Promise<CheckpointObservation> {
  const port = ctx.chain.metricsPort('collector');
  const before = await collectorHealth(port);
  const obs: CheckpointObservation = {
    healthCheckFailed: false,
    healthStatusCodes: [],
    healthDetail: null,
    writeErrorsBefore: await metricSum(port, `${PREFIX}checkpoint_write_errors_total`),
    writeErrorsAfter: null,
    writableZeroSeen: null,
    eventsAckedBefore: before?.body.events_acknowledged ?? null,
    eventsAckedAfter: null,
    recovered: false,
  };
  ctx.disk.fill();
  const end = Date.now() + holdMs;
  while (Date.now() < end) {
    await sleep(1000);
    const h = await collectorHealth(port);
    if (h) {
      if (!obs.healthStatusCodes.includes(h.status)) obs.healthStatusCodes.push(h.status);
      const check = h.body.checks?.checkpoint;
      if (check?.ok === false) {
        obs.healthCheckFailed = true;
        obs.healthDetail = check.detail ?? null;
      }
      obs.eventsAckedAfter = h.body.events_acknowledged ?? obs.eventsAckedAfter;
    }
    const writable = await metricSum(port, `${PREFIX}checkpoint_writable`);
    if (writable !== null) obs.writableZeroSeen = (obs.writableZeroSeen ?? false) || writable === 0;
  }
  obs.writeErrorsAfter = await metricSum(port, `${PREFIX}checkpoint_write_errors_total`);
  ctx.disk.release();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const h = await collectorHealth(port);
    if (h?.body.checks?.checkpoint?.ok === true) {
      obs.recovered = true;
      break;
    }
    await sleep(500);
  }
  return obs;
}

async function killAndRestart(ctx: FaultContext, role: Role, holdMs: number): Promise<void> {
  ctx.faulted.add(role);
  try {
    await ctx.chain.kill(role, 'SIGKILL');
    await sleep(holdMs);
    await ctx.chain.start(role);
  } finally {
    ctx.faulted.delete(role);
  }
}

/** Runs one fault to its recovery. */
async function apply(ctx: FaultContext, fault: PlannedFault, out: AppliedFault): Promise<void> {
  switch (fault.kind) {
    case 'collector-kill':
      return killAndRestart(ctx, 'collector', fault.holdMs);
    case 'worker-1-kill':
      return killAndRestart(ctx, 'worker-1', fault.holdMs);
    case 'worker-2-kill':
      return killAndRestart(ctx, 'worker-2', fault.holdMs);
    case 'broker-kill':
      await stackKill('kafka', 'KILL', ctx.stack);
      await sleep(fault.holdMs);
      await stackStart('kafka', ctx.stack);
      return;
    case 'es-stop':
      await stackKill('elasticsearch', 'STOP', ctx.stack);
      try {
        await sleep(fault.holdMs);
      } finally {
        await stackKill('elasticsearch', 'CONT', ctx.stack);
      }
      return;
    case 'checkpoint-full':
      out.checkpoint = await checkpointFault(ctx, fault.holdMs);
      return;
  }
}

/** Applies the schedule relative to `t0`, one fault at a time; stops early when aborted. */
export async function runFaults(
  ctx: FaultContext,
  schedule: readonly PlannedFault[],
  t0: number,
  signal: AbortSignal,
): Promise<AppliedFault[]> {
  const applied: AppliedFault[] = [];
  for (const fault of schedule) {
    const wait = t0 + fault.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    if (signal.aborted) break;
    const started = Date.now();
    const out: AppliedFault = {
      ...fault,
      startedAt: new Date(started).toISOString(),
      appliedAtMs: started - t0,
      recoveredAt: null,
      recoveryMs: null,
      error: null,
    };
    applied.push(out);
    ctx.log(`fault ${fault.kind} at +${((started - t0) / 1000).toFixed(1)} s (hold ${fault.holdMs} ms)`);
    try {
      await apply(ctx, fault, out);
      const done = Date.now();
      out.recoveredAt = new Date(done).toISOString();
      out.recoveryMs = done - started;
      ctx.log(`fault ${fault.kind} recovered after ${((done - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      out.error = (error as Error).message;
      ctx.log(`fault ${fault.kind} failed: ${out.error}`);
    }
  }
  return applied;
}
