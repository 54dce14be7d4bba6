/**
 * Every metric the alert rules (deploy/prometheus/alerts.yml), the Grafana dashboard and the
 * docs (docs/operations.md, README.md) name exists on a running `kiver collect` and
 * `kiver normalize` (real Kafka and Elasticsearch), with the type the query needs (rate() of a
 * counter, histogram_quantile() of a histogram's buckets, a gauge otherwise) and every label
 * the queries select or group by. Traffic is driven so the labelled series exist: lines, one
 * longer than max_event_bytes (flag="truncated"), and one undecodable record (a dead letter).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureStack, waitFor } from '../helpers/stack.js';
import { freePort, metric } from '../helpers/local-port.js';
import { exited, scenario, startCollector, writeConfig, type Scenario } from './collector-harness.js';
import {
  createTopics,
  produce,
  settings,
  spawnWorker,
  testPipelinesDir,
  uniqueNames,
  type ChildWorker,
} from './normalizer-harness.js';
import { registeredMetrics } from '../helpers/registered-metrics.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
/** Labels Prometheus adds to every series (target labels) or that belong to a histogram. */
const TARGET_LABELS = new Set(['job', 'instance', 'le']);

interface Scraped {
  type: string;
  /** Label names seen on its samples (none when it has no series yet). */
  labels: Set<string>;
  samples: number;
}

/** Prometheus text -> metric family -> type and label names seen. */
function parseExposition(text: string, into: Map<string, Scraped>): void {
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      into.set(type[1]!, { type: type[2]!, labels: new Set(), samples: 0 });
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!sample) continue;
    const family = familyOf(sample[1]!, into);
    const entry = family ? into.get(family) : undefined;
    if (!entry) continue;
    entry.samples++;
    for (const m of (sample[2] ?? '').matchAll(/(\w+)="/g)) entry.labels.add(m[1]!);
  }
}

/** `x_bucket` / `x_count` / `x_sum` belong to histogram (or summary) `x`. */
function familyOf(name: string, known: Map<string, Scraped>): string | null {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && known.has(base) ? base : null;
}

interface Reference {
  name: string;
  where: string;
  /** The type the use requires, when the use tells. */
  needs: 'counter' | 'histogram' | 'gauge' | null;
  /** Labels its own selector matches on (`{flag="truncated"}`). */
  selected: string[];
  /** Labels the expression groups by: one of its metrics must carry each. */
  grouped: string[];
}

/** Metric names, their required type and the labels a PromQL expression uses on them. */
function referencesIn(expr: string, where: string): Reference[] {
  const out: Reference[] = [];
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!.split(',').map((l) => l.trim()),
  );
  for (const m of expr.matchAll(/\b(kiver_[a-z0-9_]*[a-z0-9])\b(\{[^}]*\})?/g)) {
    const name = m[1]!;
    const before = expr.slice(0, m.index).trimEnd();
    const inRangeFn = /\b(rate|increase|irate)\s*\($/.test(before);
    const needs = /_bucket$/.test(name)
      ? 'histogram'
      : /_total$/.test(name) || (inRangeFn && !/_(count|sum)$/.test(name))
        ? 'counter'
        : /\bderiv\s*\($/.test(before) || /_(up|reachable|writable|lag|lag_bytes)$/.test(name)
          ? 'gauge'
          : null;
    const selected = [...(m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!);
    out.push({ name, where, needs, selected, grouped });
  }
  return out;
}

function allReferences(): Reference[] {
  const refs: Reference[] = [];
  const rules = parse(read('deploy/prometheus/alerts.yml')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  for (const r of rules.groups.flatMap((g) => g.rules))
    refs.push(...referencesIn(r.expr, `alert ${r.alert}`));
  const dashboard = JSON.parse(read('deploy/grafana/kiver-logs.json')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  for (const p of dashboard.panels)
    for (const t of p.targets) refs.push(...referencesIn(t.expr, `dashboard panel ${p.title}`));
  for (const doc of ['docs/operations.md', 'README.md']) {
    for (const m of read(doc).matchAll(/\bkiver_[a-z0-9_]*[a-z0-9]\b(?![*_])/g)) {
      refs.push({ name: m[0], where: doc, needs: null, selected: [], grouped: [] });
    }
  }
  return refs;
}

/** Label names each metric declares (for the few labelled series no test traffic creates). */
async function declaredLabels(): Promise<Map<string, string[]>> {
  const { registry } = registeredMetrics();
  const out = new Map<string, string[]>();
  for (const m of registry.getMetricsAsArray()) {
    out.set(m.name, [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])]);
  }
  return out;
}

describe('metrics named by the alerts, the dashboard and the docs (real stack)', () => {
  let stack: { brokers: string[]; esUrl: string };
  let s: Scenario;
  let collector: ReturnType<typeof startCollector> | undefined;
  let worker: ChildWorker | undefined;
  const scraped = new Map<string, Scraped>();

  before(async () => {
    stack = await ensureStack();
    s = await scenario(stack.brokers, 'metrics');
    const names = { ...uniqueNames('metrics'), topic: s.topic };
    await createTopics(stack.brokers, [{ name: names.dlq, partitions: 1 }]);
    const collectorPort = await freePort();
    const workerPort = await freePort();
    writeFileSync(
      join(s.root, 'app.log'),
      Array.from({ length: 50 }, (_, i) => `KT info pid=${i} hello ${i}\n`).join('') +
        `KT warn pid=1 ${'x'.repeat(3000)}\nKT broken line\n`,
    );
    collector = startCollector(
      writeConfig(stack.brokers, s, ['max_event_bytes: 1024'], `127.0.0.1:${collectorPort}`),
    );
    worker = spawnWorker(
      settings(names, stack.brokers, stack.esUrl, testPipelinesDir(), [
        `metrics.listen=127.0.0.1:${workerPort}`,
      ]),
    );
    await waitFor(
      async () => ((await metric(collectorPort, 'kiver_collector_events_acknowledged_total')) ?? 0) >= 52,
      {
        timeoutMs: 30_000,
        message: 'the collector sent the lines',
      },
    );
    await produce(stack.brokers, s.topic, [{ raw: Buffer.from('not avro') }]);
    await waitFor(
      async () => /kiver_normalizer_dead_lettered_total\{[^}]*\} [1-9]/.test(await scrape(workerPort)),
      { timeoutMs: 60_000, message: `a dead letter\n${worker.output().slice(-2000)}` },
    );
    await waitFor(
      async () =>
        /kiver_normalizer_documents_indexed_total\{[^}]*\} (5[0-9]|[6-9]\d|\d{3,})/.test(
          await scrape(workerPort),
        ),
      { timeoutMs: 60_000, message: 'the lines indexed' },
    );
    parseExposition(await scrape(collectorPort), scraped);
    parseExposition(await scrape(workerPort), scraped);
  });

  after(async () => {
    worker?.proc.kill('SIGTERM');
    collector?.kill('SIGTERM');
    if (worker) await worker.exited;
    if (collector) await exited(collector);
    await s?.reader.stop();
  });

  test('every named metric exists, with the type its use needs and the labels it is queried by', async () => {
    const refs = allReferences();
    assert.ok(refs.filter((r) => r.where.startsWith('alert')).length >= 15, 'the rules are read');
    assert.ok(
      refs.some((r) => r.where === 'docs/operations.md'),
      'the guide names metrics',
    );
    const declared = await declaredLabels();
    const problems: string[] = [];
    const byDeclarationOnly = new Set<string>();
    /** Whether a metric carries a label: seen on its series, or declared when it has none yet. */
    const carries = (family: string, label: string): boolean => {
      const entry = scraped.get(family)!;
      if (entry.labels.has(label)) return true;
      if (entry.samples > 0 || !(declared.get(family) ?? []).includes(label)) return false;
      byDeclarationOnly.add(`${family}{${label}}`);
      return true;
    };
    for (const ref of refs) {
      const family = familyOf(ref.name, scraped);
      if (!family) {
        problems.push(`${ref.where}: ${ref.name} is not exposed by a running collector or worker`);
        continue;
      }
      const entry = scraped.get(family)!;
      if (ref.needs && entry.type !== ref.needs)
        problems.push(`${ref.where}: ${ref.name} is a ${entry.type}, used as a ${ref.needs}`);
      for (const label of ref.selected.filter((l) => !TARGET_LABELS.has(l)))
        if (!carries(family, label)) problems.push(`${ref.where}: ${ref.name} has no label '${label}'`);
      for (const label of ref.grouped.filter((l) => l && !TARGET_LABELS.has(l))) {
        const inExpr = refs.filter((r) => r.where === ref.where && r.grouped === ref.grouped);
        const families = inExpr.map((r) => familyOf(r.name, scraped)).filter((f): f is string => f !== null);
        if (!families.some((f) => carries(f, label)))
          problems.push(`${ref.where}: no metric of '${ref.name}...' has the label '${label}' it groups by`);
      }
    }
    if (byDeclarationOnly.size > 0)
      console.log(
        `# labels checked by declaration only (no series here): ${[...byDeclarationOnly].join(', ')}`,
      );
    assert.deepEqual(problems, []);
  });
});

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}
