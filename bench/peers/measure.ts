/**
 * One timed run of one shipper: a fresh topic, the shipper started on its core, its process
 * tree sampled every 200 ms, Kafka's progress polled once a second until every line is there
 * (or nothing moved for a while), the shipper stopped, then every record read back and every
 * line counted by its sequence number.
 *
 * Times come from the topic itself: its records carry the broker's LogAppendTime, so the
 * moment the last new line arrived is known to the millisecond whatever the poll period.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { FINGERPRINT_HEADER, RawRecordCodec } from '../../src/schema/raw-record.js';
import type { BenchKafka } from './kafka.js';
import { sampleTree, type TreeSample } from './proc.js';
import { LINE_BYTES, SequenceTally, type TallySummary } from './sequence.js';
import type { Running, RunContext, Shipper } from './shippers/types.js';
import { stopProcess } from './shippers/process.js';
import { round } from './stats.js';

export interface RunResult {
  run: number;
  topic: string;
  startedAt: string;
  loadAverageAtStart: number[];
  outcome: 'complete' | 'stalled' | 'timeout' | 'exited';
  exit: number | string;
  /** From the start of the process to the broker's append of the last new line. */
  wallSeconds: number;
  /** From the start of the process to the first record in Kafka. */
  firstRecordSeconds: number | null;
  linesPerSecond: number;
  mbPerSecond: number;
  /** Lines per second from the first record in Kafka to the last new line: start-up left out. */
  linesPerSecondAfterFirstRecord: number | null;
  cpuSeconds: number;
  /** CPU-seconds over wall seconds: 1 is a whole core. */
  cpuUtilisation: number;
  cpuSecondsPerMillionLines: number;
  peakRssMb: number;
  /** Highest sum of VmRSS over the tree among the 200 ms samples. */
  sampledPeakRssMb: number;
  records: number;
  decodeErrors: number;
  /** Events (lines) found by decoding every record. */
  events: number;
  lost: number;
  duplicated: number;
  unknown: number;
  distinct: number;
  firstLost: number[];
  logTail?: string;
}

export interface MeasureOptions {
  expected: number;
  clockTicks: number;
  /** Give up when the shipper's progress has not moved for this long. */
  stallMs: number;
  timeoutMs: number;
  /** Called once the shipper was started (the tree case writes its new files from here). */
  duringRun?: (signal: { stopped: () => boolean }) => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function waitForDelivery(
  running: Running,
  opts: MeasureOptions,
  t0: number,
): Promise<{ outcome: RunResult['outcome']; exit: number | string | null }> {
  let exit: number | string | null = null;
  void running.spawned.exited.then((code) => (exit = code));
  let last = -1;
  let lastMoved = Date.now();
  for (;;) {
    await sleep(1000); // at most one look at Kafka (or /metrics) a second
    if (exit !== null) return { outcome: 'exited', exit };
    const n = (await running.progress()) ?? 0;
    if (n >= opts.expected) return { outcome: 'complete', exit };
    if (n !== last) {
      last = n;
      lastMoved = Date.now();
    } else if (Date.now() - lastMoved > opts.stallMs && Date.now() - t0 > opts.stallMs) {
      return { outcome: 'stalled', exit };
    }
    if (Date.now() - t0 > opts.timeoutMs) return { outcome: 'timeout', exit };
  }
}

export async function measureRun(
  shipper: Shipper,
  ctx: RunContext,
  kafka: BenchKafka,
  run: number,
  opts: MeasureOptions,
): Promise<RunResult> {
  await kafka.createTopic(ctx.topic);
  const loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const running = await shipper.start(ctx);
  const samples: TreeSample[] = [];
  const sample = () => {
    try {
      samples.push(sampleTree(running.spawned.pid, opts.clockTicks));
    } catch {
      // the process is gone
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  let stopped = false;
  const writer = opts.duringRun?.({ stopped: () => stopped }) ?? Promise.resolve();
  let waited: Awaited<ReturnType<typeof waitForDelivery>>;
  try {
    waited = await waitForDelivery(running, opts, t0);
  } finally {
    stopped = true;
    clearInterval(timer);
  }
  await writer;
  sample(); // the last reading while it still runs: VmHWM covers the whole run
  const exit = waited.exit ?? (await stopProcess(running.spawned));

  // Read back every record and count the lines in it.
  const tally = new SequenceTally(opts.expected);
  const codec = shipper.records === 'kiver-avro' ? new RawRecordCodec() : null;
  let decodeErrors = 0;
  let lastNewAt = 0;
  let firstAt = Infinity;
  const records = await kafka.readAll(ctx.topic, (value, headers, appendedAt) => {
    if (appendedAt < firstAt) firstAt = appendedAt;
    let fresh = false;
    if (codec) {
      try {
        for (const e of codec.decode(value, headers[FINGERPRINT_HEADER]).events)
          fresh = tally.add(e.message) || fresh;
      } catch {
        decodeErrors++;
      }
    } else {
      fresh = tally.add(value ? value.toString('utf8') : '');
    }
    if (fresh && appendedAt > lastNewAt) lastNewAt = appendedAt;
  });
  await kafka.deleteTopic(ctx.topic);
  const t: TallySummary = tally.summary();

  const wallSeconds = lastNewAt > 0 ? (lastNewAt - t0) / 1000 : (Date.now() - t0) / 1000;
  // CPU until the last new line arrived: the first sample at or after it (200 ms apart).
  const upTo = samples.find((s) => s.at >= lastNewAt) ?? samples[samples.length - 1];
  const cpuSeconds = upTo?.cpuSeconds ?? 0;
  const sampledPeak = Math.max(0, ...samples.map((s) => s.rssBytes));
  const hwm = Math.max(0, ...samples.map((s) => s.hwmBytes));
  const lines = t.distinct;
  return {
    run,
    topic: ctx.topic,
    startedAt,
    loadAverageAtStart,
    outcome: waited.outcome,
    exit,
    wallSeconds: round(wallSeconds, 3),
    firstRecordSeconds: Number.isFinite(firstAt) ? round((firstAt - t0) / 1000, 3) : null,
    linesPerSecond: Math.round(lines / wallSeconds),
    mbPerSecond: round((lines * LINE_BYTES) / wallSeconds / 1e6, 2),
    linesPerSecondAfterFirstRecord:
      Number.isFinite(firstAt) && lastNewAt > firstAt
        ? Math.round(lines / ((lastNewAt - firstAt) / 1000))
        : null,
    cpuSeconds: round(cpuSeconds, 2),
    cpuUtilisation: round(cpuSeconds / wallSeconds, 2),
    cpuSecondsPerMillionLines: lines > 0 ? round((cpuSeconds / lines) * 1e6, 2) : 0,
    peakRssMb: round(Math.max(sampledPeak, hwm) / 2 ** 20, 1),
    sampledPeakRssMb: round(sampledPeak / 2 ** 20, 1),
    records,
    decodeErrors,
    events: t.events,
    lost: t.lost,
    duplicated: t.duplicated,
    unknown: t.unknown,
    distinct: t.distinct,
    firstLost: t.firstLost,
    ...(waited.outcome === 'complete' && t.lost === 0 ? {} : { logTail: tail(running.logFile) }),
  };
}
