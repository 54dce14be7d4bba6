/**
 * CPU-only run of the worker path (Avro decode -> engine -> id -> serialise -> bulk driver)
 * against an in-memory `_bulk` transport that answers "all created". For profiling:
 *
 *   taskset -c 0 node --cpu-prof --cpu-prof-dir=/tmp/kprof --import tsx bench/normalizer-profile.ts [--docs N] [--run-events 512] [--out bench/results/normalizer-profile.json]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { processBatch } from '../src/normalizer/batch-run.js';
import { BulkIndexer, type BulkResponse, type BulkTransport } from '../src/normalizer/indexer/bulk.js';
import { createNormalizerMetrics } from '../src/normalizer/metrics.js';
import { loadPipelineSet } from '../src/normalizer/pipeline/index.js';
import { createRegistry } from '../src/observability/metrics-server.js';
import { RawRecordCodec } from '../src/schema/raw-record.js';
import { packRuns } from '../test/helpers/runs.js';
import { benchRecord, collectedAt } from './normalizer-records.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    runs: { type: 'string' },
    'run-events': { type: 'string' },
    out: { type: 'string' },
  },
});
const N = Number(values.docs ?? 60_000);
const runs = Number(values.runs ?? 3);
// Events per raw record, as collectors pack them (collector.record_max_events).
const RUN_EVENTS = Number(values['run-events'] ?? 512);
const engine = await loadPipelineSet('pipelines');
const codec = new RawRecordCodec();
const metrics = createNormalizerMetrics(createRegistry());

class NullTransport implements BulkTransport {
  bytes = 0;
  async send(body: string): Promise<BulkResponse> {
    this.bytes += body.length;
    return { errors: false };
  }
}

const perRun: { docsPerSecond: number; cpuMicrosecondsPerDoc: number }[] = [];
for (let run = 0; run < runs; run++) {
  const records = Array.from({ length: N }, (_, i) => benchRecord(i, `p${run}`));
  const messages: KafkaMessage[] = packRuns(records, RUN_EVENTS).map((r, i) => ({
    key: null,
    value: codec.encode(r),
    headers: { ...codec.headers },
    offset: String(i),
    timestamp: String(collectedAt),
    attributes: 0,
  }));
  const transport = new NullTransport();
  const indexer = new BulkIndexer(transport, {
    maxBytes: 5 * 1024 * 1024,
    maxDocs: 2000,
    concurrency: 2,
    backoff: { initialMs: 100, maxMs: 1000 },
    events: metrics,
  });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const perBatch = Math.max(1, Math.round(20_000 / RUN_EVENTS));
  for (let i = 0; i < messages.length; i += perBatch) {
    await processBatch(
      {
        codec,
        engine,
        indexer,
        deadLetters: { send: async () => true },
        events: metrics,
        mode: 'index',
        namespace: 'prof',
        groupId: 'prof',
        maxBulkBytes: 5 * 1024 * 1024,
        maxBulkDocs: 2000,
      },
      { topic: 'prof', partition: 0, messages: messages.slice(i, i + perBatch) },
      { signal: new AbortController().signal, progress: () => {}, shouldStop: () => false },
    );
  }
  const s = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / N;
  perRun.push({ docsPerSecond: Math.round(N / s), cpuMicrosecondsPerDoc: Number(cpuUs.toFixed(2)) });
  process.stdout.write(
    `run ${run}: ${Math.round(N / s)} docs/s wall, ${cpuUs.toFixed(1)} µs CPU/doc (${Math.round(1e6 / cpuUs)} docs/s per CPU-second), ${(transport.bytes / N).toFixed(0)} B/doc\n`,
  );
}

// The first run includes the JIT's warm-up; the figure is the median of the others.
const warm = perRun
  .slice(1)
  .map((r) => r.cpuMicrosecondsPerDoc)
  .sort((a, b) => a - b);
const median = warm.length > 0 ? warm[Math.floor(warm.length / 2)]! : perRun[0]!.cpuMicrosecondsPerDoc;
process.stdout.write(`median CPU per document after the first run: ${median} µs\n`);
if (values.out) {
  writeFileSync(
    values.out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        load_average: os.loadavg().map((x) => Number(x.toFixed(2))),
        documents: N,
        events_per_record: RUN_EVENTS,
        transport: 'in-memory, answers all created',
        per_run: perRun,
        median_cpu_us_per_doc_after_warm_up: median,
      },
      null,
      2,
    ) + '\n',
  );
}
