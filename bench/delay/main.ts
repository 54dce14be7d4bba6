/**
 * `npm run bench:delay [-- --rates 1000,10000 --seconds 60]`: the delay from a line written to
 * the line searchable, at fixed rates, through one collector and two workers on the real stack
 * (refresh interval as shipped), and the same split into hops:
 *   written -> collected (the record's collected_at: the collector read it),
 *   collected -> in Kafka (an independent consumer sees the record: acknowledged, acks=all),
 *   in Kafka -> searchable (the workers consume, build, _bulk; then the index refresh),
 * plus the workers' own histogram of collected -> accepted by _bulk (before the refresh).
 * Writes bench/results/delay.json. Runs under flock /tmp/kiver-bench.lock (see package.json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createElasticsearchClient, createKafka } from '../../src/config/clients.js';
import { configFrom } from '../../src/config/index.js';
import { defaultStackDir, stackUp, type StackUpResult } from '../../src/stack/index.js';
import { Chain, ROLES, chainConfig, createRunTopics, runSettings } from '../soak/chain.js';
import { TreeWriter } from '../soak/generator.js';
import { ProbePoller } from '../soak/probes.js';
import { environment, waitForDrain } from '../soak/run-support.js';
import { seededRandom } from '../soak/schedule.js';
import { summarizeDelays, type DelaySummary } from '../soak/seq-book.js';
import { KafkaHopObserver } from './kafka-hop.js';

const WARMUP_MS = 5000;
const POLL_MS = 100;
const say = (line: string) => process.stdout.write(`delay: ${line}\n`);

interface RateResult {
  linesPerSecond: number;
  measuredSeconds: number;
  eventsWritten: number;
  linesWritten: number;
  probeEvery: number;
  writtenToSearchable: DelaySummary;
  hops: { writtenToCollected: DelaySummary; collectedToKafka: DelaySummary; kafkaToSearchable: DelaySummary };
  /** The workers' kiver_normalizer_end_to_end_delay_seconds (collected -> accepted by _bulk), summed. */
  workerCollectedToIndexedBuckets: Record<string, number>;
  drainMs: number;
}

async function histogram(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^kiver_normalizer_end_to_end_delay_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm,
  )) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function measureRate(stack: StackUpResult, rate: number, seconds: number): Promise<RateResult> {
  const runId = `${Date.now().toString(36)}r${rate}`;
  const work = mkdtempSync(path.join(os.tmpdir(), `kiver-delay-${runId}-`));
  const settings = runSettings('delay', runId, work, stack);
  const config = configFrom(chainConfig(settings));
  const kafka = createKafka(config.kafka, 'delay-bench');
  await createRunTopics(kafka, settings);
  const es = createElasticsearchClient(config.elasticsearch);
  const pattern = `logs-*-${settings.namespace}*`;
  const chain = await Chain.create(settings);
  const probeEvery = Math.max(1, Math.round(rate / 200)); // ~200 probes a second
  const hops = new KafkaHopObserver(kafka, settings.topic, probeEvery);
  const writer = new TreeWriter({
    root: settings.root,
    linesPerSecond: rate,
    random: seededRandom(rate),
    rotateBytes: Number.MAX_SAFE_INTEGER,
    maxEventBytes: 256 * 1024,
    newFolderEverySec: 0,
    badInputs: false,
  });
  const probes = new ProbePoller(es, pattern, writer.book, probeEvery);
  const stopProbes = new AbortController();
  try {
    for (const role of ROLES) await chain.start(role);
    await hops.start();
    say(`${rate} lines/s: chain up, writing ${WARMUP_MS / 1000} s warm-up + ${seconds} s`);
    const polling = probes.run(stopProbes.signal, POLL_MS);
    const t0 = Date.now();
    const writing = setInterval(() => writer.tick(Date.now()), 50);
    await new Promise((r) => setTimeout(r, WARMUP_MS + seconds * 1000));
    clearInterval(writing);
    writer.close();
    const drain = await waitForDrain(es, pattern, probes, say);
    stopProbes.abort();
    await polling;
    const buckets: Record<string, number> = {};
    for (const role of ['worker-1', 'worker-2'] as const) {
      for (const [le, v] of Object.entries(await histogram(chain.metricsPort(role))))
        buckets[le] = (buckets[le] ?? 0) + v;
    }
    const measured = (seq: number) => writer.book.writtenAt(seq) >= t0 + WARMUP_MS;
    const total: number[] = [];
    const read: number[] = [];
    const produce: number[] = [];
    const index: number[] = [];
    for (const [seq, visible] of probes.visibleAt) {
      if (!measured(seq)) continue;
      const written = writer.book.writtenAt(seq);
      total.push(visible - written);
      const h = hops.hops.get(seq);
      if (!h) continue;
      read.push(h.collectedAt - written);
      produce.push(h.inKafkaAt - h.collectedAt);
      index.push(visible - h.inKafkaAt);
    }
    return {
      linesPerSecond: rate,
      measuredSeconds: seconds,
      eventsWritten: writer.stats.events,
      linesWritten: writer.stats.lines,
      probeEvery,
      writtenToSearchable: summarizeDelays(total),
      hops: {
        writtenToCollected: summarizeDelays(read),
        collectedToKafka: summarizeDelays(produce),
        kafkaToSearchable: summarizeDelays(index),
      },
      workerCollectedToIndexedBuckets: buckets,
      drainMs: drain.waitedMs,
    };
  } finally {
    stopProbes.abort();
    await hops.stop().catch(() => undefined);
    await chain.stopAll();
    await es.indices
      .delete({ index: pattern, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => undefined);
    await es.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const s = (d: DelaySummary) =>
  `p50 ${((d.p50Ms ?? NaN) / 1000).toFixed(2)} s  p99 ${((d.p99Ms ?? NaN) / 1000).toFixed(2)} s  max ${((d.maxMs ?? NaN) / 1000).toFixed(2)} s`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rates: { type: 'string', default: '1000,10000' },
      seconds: { type: 'string', default: '60' },
      dir: { type: 'string' },
      'kafka-port': { type: 'string' },
      'es-port': { type: 'string' },
      out: { type: 'string', default: 'bench/results/delay.json' },
    },
    strict: true,
  });
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const kafkaPort = values['kafka-port'] ? Number(values['kafka-port']) : undefined;
  const esPort = values['es-port'] ? Number(values['es-port']) : undefined;
  const stack = await stackUp({
    dir: values.dir ?? defaultStackDir(),
    ...(kafkaPort ? { kafkaPort, kafkaControllerPort: kafkaPort + 1 } : {}),
    ...(esPort ? { esPort, esTransportPort: esPort + 100 } : {}),
  });
  const env = environment();
  const results: RateResult[] = [];
  for (const rate of rates) {
    const r = await measureRate(stack, rate, seconds);
    results.push(r);
    say(
      `${rate} lines/s: written -> searchable ${s(r.writtenToSearchable)} (${r.writtenToSearchable.samples} probes)`,
    );
    say(`  written -> collected ${s(r.hops.writtenToCollected)}`);
    say(`  collected -> in Kafka ${s(r.hops.collectedToKafka)}`);
    say(`  in Kafka -> searchable ${s(r.hops.kafkaToSearchable)}`);
  }
  const out = {
    kind: 'end-to-end delay',
    date: new Date().toISOString(),
    settings: {
      seconds,
      warmupSeconds: WARMUP_MS / 1000,
      pollIntervalMs: POLL_MS,
      topicPartitions: 4,
      workers: 2,
      refreshInterval: 'as shipped (the normalizer index template; Elasticsearch default 1 s)',
      collector: 'defaults (batch_linger_ms 50, record_max_events 512, kafka.client auto)',
      // taskset in the npm script; the chain's processes inherit it (the stack's JVMs do not).
      cpusAllowed:
        /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null,
    },
    ...env,
    loadAverageEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    results,
  };
  writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`);
  say(`results in ${values.out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`delay: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
