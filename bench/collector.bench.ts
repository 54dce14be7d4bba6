/**
 * Collector benchmark against the local Kafka (not a test).
 *
 *   npm run build && node --import tsx bench/collector.bench.ts [--lines 2000000] [--compression gzip|none]
 *        [--idle-files 10000] [--idle-dirs 1100] [--idle-seconds 30] [--large] [--no-profile]
 *        [--idle-only]
 *
 * `kiver collect` runs as a child process pinned to one core (`taskset -c 1`), acks=all, and
 * is observed from outside: /metrics (events Kafka acknowledged), /proc/<pid>/stat (utime +
 * stime) and /proc/<pid>/status (VmRSS, VmHWM).
 *
 * 1. throughput: a backlog of --lines lines of 200 bytes spread over 100 files, timed from
 *    the moment /metrics answers (the process is up) until Kafka acknowledged every line;
 * 2. a CPU profile (node --cpu-prof) of the same hot path on a smaller backlog, summarised
 *    as the top functions by self time;
 * 3. idle: --idle-files one-line files in about --idle-dirs folders, all read, then RSS and
 *    CPU over --idle-seconds; next to chokidar alone watching the same tree the default way
 *    (bench/collector-chokidar-idle.ts), measured in the same run;
 * 4. the time until a new file in a new folder 8 levels deep is acknowledged by Kafka.
 * --large repeats 3 and 4 with 50,000 files in about 5,400 folders.
 * Results go to bench/results/collector.json. --idle-only runs 3 and 4 alone; parts not run
 * (--idle-only, --no-throughput, --no-profile, --no-idle) keep their figures from the file,
 * and the idle figures record the date and commit they were measured at.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, metric } from '../test/helpers/local-port.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string' },
    'profile-lines': { type: 'string' },
    compression: { type: 'string' },
    'idle-files': { type: 'string' },
    'idle-dirs': { type: 'string' },
    'idle-seconds': { type: 'string' },
    large: { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    'no-idle': { type: 'boolean' },
    'no-throughput': { type: 'boolean' },
    'idle-only': { type: 'boolean' },
    out: { type: 'string' },
    'profile-out': { type: 'string' },
  },
});
if (values['idle-only']) {
  values['no-throughput'] = true;
  values['no-profile'] = true;
}
const LINES = Number(values.lines ?? 2_000_000);
const PROFILE_LINES = Number(values['profile-lines'] ?? 500_000);
const COMPRESSION = values.compression ?? 'gzip';
const IDLE_FILES = Number(values['idle-files'] ?? 10_000);
const IDLE_DIRS = Number(values['idle-dirs'] ?? 1100);
const IDLE_SECONDS = Number(values['idle-seconds'] ?? 30);
const FILES = 100;
const LINE_BYTES = 200;
const CORE = '1';
const brokers = (process.env.KIVER_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');
const repo = path.join(import.meta.dirname, '..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const work = mkdtempSync(path.join(os.tmpdir(), 'kiver-collector-bench-'));

// ---- observing a process from outside ---------------------------------------------------

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function memory(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(s)![1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | null | false>, timeoutMs: number, what: string, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'kiver-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

interface Collector {
  child: ChildProcess;
  port: number;
  pid: number;
}

let topicSeq = 0;
async function startCollector(root: string, nodeArgs: string[] = []): Promise<Collector> {
  const topic = `bench-collector-${Date.now().toString(36)}-${topicSeq++}`;
  await createTopic(topic, 3);
  const port = await freePort();
  const dir = mkdtempSync(path.join(work, 'run-'));
  const config = path.join(dir, 'kiver.yaml');
  writeFileSync(
    config,
    [
      'kafka:',
      `  brokers: [${brokers.join(', ')}]`,
      `  topic: ${topic}`,
      `  compression: ${COMPRESSION}`,
      'collector:',
      `  roots: [${root}]`,
      '  include: ["**/*.log"]',
      `  checkpoint_dir: ${path.join(dir, 'state')}`,
      'metrics:',
      `  listen: 127.0.0.1:${port}`,
      'log:',
      '  level: warn',
    ].join('\n'),
  );
  const child = spawn(
    'taskset',
    [
      '-c',
      CORE,
      process.execPath,
      ...nodeArgs,
      // The compiled build with the deployment's Node option (docker-compose.yml, the
      // Kubernetes manifest): no TypeScript loader in the figures.
      '--max-semi-space-size=2',
      'dist/src/cli/main.js',
      'collect',
      '--config',
      config,
    ],
    { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { child, port, pid: child.pid! };
}

async function stop(c: { child: ChildProcess }): Promise<void> {
  c.child.kill('SIGTERM');
  await exited(c.child);
}

// ---- 1. throughput ------------------------------------------------------------------------

function writeBacklog(root: string, lines: number): number {
  mkdirSync(root, { recursive: true });
  const perFile = Math.ceil(lines / FILES);
  let bytes = 0;
  for (let f = 0; f < FILES; f++) {
    const file = path.join(root, `svc-${f}.log`);
    writeFileSync(file, '');
    for (let from = 0; from < perFile; from += 10_000) {
      let text = '';
      for (let i = from; i < Math.min(perFile, from + 10_000); i++) {
        const head = `2024-05-01T10:00:00.${String(i % 1000).padStart(3, '0')}Z INFO [worker-${f}] c.e.Service - request ${i} served in ${i % 97} ms `;
        text += head.padEnd(LINE_BYTES - 1, 'x') + '\n';
      }
      writeFileSync(file, text, { flag: 'a' });
      bytes += Buffer.byteLength(text);
    }
  }
  return bytes;
}

interface Throughput {
  lines: number;
  bytes: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  cpuSecondsPerMillionLines: number;
  cpuUtilisation: number;
  peakRssMb: number;
}

async function throughput(lines: number, nodeArgs: string[] = []): Promise<Throughput> {
  const root = path.join(work, `backlog-${lines}-${topicSeq}`);
  const bytes = writeBacklog(root, lines);
  const total = Math.ceil(lines / FILES) * FILES;
  const c = await startCollector(root, nodeArgs);
  // The clock starts when the process answers /metrics: Node and the program are loaded.
  await until(
    () => metric(c.port, 'kiver_collector_files_watched').then((v) => v !== null),
    30_000,
    'up',
    10,
  );
  const t0 = performance.now();
  const cpu0 = cpuSeconds(c.pid);
  await until(
    async () => ((await metric(c.port, 'kiver_collector_events_acknowledged_total')) ?? 0) >= total,
    600_000,
    `${total} acknowledged`,
    250, // scraping /metrics costs the collector CPU too: not too often
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c.pid) - cpu0;
  const { hwm } = memory(c.pid);
  await stop(c);
  rmSync(root, { recursive: true, force: true });
  return {
    lines: total,
    bytes,
    seconds: round(seconds, 2),
    linesPerSecond: Math.round(total / seconds),
    mbPerSecond: round(bytes / seconds / 1e6, 1),
    cpuSecondsPerMillionLines: round((cpu / total) * 1e6, 2),
    cpuUtilisation: round(cpu / seconds, 2),
    peakRssMb: round(hwm / 2 ** 20, 1),
  };
}

// ---- 2. profile ---------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function summariseProfile(file: string, top = 20): { fn: string; selfPct: number; selfMs: number }[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]!)!;
    const dt = prof.timeDeltas[i] ?? 0;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(repo + '/', '');
    const where = url ? `${url.replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfPct: round((us / total) * 100, 1), selfMs: Math.round(us / 1000) }));
}

// ---- 3./4. idle and new deep file ------------------------------------------------------------

function buildTree(root: string, files: number, dirs: number): string[] {
  // Folders two levels deep: `top` folders with `sub` folders each, files in the leaves.
  const top = Math.max(1, Math.round(Math.sqrt(dirs / 11) * 1.0));
  const sub = Math.max(1, Math.round(dirs / top) - 1);
  const leaves: string[] = [];
  for (let t = 0; t < top; t++) for (let s = 0; s < sub; s++) leaves.push(path.join(root, `c${t}`, `s${s}`));
  for (const d of leaves) mkdirSync(d, { recursive: true });
  for (let i = 0; i < files; i++) {
    writeFileSync(path.join(leaves[i % leaves.length]!, `f${i}.log`), `idle file ${i}\n`);
  }
  return leaves;
}

function countDirs(root: string): number {
  let n = 1;
  for (const e of readdirSync(root, { withFileTypes: true }))
    if (e.isDirectory()) n += countDirs(path.join(root, e.name));
  return n;
}

interface IdleFigures {
  rssMb: number;
  peakRssMb: number;
  cpuPercentOfCore: number;
}

async function idleWindow(pid: number): Promise<IdleFigures> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let peak = 0;
  const end = Date.now() + IDLE_SECONDS * 1000;
  while (Date.now() < end) {
    peak = Math.max(peak, memory(pid).rss);
    await sleep(500);
  }
  const cpu = cpuSeconds(pid) - cpu0;
  const seconds = (performance.now() - t0) / 1000;
  return {
    rssMb: round(memory(pid).rss / 2 ** 20, 1),
    peakRssMb: round(peak / 2 ** 20, 1),
    cpuPercentOfCore: round((cpu / seconds) * 100, 2),
  };
}

interface IdleResult {
  files: number;
  dirs: number;
  initialReadSeconds: number;
  collector: IdleFigures;
  chokidarAlone: IdleFigures & { readySeconds: number };
  newDeepFileMs: number[];
}

async function idle(files: number, dirs: number): Promise<IdleResult> {
  const root = path.join(work, `tree-${files}`);
  buildTree(root, files, dirs);
  const realDirs = countDirs(root);

  const c = await startCollector(root);
  await until(
    () => metric(c.port, 'kiver_collector_files_watched').then((v) => v !== null),
    30_000,
    'up',
    10,
  );
  const t0 = performance.now();
  await until(
    async () => ((await metric(c.port, 'kiver_collector_events_acknowledged_total')) ?? 0) >= files,
    300_000,
    `${files} files read`,
    100,
  );
  const initialReadSeconds = round((performance.now() - t0) / 1000, 2);
  await sleep(3000); // the last checkpoint write, garbage collection
  const collector = await idleWindow(c.pid);

  // A new file in a new folder 8 levels deep: time until Kafka acknowledged its line.
  const newDeepFileMs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const before = (await metric(c.port, 'kiver_collector_events_acknowledged_total')) ?? 0;
    const dir = path.join(root, `c${k}`, `new${k}`, 'a', 'b', 'c', 'd', 'e', 'f', 'g');
    const t = performance.now();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'deep.log'), 'a deep line\n');
    await until(
      async () => ((await metric(c.port, 'kiver_collector_events_acknowledged_total')) ?? 0) > before,
      30_000,
      'deep file acknowledged',
      5,
    );
    newDeepFileMs.push(Math.round(performance.now() - t));
    await sleep(1000);
  }
  await stop(c);

  const ch = spawn('taskset', ['-c', CORE, process.execPath, 'dist/bench/collector-chokidar-idle.js', root], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tc = performance.now();
  await new Promise<void>((resolve) =>
    ch.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
  );
  const readySeconds = round((performance.now() - tc) / 1000, 2);
  await sleep(3000);
  const chokidarAlone = { ...(await idleWindow(ch.pid!)), readySeconds };
  ch.kill('SIGTERM');
  await exited(ch);
  rmSync(root, { recursive: true, force: true });
  return { files, dirs: realDirs, initialReadSeconds, collector, chokidarAlone, newDeepFileMs };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

// ---- run ----------------------------------------------------------------------------------

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo }).toString().trim(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  pinnedTo: `taskset -c ${CORE} (Kafka and Elasticsearch share the machine's ${os.cpus().length} cores)`,
  compression: COMPRESSION,
  acks: 'all',
  lineBytes: LINE_BYTES,
  files: FILES,
};
try {
  if (!values['no-throughput']) {
    const t = await throughput(LINES);
    results.throughput = t;
    console.log('\nthroughput (one core, acks=all, compression ' + COMPRESSION + ')');
    console.table([t]);
  }
  if (!values['no-profile']) {
    const profDir = path.join(work, 'prof');
    const t = await throughput(PROFILE_LINES, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    const top = file ? summariseProfile(path.join(profDir, file)) : [];
    if (file && values['profile-out']) copyFileSync(path.join(profDir, file), values['profile-out']);
    results.profile = { lines: t.lines, linesPerSecond: t.linesPerSecond, topSelf: top };
    console.log(
      `\nCPU profile (${t.lines} lines, ${t.linesPerSecond} lines/s under the profiler): top self time`,
    );
    console.table(top);
  }
  if (!values['no-idle']) {
    const sizes: [number, number][] = [[IDLE_FILES, IDLE_DIRS]];
    if (values.large) sizes.push([50_000, 5400]);
    const idles: IdleResult[] = [];
    for (const [files, dirs] of sizes) {
      const r = await idle(files, dirs);
      idles.push(r);
      console.log(`\nidle: ${r.files} files in ${r.dirs} folders, ${IDLE_SECONDS} s`);
      console.table({
        collector: { ...r.collector, readySeconds: r.initialReadSeconds },
        'chokidar alone': r.chokidarAlone,
      });
      console.log(
        `RSS collector - chokidar alone: ${round(r.collector.rssMb - r.chokidarAlone.rssMb, 1)} MB; ` +
          `new file in a new folder 8 deep, until acknowledged by Kafka: ${r.newDeepFileMs.join(', ')} ms`,
      );
    }
    results.idle = idles;
    results.idleMeasured = {
      date: results.date,
      commit: results.commit,
      seconds: IDLE_SECONDS,
      rescanIntervalMs: 'default (10000)',
    };
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const out = values.out ?? path.join(repo, 'bench', 'results', 'collector.json');
// Keep what this run did not measure (e.g. the throughput figures on --idle-only).
if (values['no-throughput'] || values['no-profile'] || values['no-idle']) {
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  } catch {
    // no previous results
  }
  const keep = (part: string, skipped: boolean | undefined) => {
    if (skipped && previous[part] !== undefined) results[part] = previous[part];
  };
  keep('throughput', values['no-throughput']);
  keep('profile', values['no-profile']);
  keep('idle', values['no-idle']);
  keep('idleMeasured', values['no-idle']);
  if (values['no-throughput']) {
    // date and commit describe the throughput figures; the idle ones carry their own.
    results.date = previous.date ?? results.date;
    results.commit = previous.commit ?? results.commit;
  }
}
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwritten to ${path.relative(repo, out)}`);
