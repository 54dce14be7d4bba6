/**
 * Writes the chart of a peers results file:
 *   node --import tsx bench/peers/render-chart.ts [bench/results/peers.json] [bench/results/peers.svg]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSvg } from './chart.js';
import { chartCases, type CaseResult } from './results.js';

export interface ResultsHeader {
  generatedAt: string;
  settings: { lines: number; runs: number };
  machine: { cpuModel: string; loadAverageStart: number[]; loadAverageEnd: number[] | null };
}

export function chartFor(results: ResultsHeader & { cases: CaseResult[] }): string {
  const m = results.machine;
  const subtitle = `${results.settings.lines.toLocaleString('en-US')} lines of 200 bytes, median of ${results.settings.runs} runs, one pinned core each, acks=all; ${m.cpuModel}; load ${m.loadAverageStart.join(' ')} -> ${(m.loadAverageEnd ?? []).join(' ')}; ${results.generatedAt}`;
  return renderSvg(chartCases(results.cases), 'kiver collect next to Apache Flume and rsyslog', subtitle);
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) {
  const repo = path.join(import.meta.dirname, '..', '..');
  const input = process.argv[2] ?? path.join(repo, 'bench', 'results', 'peers.json');
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  const results = JSON.parse(readFileSync(input, 'utf8')) as ResultsHeader & { cases: CaseResult[] };
  writeFileSync(output, chartFor(results));
  console.log(`wrote ${output}`);
}
