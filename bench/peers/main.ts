/**
 * `npm run bench:peers`: kiver collect, Apache Flume 1.11 and rsyslog (imfile -> omkafka) on
 * the same generated backlog into the same local Kafka, one pinned core each, acks=all, the
 * same codec per set. See bench/peers/README.md.
 *
 *   npm run bench:peers -- [--lines 2000000] [--runs 3] [--sets gzip,lz4,zstd,gzip-rme1,lz4-rme1,gzip-tree]
 *        [--shippers kiver,flume,rsyslog,rsyslog-defaults] [--clients kafkajs,librdkafka]
 *        [--out bench/results/peers.json]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planTree, writeFlatBacklog, writePlannedFile } from './backlog.js';
import { BenchKafka, PARTITIONS } from './kafka.js';
import { measureRun, type RunResult } from './measure.js';
import { chartFor } from './render-chart.js';
import {
  caseMedians,
  mediansTable,
  ratioTable,
  ratiosTable,
  RATIO_PEERS,
  type CaseResult,
} from './results.js';
import {
  DEFAULT_CLIENTS,
  DEFAULT_SETS,
  DEFAULT_SHIPPERS,
  parseSet,
  recordMaxEvents,
  runsIn,
} from './sets.js';
import { FLUME_VERSION } from './shippers/flume-classpath.js';
import { flumeShipper } from './shippers/flume.js';
import { kiverShipper, type KiverClient } from './shippers/kiver.js';
import { rsyslogShipper, rsyslogVersion } from './shippers/rsyslog.js';
import type { Shipper } from './shippers/types.js';
import { LINE_BYTES } from './sequence.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    sets: { type: 'string', default: DEFAULT_SETS },
    shippers: { type: 'string', default: DEFAULT_SHIPPERS },
    clients: { type: 'string', default: DEFAULT_CLIENTS },
    files: { type: 'string', default: '10' },
    out: { type: 'string' },
    'stall-seconds': { type: 'string', default: '20' },
  },
});

const repo = path.join(import.meta.dirname, '..', '..');
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const FILES = Number(values.files);
const SETS = values.sets.split(',').map((s) => parseSet(s.trim()));
const WANTED = new Set(values.shippers.split(',').map((s) => s.trim()));
const CLIENTS = values.clients.split(',').map((s) => s.trim()) as KiverClient[];
const OUT = path.resolve(values.out ?? path.join(repo, 'bench', 'results', 'peers.json'));
const SVG = OUT.replace(/\.json$/, '') + '.svg';
const SHIPPER_CORE = '0';
const BENCH_CORE = '1';
const brokers = (process.env.KIVER_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const log = (line: string) =>
  console.error(`[bench:peers ${new Date().toISOString().slice(11, 19)}] ${line}`);

for (const c of CLIENTS) {
  if (c !== 'kafkajs' && c !== 'librdkafka') throw new Error(`unknown client '${c}' (kafkajs|librdkafka)`);
}
for (const s of WANTED) {
  if (!['kiver', 'flume', 'rsyslog', 'rsyslog-defaults'].includes(s)) {
    throw new Error(`unknown shipper '${s}' (kiver|flume|rsyslog|rsyslog-defaults)`);
  }
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '';
  }
}

/** The affinity mask of a process, in hex as taskset prints it, or null when it cannot be read. */
function affinity(pid: number): string | null {
  return /mask: ([0-9a-f]+)$/.exec(sh('taskset', ['-p', String(pid)]))?.[1] ?? null;
}

/**
 * The bench process (poller, reader, tree writer) and the broker on core 1; shippers on core 0.
 * The broker is shared: its affinity before the run is kept, to be put back afterwards.
 */
function pinCores(): {
  bench: boolean;
  kafkaPids: number[];
  kafkaPinned: boolean;
  kafkaAffinityBefore: Record<number, string>;
} {
  const bench = sh('taskset', ['-a', '-cp', BENCH_CORE, String(process.pid)]) !== '';
  const status = sh(process.execPath, [path.join(repo, 'dist/src/cli/main.js'), 'stack', 'status']);
  const m = /^kafka\s+\S+\s+([\d,]+)\s/m.exec(status);
  const kafkaPids = m ? m[1]!.split(',').map(Number) : [];
  const kafkaAffinityBefore: Record<number, string> = {};
  let kafkaPinned = kafkaPids.length > 0;
  for (const pid of kafkaPids) {
    const mask = affinity(pid);
    if (mask) kafkaAffinityBefore[pid] = mask;
    kafkaPinned = sh('taskset', ['-a', '-cp', BENCH_CORE, String(pid)]) !== '' && kafkaPinned;
  }
  return { bench, kafkaPids, kafkaPinned, kafkaAffinityBefore };
}

/** Puts the broker's threads back on the cores they had before the run. */
function unpinKafka(before: Record<number, string>): void {
  for (const [pid, mask] of Object.entries(before)) sh('taskset', ['-a', '-p', mask, pid]);
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    loadAverageStart: os.loadavg().map((x) => round(x, 2)),
    loadAverageEnd: null as number[] | null,
  };
}

function kafkaVersion(): string {
  const root = path.join(os.homedir(), '.cache', 'kiver', 'artifacts');
  for (const d of sh('ls', [root]).split('\n')) {
    if (!d.startsWith('kafka-')) continue;
    try {
      const jar = readdirSync(path.join(root, d, 'libs')).find((f) => /^kafka_2\.\d+-[\d.]+\.jar$/.test(f));
      if (jar) return jar.replace(/^kafka_2\.\d+-/, '').replace(/\.jar$/, '');
    } catch {
      // not an unpacked Kafka
    }
  }
  return 'unknown';
}

function versions() {
  const pkg = (name: string) => {
    try {
      return (
        JSON.parse(readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    kiver: `${(JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version} (${sh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])})`,
    node: process.version,
    kafkajs: pkg('kafkajs'),
    'lz4-napi': pkg('lz4-napi'),
    'zstd-napi': pkg('zstd-napi'),
    '@confluentinc/kafka-javascript': pkg('@confluentinc/kafka-javascript'),
    java: sh('sh', ['-c', 'java -version 2>&1 | head -1']),
    flume: FLUME_VERSION,
    rsyslog: rsyslogVersion(),
    'rsyslog-kafka': sh('dpkg-query', ['-W', '-f', '${Version}', 'rsyslog-kafka']),
    librdkafka1: sh('dpkg-query', ['-W', '-f', '${Version}', 'librdkafka1']),
    kafka: kafkaVersion(),
  };
}

async function main(): Promise<void> {
  const pins = pinCores();
  log(
    `pinned: bench on core ${BENCH_CORE} ${pins.bench}, kafka ${pins.kafkaPids.join(',')} on core ${BENCH_CORE} ${pins.kafkaPinned}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      unpinKafka(pins.kafkaAffinityBefore);
      process.exit(130);
    });
  }
  const kafka = new BenchKafka(brokers);
  const shippers: Shipper[] = [];
  const skipped: { shipper: string; reason: string }[] = [];
  if (WANTED.has('kiver')) for (const c of CLIENTS) shippers.push(kiverShipper(c));
  if (WANTED.has('flume')) shippers.push(flumeShipper(kafka, log));
  if (WANTED.has('rsyslog')) shippers.push(rsyslogShipper(kafka, 'resubmit'));
  if (WANTED.has('rsyslog-defaults')) shippers.push(rsyslogShipper(kafka, 'defaults'));
  const usable: Shipper[] = [];
  for (const s of shippers) {
    const why = await s.unavailable();
    if (why) {
      log(`skipping ${s.id}: ${why}`);
      skipped.push({ shipper: s.id, reason: why });
    } else usable.push(s);
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'kiver-bench-peers-'));
  const results = {
    benchmark: 'peers',
    generatedAt: new Date().toISOString(),
    command: `npm run bench:peers -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...machine(), pins: { benchCore: BENCH_CORE, shipperCore: SHIPPER_CORE, ...pins } },
    versions: versions(),
    settings: {
      lines: LINES,
      lineBytes: LINE_BYTES,
      files: FILES,
      partitions: PARTITIONS,
      runs: RUNS,
      sets: SETS.map((s) => s.name),
      shippers: usable.map((s) => s.id),
      clients: CLIENTS,
      ratiosAgainst: RATIO_PEERS,
      topics: `one fresh topic per run, ${PARTITIONS} partitions, message.timestamp.type=LogAppendTime, deleted after counting`,
      measured: [
        'wall: from spawning the shipper to the broker append time of the last line not seen before (all lines, or all that arrived)',
        'lines/s and MB/s: distinct lines delivered over wall; CPU-s per M lines: utime+stime(+children) of the process tree from /proc at the first 200 ms sample after that moment',
        'peak RSS: max of the tree VmRSS sum sampled every 200 ms and of its VmHWM sum',
        'records: records read back; events: lines found by decoding (kiver: Avro v2 runs; peers: one line per record); lost/duplicated by sequence number',
        'completion: Kafka end offsets (peers) or kiver_collector_events_acknowledged_total (kiver) polled once a second from core 1; a run stalls after --stall-seconds without progress',
      ],
      stallSeconds: Number(values['stall-seconds']),
    },
    skipped,
    cases: [] as CaseResult[],
    ratios: {} as ReturnType<typeof ratioTable>,
  };
  const save = () => {
    for (const c of results.cases) c.medians = caseMedians(c.runs);
    results.ratios = ratioTable(results.cases);
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
    writeFileSync(SVG, chartFor(results));
  };

  const flatDir = path.join(work, 'flat');
  const needsFlat = SETS.some((s) => s.variant !== 'tree');
  if (needsFlat) {
    log(`writing ${LINES.toLocaleString('en-US')} lines in ${FILES} files under ${flatDir}`);
    writeFlatBacklog(flatDir, LINES, FILES);
  }
  const stamp = Date.now().toString(36);
  try {
    for (const set of SETS) {
      const inSet = usable.filter((s) => runsIn(s.family, set));
      const cases = new Map<string, CaseResult>();
      for (const s of inSet) {
        const c: CaseResult = {
          set: set.name,
          codec: set.codec,
          variant: set.variant,
          shipper: s.id,
          family: s.family,
          label: s.label,
          settings: s.settings({ codec: set.codec, recordMaxEvents: recordMaxEvents(set) }),
          runs: [],
          medians: null,
        };
        cases.set(s.id, c);
        results.cases.push(c);
      }
      for (let run = 1; run <= RUNS; run++) {
        for (const s of inSet) {
          const runDir = mkdtempSync(path.join(work, `${s.id}-${set.name}-${run}-`));
          const root = set.variant === 'tree' ? path.join(runDir, 'tree') : flatDir;
          const plan = set.variant === 'tree' ? planTree(root, LINES) : null;
          let seq = 0;
          if (plan) plan.initial.forEach((p, i) => (seq = writePlannedFile(p, i, seq)));
          const topic = `bench-peers-${stamp}-${s.id}-${set.name}-${run}`;
          log(`${set.name} run ${run}/${RUNS}: ${s.id} -> ${topic}`);
          const r: RunResult = await measureRun(
            s,
            {
              topic,
              codec: set.codec,
              root,
              workDir: runDir,
              brokers,
              core: SHIPPER_CORE,
              recordMaxEvents: recordMaxEvents(set),
            },
            kafka,
            run,
            {
              expected: LINES,
              clockTicks: CLK_TCK,
              stallMs: Number(values['stall-seconds']) * 1000,
              timeoutMs: Math.max(180_000, (LINES / 5_000) * 1000),
              duringRun: plan
                ? async ({ stopped }) => {
                    // New folders and files while it runs, one every 250 ms.
                    for (const [i, p] of plan.steps.entries()) {
                      if (stopped()) break;
                      await new Promise((res) => setTimeout(res, 250));
                      seq = writePlannedFile(p, plan.initial.length + i, seq);
                    }
                  }
                : undefined,
            },
          );
          log(
            `  ${r.outcome}: ${r.linesPerSecond.toLocaleString('en-US')} lines/s, ${r.cpuSecondsPerMillionLines} CPU-s/M, ${r.peakRssMb} MB, ` +
              `${r.records} records, ${r.events} events, lost ${r.lost}, dup ${r.duplicated}, wall ${r.wallSeconds}s`,
          );
          if (r.logTail && r.outcome !== 'complete') log(`  log tail:\n${r.logTail}`);
          cases.get(s.id)!.runs.push(r);
          rmSync(runDir, { recursive: true, force: true });
          save();
        }
      }
    }
  } finally {
    results.machine.loadAverageEnd = os.loadavg().map((x) => round(x, 2));
    save();
    await kafka.close();
    unpinKafka(pins.kafkaAffinityBefore);
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `\nMedians (${LINES.toLocaleString('en-US')} lines, ${RUNS} runs; load ${results.machine.loadAverageStart.join(' ')} -> ${results.machine.loadAverageEnd!.join(' ')}):\n`,
  );
  console.log(mediansTable(results.cases));
  console.log('\nRatios kiver / peer (lines/s above 1 is faster; CPU and RSS below 1 is cheaper):\n');
  console.log(ratiosTable(results.ratios));
  console.log(`\nwrote ${path.relative(repo, OUT)} and ${path.relative(repo, SVG)}`);
}

await main();
