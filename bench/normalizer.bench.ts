/**
 * Normalizer throughput against the local Elasticsearch (not a test).
 *
 *   taskset -c 0 node --import tsx bench/normalizer.bench.ts [--docs N] [--runs R] [--pin-es] [--kafka]
 *
 * Every run indexes the same N raw records (bench/normalizer-records.ts) twice, each copy into
 * its own namespace (so both really create), in alternating order:
 *  - ceiling: the documents, parsed beforehand from those very records, only serialised and sent
 *             through the bulk driver (the most a worker could reach with free parsing);
 *  - full:    Avro decode + pipelines + id + serialise + bulk, through processBatch exactly as
 *             the worker runs it.
 * With --kafka a third figure: the records are produced to a fresh topic first, then a real
 * worker (startWorker) consumes them; the time runs from its first consumed record until the
 * last is indexed (group join left out). That is the operators' figure.
 * Before measuring, the engine and the bulk path are warmed up. Medians over the runs are
 * reported; the figure is full/ceiling (aim >= 90%). Records are v2 runs of --run-events
 * events of one file (default 512, as collectors write them; 1 = one event per record).
 * --pin-es moves Elasticsearch's JVM (all threads) to CPU 1 for the bench and restores its
 * affinity afterwards, so that the worker pinned to CPU 0 does not compete with it.
 * Results go to bench/results/normalizer.json (or --out).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { configFrom } from '../src/config/index.js';
import { processBatch } from '../src/normalizer/batch-run.js';
import { documentId } from '../src/normalizer/ids.js';
import { targetIndex } from '../src/normalizer/index-naming.js';
import { BulkIndexer, prepareItem, RequestBuilder, type BulkItem } from '../src/normalizer/indexer/bulk.js';
import { ElasticsearchBulkTransport } from '../src/normalizer/indexer/es-transport.js';
import { createElasticsearchClient } from '../src/config/clients.js';
import { setUpIndexing } from '../src/normalizer/indexer/setup.js';
import { createNormalizerMetrics } from '../src/normalizer/metrics.js';
import { loadPipelineSet } from '../src/normalizer/pipeline/index.js';
import { fetchBounds, startWorker } from '../src/normalizer/worker.js';
import { silentLogger } from '../src/observability/logger.js';
import { createRegistry } from '../src/observability/metrics-server.js';
import { RawRecordCodec, upgradeV1, type RawRecordV1 as RawRecord } from '../src/schema/raw-record.js';
import { packRuns } from '../test/helpers/runs.js';
import { benchRecord, collectedAt } from './normalizer-records.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    runs: { type: 'string' },
    pipelines: { type: 'string' },
    'pin-es': { type: 'boolean' },
    kafka: { type: 'boolean' },
    'run-events': { type: 'string' },
    out: { type: 'string' },
  },
});
const N = Number(values.docs ?? 40_000);
const RUNS = Number(values.runs ?? 3);
// Events per raw record, as collectors pack them (collector.record_max_events); 1 = v1-like.
const RUN_EVENTS = Number(values['run-events'] ?? 512);
const pipelinesDir = values.pipelines ?? 'pipelines';
const esUrl = process.env.KIVER_ELASTICSEARCH__URL ?? 'http://127.0.0.1:9200';
const brokers = (process.env.KIVER_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');
const config = configFrom({}, [`elasticsearch.url=${esUrl}`]);
const client = createElasticsearchClient(config.elasticsearch);
const logger = silentLogger();
const setup = await setUpIndexing(client, config.elasticsearch, logger);
const engine = await loadPipelineSet(pipelinesDir);
const codec = new RawRecordCodec();
const n = config.normalizer;
const metrics = createNormalizerMetrics(createRegistry());
const runId = Date.now().toString(36);
const fetchBytes = fetchBounds(n.bulk_max_bytes).maxBytesPerPartition;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// ---- Elasticsearch's CPU affinity (optional) ------------------------------------------------
function esPid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-f', 'org.elasticsearch.bootstrap.Elasticsearch'], {
      encoding: 'utf8',
    });
    return Number(out.trim().split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}
let restoreEs: (() => void) | undefined;
let esAffinity = 'not changed';
if (values['pin-es']) {
  const pid = esPid();
  if (pid === undefined) esAffinity = 'not changed (Elasticsearch process not found)';
  else {
    try {
      const before = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' })
        .trim()
        .split(': ')[1]!;
      execFileSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
      esAffinity = `pinned to CPU 1 (was mask ${before})`;
      restoreEs = () => execFileSync('taskset', ['-a', '-p', before, String(pid)], { stdio: 'ignore' });
    } catch (error) {
      esAffinity = `not changed (${(error as Error).message.slice(0, 80)})`;
    }
  }
}

// ---- the two in-process paths -----------------------------------------------------------------
const newIndexer = (): BulkIndexer =>
  new BulkIndexer(new ElasticsearchBulkTransport(client), {
    maxBytes: n.bulk_max_bytes,
    maxDocs: n.bulk_max_docs,
    concurrency: n.bulk_concurrency,
    backoff: { initialMs: n.retry_initial_ms, maxMs: n.retry_max_ms },
    events: metrics,
  });

function recordsFor(run: string): RawRecord[] {
  return Array.from({ length: N }, (_, i) => benchRecord(i, `${runId}${run}`));
}

/** Serialise + bulk only, for documents parsed beforehand from the same records. */
async function ceiling(records: RawRecord[], namespace: string): Promise<number> {
  const docs = records.map((r) => {
    const out = engine.process({
      message: r.message,
      path: r.path,
      host: r.host,
      collectedAt: r.collected_at,
      offset: r.offset,
      fields: r.fields,
      flags: r.flags,
    });
    const index = targetIndex(setup.mode, {
      dataset: out.dataset,
      namespace,
      timestamp: out.doc['@timestamp'],
      collectedAt: r.collected_at,
    });
    return { index, id: documentId(r.host, upgradeV1(r).file, r.offset), doc: out.doc };
  });
  const indexer = newIndexer();
  const signal = new AbortController().signal;
  const started = performance.now();
  const builder = new RequestBuilder(n.bulk_max_bytes, n.bulk_max_docs);
  const all: Promise<unknown>[] = [];
  for (const [i, d] of docs.entries()) {
    const full = builder.add(prepareItem(i, d.index, d.id, d.doc) as BulkItem);
    if (full) {
      await indexer.capacity();
      all.push(indexer.submit(full, signal));
    }
  }
  const rest = builder.flush();
  if (rest) all.push(indexer.submit(rest, signal));
  await Promise.all(all);
  return N / ((performance.now() - started) / 1000);
}

/** Decode + engine + id + serialise + bulk through processBatch, batches as a fetch delivers them. */
async function full(records: RawRecord[], namespace: string): Promise<number> {
  const messages: KafkaMessage[] = packRuns(records, RUN_EVENTS).map((run, i) => ({
    key: null,
    value: codec.encode(run),
    headers: { ...codec.headers },
    offset: String(i),
    timestamp: String(collectedAt),
    attributes: 0,
  }));
  const indexer = newIndexer();
  const started = performance.now();
  // Batches as one fetch delivers them: records up to the worker's per-partition fetch bound.
  const batches: KafkaMessage[][] = [];
  let bytes = Infinity;
  for (const m of messages) {
    const size = m.value?.length ?? 0;
    if (bytes + size > fetchBytes) {
      batches.push([]);
      bytes = 0;
    }
    batches[batches.length - 1]!.push(m);
    bytes += size;
  }
  for (const batch of batches) {
    const s = await processBatch(
      {
        codec,
        engine,
        indexer,
        deadLetters: { send: async () => true },
        events: metrics,
        mode: setup.mode,
        namespace,
        groupId: 'bench',
        maxBulkBytes: n.bulk_max_bytes,
        maxBulkDocs: n.bulk_max_docs,
      },
      { topic: 'bench', partition: 0, messages: batch },
      { signal: new AbortController().signal, progress: () => {}, shouldStop: () => false },
    );
    if (!s.complete) throw new Error('bench batch did not settle');
  }
  return N / ((performance.now() - started) / 1000);
}

// ---- Kafka: produce first, then a real worker consumes ----------------------------------------
async function viaKafka(records: RawRecord[], namespace: string): Promise<number> {
  const topic = `bench-norm-${runId}-${namespace}`;
  const kafka = new Kafka({ clientId: 'kiver-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  // 1000 records (~250 KiB) per send: under the broker's 1 MiB max.message.bytes, and each
  // record sent exactly once (the stride and the slice were 1000 and 5000: every record went
  // about five times, in ~1.2 MiB requests the broker refused with MESSAGE_TOO_LARGE).
  const runs = packRuns(records, RUN_EVENTS);
  const perSend = Math.max(1, Math.round(1000 / RUN_EVENTS));
  for (let i = 0; i < runs.length; i += perSend) {
    await producer.send({
      topic,
      messages: runs
        .slice(i, i + perSend)
        .map((run) => ({ value: codec.encode(run), headers: { ...codec.headers } })),
    });
  }
  await producer.disconnect();
  const registry = createRegistry();
  const worker = await startWorker(
    configFrom({}, [
      `kafka.brokers=${brokers.join(',')}`,
      `kafka.topic=${topic}`,
      `kafka.dlq_topic=${topic}-dlq`,
      `elasticsearch.url=${esUrl}`,
      `elasticsearch.namespace=${namespace}`,
      `normalizer.group_id=${topic}`,
      `normalizer.pipelines_dir=${pipelinesDir}`,
      'metrics.listen=',
    ]),
    { logger, registry, engine },
  );
  const total = async (name: string): Promise<number> =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((a, v) => a + v.value, 0);
  let started: number | undefined;
  const deadline = Date.now() + 600_000;
  try {
    for (;;) {
      if (started === undefined && (await total('kiver_normalizer_records_consumed_total')) > 0)
        started = performance.now();
      if ((await total('kiver_normalizer_documents_indexed_total')) >= N) break;
      if (Date.now() > deadline) throw new Error('kafka variant: not all documents indexed in 10 minutes');
      await new Promise((r) => setTimeout(r, 10));
    }
    return N / ((performance.now() - (started as number)) / 1000);
  } finally {
    await worker.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function dropNamespace(namespace: string): Promise<void> {
  const found = await client.cat.indices({ index: `logs-*-${namespace}*`, format: 'json', h: 'index' });
  for (const r of found) await client.indices.delete({ index: r.index! }).catch(() => undefined);
}

// ---- main -------------------------------------------------------------------------------------
const runs: Array<{ ceiling: number; full: number; kafka?: number }> = [];
try {
  // Warm-up: the JIT, the regex engine, the caches and the HTTP connections.
  const warm = recordsFor('w').slice(0, Math.min(N, 20_000));
  await full(warm, `bench${runId}w1`);
  await ceiling(warm, `bench${runId}w2`);
  await dropNamespace(`bench${runId}w`);
  for (let r = 0; r < RUNS; r++) {
    const records = recordsFor(`r${r}`);
    const nsC = `bench${runId}c${r}`;
    const nsF = `bench${runId}f${r}`;
    let c: number;
    let f: number;
    if (r % 2 === 0) {
      c = await ceiling(records, nsC);
      f = await full(records, nsF);
    } else {
      f = await full(records, nsF);
      c = await ceiling(records, nsC);
    }
    await dropNamespace(nsC);
    await dropNamespace(nsF);
    const run: (typeof runs)[number] = { ceiling: Math.round(c), full: Math.round(f) };
    if (values.kafka) {
      const nsK = `bench${runId}k${r}`;
      run.kafka = Math.round(await viaKafka(records, nsK));
      await dropNamespace(nsK);
    }
    runs.push(run);
    process.stderr.write(`run ${r}: ${JSON.stringify(run)}\n`);
  }
} finally {
  restoreEs?.();
  await client.close();
}

const c = median(runs.map((r) => r.ceiling));
const f = median(runs.map((r) => r.full));
const ratios = runs.map((r) => r.full / r.ceiling);
const k = values.kafka ? median(runs.map((r) => r.kafka as number)) : undefined;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  worker_affinity: (() => {
    try {
      return execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' })
        .trim()
        .split(': ')[1];
    } catch {
      return 'unknown';
    }
  })(),
  elasticsearch_affinity: esAffinity,
  elasticsearch: setup.capabilities.version,
  mode: setup.mode,
  pipelines: pipelinesDir,
  documents: N,
  events_per_record: RUN_EVENTS,
  batch_bytes: fetchBytes,
  load_average: os.loadavg().map((x) => Number(x.toFixed(2))),
  runs: RUNS,
  bulk: { max_docs: n.bulk_max_docs, max_bytes: n.bulk_max_bytes, concurrency: n.bulk_concurrency },
  raw_bulk_ceiling_docs_per_s: Math.round(c),
  parse_and_index_docs_per_s: Math.round(f),
  ratio: Number((f / c).toFixed(3)),
  ratio_median_of_runs: Number(median(ratios).toFixed(3)),
  ...(k !== undefined
    ? { kafka_to_index_docs_per_s: Math.round(k), kafka_ratio: Number((k / c).toFixed(3)) }
    : {}),
  per_run: runs,
};
const row = (label: string, value: string): string => `${label.padEnd(34)}${value}\n`;
process.stdout.write(
  row('median over runs', `${RUNS} runs x ${N} docs, ES ${esAffinity}`) +
    row('raw _bulk ceiling', `${result.raw_bulk_ceiling_docs_per_s} docs/s`) +
    row('parse and index (processBatch)', `${result.parse_and_index_docs_per_s} docs/s`) +
    row(
      'ratio',
      `${(result.ratio * 100).toFixed(1)}% (median of per-run ratios ${(result.ratio_median_of_runs * 100).toFixed(1)}%; aim >= 90%)`,
    ) +
    (k !== undefined
      ? row('Kafka -> worker -> index', `${Math.round(k)} docs/s (${((k / c) * 100).toFixed(1)}% of ceiling)`)
      : ''),
);
const out = values.out ?? path.join(import.meta.dirname, 'results', 'normalizer.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
