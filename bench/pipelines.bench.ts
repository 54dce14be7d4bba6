/**
 * Parse-only throughput per shipped pipeline: the pipeline's own test inputs, repeated to
 * N events, through PipelineSet.process() with the pipeline chosen by selection (as the
 * worker does). Prints a table and writes bench/results/pipelines.json. Not a test.
 *
 * Each figure is the median of RUNS timed loops (after a warm-up); pin it to one core:
 *
 *   taskset -c 0 node --import tsx bench/pipelines.bench.ts [N=20000] [RUNS=5]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipelineSet, defaultPipelinesDir } from '../src/normalizer/pipeline/index.js';

const perPipeline = Number(process.argv[2] ?? 20_000);
const RUNS = Number(process.argv[3] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const set = await loadPipelineSet(defaultPipelinesDir());
const report = set.runTests();
const results: Array<{
  pipeline: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  failed: number;
}> = [];

for (const pipeline of report.pipelines) {
  const inputs = pipeline.cases.map((c) =>
    String((c.doc['event'] as Record<string, unknown> | undefined)?.['original'] ?? ''),
  );
  const paths = pipeline.cases.map(
    (c) => (c.doc['log'] as { file?: { path?: string } } | undefined)?.file?.path,
  );
  if (inputs.length === 0) continue;
  const collectedAt = Date.parse('2024-05-01T10:00:00Z');
  // Warm up the regex engine and the caches.
  for (let i = 0; i < 2000; i++)
    set.process(
      { message: inputs[i % inputs.length] as string, path: paths[i % paths.length], collectedAt },
      { pipeline: pipeline.pipeline },
    );
  let failed = 0;
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    failed = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < perPipeline; i++) {
      const k = i % inputs.length;
      const out = set.process(
        { message: inputs[k] as string, path: paths[k], collectedAt, offset: i },
        { pipeline: pipeline.pipeline },
      );
      if (out.failed) failed++;
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const seconds = median(times);
  results.push({
    pipeline: pipeline.pipeline,
    events: perPipeline,
    seconds,
    eventsPerSecond: Math.round(perPipeline / seconds),
    failed,
  });
}

const selection = (() => {
  const all = report.pipelines.flatMap((p) =>
    p.cases.map((c) => String((c.doc['event'] as Record<string, unknown>)['original'])),
  );
  const collectedAt = Date.now();
  for (let i = 0; i < 2000; i++) set.process({ message: all[i % all.length] as string, collectedAt });
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perPipeline; i++)
      set.process({ message: all[i % all.length] as string, collectedAt });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const seconds = median(times);
  return {
    pipeline: '(mixed, selected by sniff)',
    events: perPipeline,
    seconds,
    eventsPerSecond: Math.round(perPipeline / seconds),
    failed: 0,
  };
})();
results.push(selection);

console.log(`${'pipeline'.padEnd(28)} ${'events/s'.padStart(10)} ${'events'.padStart(8)}`);
for (const r of results)
  console.log(
    `${r.pipeline.padEnd(28)} ${String(r.eventsPerSecond).padStart(10)} ${String(r.events).padStart(8)}`,
  );
const outDir = join(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'pipelines.json'),
  JSON.stringify(
    {
      node: process.version,
      date: new Date().toISOString(),
      perPipeline,
      runs: RUNS,
      statistic: 'median',
      results,
    },
    null,
    2,
  ) + '\n',
);
