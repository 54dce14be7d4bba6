/**
 * `npm run soak -- --minutes N [--rate 2000] [--seed S] [--keep] [--out FILE]
 * [--dir STACKDIR --kafka-port K --es-port E]`: the whole chain (one
 * collector, two workers, the real stack) under a steady log load while faults hit every part
 * at seeded random moments; then every written event is looked up in Elasticsearch and the
 * dead-letter topic. Exits 1 on any loss, duplicate or failed expectation, keeping the run
 * folder with every process's log.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createElasticsearchClient, createKafka } from '../../src/config/clients.js';
import { configFrom } from '../../src/config/index.js';
import { defaultStackDir, stackUp, type StackOptions } from '../../src/stack/index.js';
import { Chain, ROLES, chainConfig, createRunTopics, runSettings, type Role } from './chain.js';
import { CheckpointDisk } from './checkpoint-disk.js';
import { runFaults, type FaultContext } from './faults.js';
import { TreeWriter } from './generator.js';
import { ProbePoller } from './probes.js';
import { CATCH_UP_MS, formatSummary, outsideFaults, verdict, type UnexpectedExit } from './report.js';
import { MemorySampler } from './rss.js';
import { faultSchedule, seededRandom } from './schedule.js';
import { account, EventKind, summarizeDelays } from './seq-book.js';
import { readDeadLetters, tallyIndex } from './verify.js';
import { environment, waitForDrain } from './run-support.js';

const MAX_EVENT_BYTES = 256 * 1024;
const ROTATE_BYTES = 1024 * 1024;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '5' },
      rate: { type: 'string', default: '2000' },
      seed: { type: 'string' },
      keep: { type: 'boolean', default: false },
      dir: { type: 'string' },
      'kafka-port': { type: 'string' },
      'es-port': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  if (!(minutes > 0) || !(rate > 0)) throw new Error('--minutes and --rate must be positive numbers');
  const seed = values.seed === undefined ? randomInt(0, 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const stack: StackOptions = { dir: values.dir ?? defaultStackDir() };
  if (values['kafka-port']) {
    stack.kafkaPort = Number(values['kafka-port']);
    stack.kafkaControllerPort = stack.kafkaPort + 1;
  }
  if (values['es-port']) {
    stack.esPort = Number(values['es-port']);
    stack.esTransportPort = stack.esPort + 100;
  }
  return { minutes, rate, seed, keep: values.keep, stack, out: values.out };
}

const say = (line: string) => process.stdout.write(`soak: ${line}\n`);

function stackPids(dir: string): { kafka?: number; elasticsearch?: number } {
  try {
    const s = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      kafka?: { process: { pid: number } };
      elasticsearch?: { server?: { pid: number } };
    };
    return { kafka: s.kafka?.process.pid, elasticsearch: s.elasticsearch?.server?.pid };
  } catch {
    return {};
  }
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const durationMs = Math.round(args.minutes * 60_000);
  say(`seed ${args.seed} (replay with --seed ${args.seed}), ${args.minutes} min at ${args.rate} lines/s`);
  const stack = await stackUp({ ...args.stack, log: (l) => say(`stack: ${l}`) });
  const startEnvironment = environment(); // the commit and load the run started with
  const runId = Date.now().toString(36);
  const work = mkdtempSync(path.join(os.tmpdir(), `kiver-soak-${runId}-`));
  const disk = CheckpointDisk.prepare(path.join(work, 'checkpoints'));
  say(`run folder ${work}; checkpoint fault: ${disk.why}`);
  const settings = {
    ...runSettings('soak', runId, work, stack, disk.dir),
    collector: { max_event_bytes: MAX_EVENT_BYTES },
  };
  const root = settings.root;
  const config = configFrom(chainConfig(settings));
  const kafka = createKafka(config.kafka, 'soak');
  await createRunTopics(kafka, settings);
  const es = createElasticsearchClient(config.elasticsearch);
  const pattern = `logs-*-${settings.namespace}*`;
  const chain = await Chain.create(settings);
  const schedule = faultSchedule({ seed: args.seed, durationMs });
  const memory = new MemorySampler();
  const unexpected: UnexpectedExit[] = [];
  const faulted = new Set<Role>();
  const writer = new TreeWriter({
    root,
    linesPerSecond: args.rate,
    random: seededRandom(args.seed ^ 0x5eed),
    rotateBytes: ROTATE_BYTES,
    maxEventBytes: MAX_EVENT_BYTES,
    newFolderEverySec: 20,
    badInputs: true,
  });
  const probes = new ProbePoller(es, pattern, writer.book, 10);
  const stopProbes = new AbortController();
  let failures: string[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let writing: NodeJS.Timeout | undefined;
  try {
    for (const role of ROLES) await chain.start(role);
    say(
      `chain up: collector :${chain.metricsPort('collector')}, workers :${chain.metricsPort('worker-1')} :${chain.metricsPort('worker-2')}`,
    );
    const t0 = Date.now();
    sampler = setInterval(() => {
      memory.sample({
        collector: chain.pid('collector'),
        'worker-1': chain.pid('worker-1'),
        'worker-2': chain.pid('worker-2'),
        ...prefixed(stackPids(stack.dir)),
        soak: process.pid,
      });
      for (const role of ROLES) {
        if (faulted.has(role) || chain.pid(role) !== undefined) continue;
        const inc = [...chain.incarnations].reverse().find((i) => i.role === role);
        unexpected.push({ role, pid: inc?.pid ?? -1, at: new Date().toISOString(), exit: inc?.exit ?? '?' });
        say(`${role} exited by itself (${inc?.exit}); restarting it`);
        faulted.add(role);
        void chain
          .start(role)
          .catch((error: unknown) => say(`restarting ${role} failed: ${(error as Error).message}`))
          .finally(() => faulted.delete(role));
      }
    }, 2000);
    writing = setInterval(() => writer.tick(Date.now()), 100);
    const polling = probes.run(stopProbes.signal, 250);
    const ctx: FaultContext = { chain, stack: args.stack, disk, faulted, log: say };
    const stopFaults = new AbortController();
    const faultsDone = runFaults(ctx, schedule, t0, stopFaults.signal);
    await new Promise((r) => setTimeout(r, durationMs));
    clearInterval(writing);
    writer.close();
    say(
      `writing done: ${writer.stats.events} events, ${writer.stats.lines} lines; waiting for the last fault to recover`,
    );
    stopFaults.abort();
    const applied = await faultsDone;
    say('waiting for the chain to drain');
    const drain = await waitForDrain(es, pattern, probes, say);
    stopProbes.abort();
    await polling;
    clearInterval(sampler);

    const tagFor = (seq: number) => {
      const k = writer.book.kind(seq);
      return k === EventKind.InvalidUtf8
        ? '_invalid_utf8'
        : k === EventKind.OverLong
          ? '_truncated'
          : undefined;
    };
    const scan = await tallyIndex(es, pattern, writer.book.count, tagFor);
    const dlq = await readDeadLetters(kafka, settings.dlqTopic);
    const accounting = account(writer.book, scan.tally, dlq.seqs);
    const delay = summarizeDelays(probes.delaysMs());
    const quietDelay = summarizeDelays(probes.delaysMs((at) => outsideFaults(applied, at)));
    failures = verdict({
      accounting,
      faults: applied,
      plannedFaults: schedule.length,
      unexpectedExits: unexpected,
    });
    const date = new Date().toISOString().slice(0, 10);
    const resultsFile = path.resolve(args.out ?? path.join('bench/results', `soak-${date}.json`));
    const report = {
      kind: 'soak',
      startedAt: new Date(t0).toISOString(),
      passed: failures.length === 0,
      failures,
      settings: {
        minutes: args.minutes,
        linesPerSecond: args.rate,
        seed: args.seed,
        probeEvery: 10,
        rotateBytes: ROTATE_BYTES,
        maxEventBytes: MAX_EVENT_BYTES,
        checkpointFault: disk.why,
        topicPartitions: 4,
        config: chainConfig(settings),
      },
      generator: writer.stats,
      accounting,
      documentsScanned: scan.documents,
      badInputFlags: scan.flags,
      deadLettered: {
        records: dlq.records,
        byClass: dlq.byClass,
        sampleReasons: dlq.sampleReasons,
        seqs: dlq.seqs.size,
      },
      unknownDocumentSamples: scan.tally.unknownSamples,
      delay: {
        writtenToSearchable: delay,
        outsideFaults: quietDelay,
        catchUpMs: CATCH_UP_MS,
        probes: probes.stats,
        resolutionMs: 250,
      },
      drain,
      faults: applied,
      unexpectedExits: unexpected,
      incarnations: chain.incarnations,
      memory: memory.peaks,
      environment: {
        ...startEnvironment,
        loadAverageEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
      },
      runFolder: failures.length === 0 && !args.keep ? null : work,
    };
    writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      formatSummary({
        seed: args.seed,
        minutes: args.minutes,
        rate: args.rate,
        accounting,
        deadLettered: dlq,
        delay,
        quietDelay,
        faults: applied,
        memory: memory.peaks,
        failures,
        resultsFile,
      }),
    );
  } catch (error) {
    failures = [`the soak itself failed: ${(error as Error).stack ?? String(error)}`];
    say(failures[0]!);
  } finally {
    clearInterval(sampler);
    clearInterval(writing);
    stopProbes.abort();
    await chain.stopAll();
    disk.dispose(path.join(work, 'checkpoints-at-end'));
    if (failures.length === 0 && !args.keep)
      await dropRunData(es, kafka, pattern, [settings.topic, settings.dlqTopic]);
    await es.close();
    if (failures.length === 0 && !args.keep) rmSync(work, { recursive: true, force: true });
    else say(`kept the run folder with every process's log: ${work}`);
  }
  return failures.length === 0 ? 0 : 1;
}

/** A passed run leaves nothing behind in the stack (a failed one keeps all for the post-mortem). */
async function dropRunData(
  es: ReturnType<typeof createElasticsearchClient>,
  kafka: ReturnType<typeof createKafka>,
  pattern: string,
  topics: string[],
): Promise<void> {
  await es.indices
    .delete({ index: pattern, ignore_unavailable: true, allow_no_indices: true })
    .catch(() => undefined);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

function prefixed(p: { kafka?: number; elasticsearch?: number }): Record<string, number | undefined> {
  return { kafka: p.kafka, 'elasticsearch server': p.elasticsearch };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
