/**
 * Normalizer throughput on one core against the local Elasticsearch (not a test).
 *
 *   node --import tsx bench/normalizer.bench.ts [--docs N] [--pipelines DIR]
 *
 * Two runs over the same events, each into its own namespace (so both really create):
 *  - ceiling: documents parsed beforehand, only serialised and sent through the bulk driver;
 *  - full:    Avro decode + pipelines + id + serialise + bulk, through processBatch exactly as
 *             the worker runs it (Kafka fetching is left out: it is the broker's cost, not ours).
 * The ratio full/ceiling is the figure (aim >= 80%). Results go to bench/results/normalizer.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { configFrom } from '../src/config/index.js';
import { processBatch } from '../src/normalizer/batch-processor.js';
import { documentId } from '../src/normalizer/ids.js';
import { targetIndex } from '../src/normalizer/index-naming.js';
import { BulkIndexer, prepareItem, RequestBuilder, type BulkItem } from '../src/normalizer/indexer/bulk.js';
import { createClient, ElasticsearchBulkTransport } from '../src/normalizer/indexer/es-transport.js';
import { setUpIndexing } from '../src/normalizer/indexer/setup.js';
import { createNormalizerMetrics } from '../src/normalizer/metrics.js';
import { loadPipelineSet } from '../src/normalizer/pipeline/index.js';
import type { Engine } from '../src/normalizer/pipeline-port.js';
import { silentLogger } from '../src/observability/logger.js';
import { createRegistry } from '../src/observability/metrics-server.js';
import { RawRecordCodec, type RawRecord } from '../src/schema/raw-record.js';

const { values } = parseArgs({ options: { docs: { type: 'string' }, pipelines: { type: 'string' } } });
const N = Number(values.docs ?? 60_000);
const config = configFrom({}, [
  `elasticsearch.url=${process.env.KIVER_ELASTICSEARCH__URL ?? 'http://127.0.0.1:9200'}`,
]);
const client = createClient(config.elasticsearch);
const logger = silentLogger();
const setup = await setUpIndexing(client, config.elasticsearch, logger);

async function engineFor(): Promise<{ engine: Engine; source: string }> {
  const dir = values.pipelines ?? 'pipelines';
  try {
    return { engine: await loadPipelineSet(dir), source: dir };
  } catch (error) {
    // The shipped pipelines may be mid-edit; the figure is about the worker, so fall back.
    process.stderr.write(
      `pipelines in ${dir} failed to load (${(error as Error).message.slice(0, 120)}); using generic only\n`,
    );
    const empty = path.join(os.tmpdir(), 'kiver-bench-empty-pipelines');
    mkdirSync(empty, { recursive: true });
    return { engine: await loadPipelineSet(empty), source: 'generic (built in)' };
  }
}
const { engine, source } = await engineFor();

const lines = [
  (i: number) =>
    `Nov 25 10:00:${String(i % 60).padStart(2, '0')} web${i % 9} sshd[${1000 + (i % 50)}]: Accepted publickey for deploy from 10.1.${i % 255}.7 port ${40000 + (i % 2000)} ssh2`,
  (i: number) =>
    `2026-11-25 10:00:01.${String(i % 1000).padStart(3, '0')} INFO  [main] c.k.svc.OrderService : order ${i} accepted in ${i % 97} ms`,
  (i: number) =>
    `{"level":"warn","ts":"2026-11-25T10:00:01.${String(i % 1000).padStart(3, '0')}Z","caller":"etcdserver/raft.go:${i % 900}","msg":"slow request","took":"${i % 300}ms","id":${i}}`,
  (i: number) =>
    `2026-11-25T10:00:01.${String(i % 1000).padStart(3, '0')}+0000 7f3a9c1f2700  1 osd.${i % 12} 1183 heartbeat_check: no reply from osd.${(i + 1) % 12} since back`,
];
const collectedAt = Date.parse('2026-11-25T10:00:05Z');
const runId = Date.now().toString(36);
function record(i: number, run: string): RawRecord {
  return {
    schema_version: 1,
    message: lines[i % lines.length]!(i),
    host: 'bench-host',
    path: `/app/log/c${i % 20}/app.log`,
    file: { dev: '1', inode: String(i % 20), fingerprint: `${runId}${run}` },
    offset: i * 200,
    length: 200,
    collected_at: collectedAt,
    fields: { container_id: `c${i % 20}` },
    flags: [],
  };
}

const n = config.normalizer;
const metrics = createNormalizerMetrics(createRegistry());
const newIndexer = (): BulkIndexer =>
  new BulkIndexer(new ElasticsearchBulkTransport(client), {
    maxBytes: n.bulk_max_bytes,
    maxDocs: n.bulk_max_docs,
    concurrency: n.bulk_concurrency,
    backoff: { initialMs: n.retry_initial_ms, maxMs: n.retry_max_ms },
    events: metrics,
  });
const created = new Set<string>();

async function ceiling(namespace: string): Promise<number> {
  const docs = Array.from({ length: N }, (_, i) => {
    const r = record(i, 'c');
    const out = engine.process({ ...r, collectedAt: r.collected_at, offset: r.offset });
    return {
      index: targetIndex(setup.mode, {
        dataset: out.dataset,
        namespace,
        timestamp: out.doc['@timestamp'],
        collectedAt,
      }),
      id: documentId(r),
      doc: out.doc,
    };
  });
  const indexer = newIndexer();
  const signal = new AbortController().signal;
  const started = performance.now();
  const builder = new RequestBuilder(n.bulk_max_bytes, n.bulk_max_docs);
  const all: Promise<unknown>[] = [];
  for (const [i, d] of docs.entries()) {
    created.add(d.index);
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

async function full(namespace: string): Promise<number> {
  const codec = new RawRecordCodec();
  const messages: KafkaMessage[] = Array.from({ length: N }, (_, i) => ({
    key: null,
    value: codec.encode(record(i, 'f')),
    headers: { ...codec.headers },
    offset: String(i),
    timestamp: String(collectedAt),
    attributes: 0,
  }));
  const indexer = newIndexer();
  const started = performance.now();
  // Batches the size a fetch of 8 MiB per partition would deliver for these events.
  const perBatch = 20_000;
  for (let i = 0; i < N; i += perBatch) {
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
      { topic: 'bench', partition: 0, messages: messages.slice(i, i + perBatch) },
      { signal: new AbortController().signal, progress: () => {}, shouldStop: () => false },
    );
    if (!s.complete) throw new Error('bench batch did not settle');
  }
  const rate = N / ((performance.now() - started) / 1000);
  return rate;
}

const nsCeiling = `bench${runId}c`;
const nsFull = `bench${runId}f`;
try {
  const c = await ceiling(nsCeiling);
  const f = await full(nsFull);
  for (const idx of (
    await client.cat.indices({ index: `logs-*-${nsFull}-*`, format: 'json', h: 'index' })
  ).map((r) => r.index!))
    created.add(idx);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    elasticsearch: setup.capabilities.version,
    mode: setup.mode,
    pipelines: source,
    documents: N,
    bulk: { max_docs: n.bulk_max_docs, max_bytes: n.bulk_max_bytes, concurrency: n.bulk_concurrency },
    raw_bulk_ceiling_docs_per_s: Math.round(c),
    parse_and_index_docs_per_s: Math.round(f),
    ratio: Number((f / c).toFixed(3)),
  };
  process.stdout.write(
    `raw _bulk ceiling:   ${result.raw_bulk_ceiling_docs_per_s} docs/s\nparse and index:     ${result.parse_and_index_docs_per_s} docs/s\nratio:               ${(result.ratio * 100).toFixed(1)}% (aim >= 80%)\n`,
  );
  mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'normalizer.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
} finally {
  for (const index of created) await client.indices.delete({ index }).catch(() => undefined);
  await client.close();
}
