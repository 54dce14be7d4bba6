/**
 * The results file's cases, their medians, the ratios kiver/peer, and the table printed at
 * the end (pure: the tests build these from made-up runs).
 */
import type { ChartCase } from './chart.js';
import type { RunResult } from './measure.js';
import type { Family } from './shippers/types.js';
import { medians, ratios, type Medians, type Ratios } from './stats.js';

export interface CaseResult {
  set: string;
  codec: string;
  variant: string;
  shipper: string;
  family: Family;
  label: string;
  settings: Record<string, unknown>;
  runs: RunResult[];
  /** Over the runs in which every line arrived (for a lossy shipper: over all its runs). */
  medians: Medians | null;
}

/** Medians over complete runs; a shipper that never completes gets medians over all its runs. */
export function caseMedians(runs: readonly RunResult[]): Medians | null {
  if (runs.length === 0) return null;
  const complete = runs.filter((r) => r.outcome === 'complete' && r.lost === 0);
  return medians(complete.length > 0 ? complete : runs);
}

/** What kiver is compared with: rsyslog's no-loss configuration and Flume. */
export const RATIO_PEERS: Readonly<Record<string, string>> = {
  rsyslog: 'rsyslog-resubmit',
  flume: 'flume',
};

export type RatioTable = Record<string, Record<string, Record<string, Ratios>>>;

/** ratios[set][kiver shipper id][peer] for every set where both ran. */
export function ratioTable(cases: readonly CaseResult[]): RatioTable {
  const out: RatioTable = {};
  for (const k of cases.filter((c) => c.family === 'kiver')) {
    for (const [peer, id] of Object.entries(RATIO_PEERS)) {
      const p = cases.find((c) => c.set === k.set && c.shipper === id);
      if (!p || !k.medians || !p.medians) continue;
      ((out[k.set] ??= {})[k.shipper] ??= {})[peer] = ratios(k.medians, p.medians);
    }
  }
  return out;
}

export function chartCases(cases: readonly CaseResult[]): ChartCase[] {
  return cases
    .filter((c) => c.medians !== null)
    .map((c) => ({
      label: c.label,
      set: c.set,
      family: c.family,
      linesPerSecond: c.medians!.linesPerSecond,
      cpuSecondsPerMillionLines: c.medians!.cpuSecondsPerMillionLines,
      peakRssMb: c.medians!.peakRssMb,
    }));
}

const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined
    ? '-'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table of the medians, one row per case. */
export function mediansTable(cases: readonly CaseResult[]): string {
  const rows = [
    '| set | shipper | runs | lines/s | MB/s | CPU-s per M lines | peak RSS MB | lost | duplicated |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of cases) {
    const m = c.medians;
    rows.push(
      `| ${c.set} | ${c.label} | ${m?.runs ?? 0} | ${fmt(m?.linesPerSecond)} | ${fmt(m?.mbPerSecond, 1)} | ${fmt(m?.cpuSecondsPerMillionLines, 2)} | ${fmt(m?.peakRssMb)} | ${fmt(m?.lost)} | ${fmt(m?.duplicated)} |`,
    );
  }
  return rows.join('\n');
}

/** A Markdown table of the ratios kiver/peer. */
export function ratiosTable(table: RatioTable): string {
  const rows = [
    '| set | kiver | vs | lines/s ratio | CPU-s/M ratio | peak RSS ratio |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [set, byKiver] of Object.entries(table)) {
    for (const [kiver, byPeer] of Object.entries(byKiver)) {
      for (const [peer, r] of Object.entries(byPeer)) {
        rows.push(
          `| ${set} | ${kiver} | ${peer} | ${fmt(r.linesPerSecond, 2)} | ${fmt(r.cpuSecondsPerMillionLines, 2)} | ${fmt(r.peakRssMb, 2)} |`,
        );
      }
    }
  }
  return rows.join('\n');
}
