/** Medians over runs and the ratios kiver/peer that the targets are stated in. */

export function median(values: readonly number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** a / b rounded to 2 decimals, or null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The figures of one run that get a median. */
export interface RunFigures {
  linesPerSecond: number;
  mbPerSecond: number;
  cpuSecondsPerMillionLines: number;
  peakRssMb: number;
  lost: number;
  duplicated: number;
}

export type Medians = { [K in keyof RunFigures]: number | null } & { runs: number };

export function medians(runs: readonly RunFigures[]): Medians {
  const m = (k: keyof RunFigures) => median(runs.map((r) => r[k]));
  return {
    runs: runs.length,
    linesPerSecond: m('linesPerSecond'),
    mbPerSecond: m('mbPerSecond'),
    cpuSecondsPerMillionLines: m('cpuSecondsPerMillionLines'),
    peakRssMb: m('peakRssMb'),
    lost: m('lost'),
    duplicated: m('duplicated'),
  };
}

export interface Ratios {
  /** kiver's lines/s over the peer's: above 1 is faster. */
  linesPerSecond: number | null;
  /** kiver's CPU-seconds per million lines over the peer's: below 1 is cheaper. */
  cpuSecondsPerMillionLines: number | null;
  /** kiver's peak RSS over the peer's: below 1 is leaner. */
  peakRssMb: number | null;
}

export function ratios(kiver: Medians | undefined, peer: Medians | undefined): Ratios {
  return {
    linesPerSecond: ratio(kiver?.linesPerSecond, peer?.linesPerSecond),
    cpuSecondsPerMillionLines: ratio(kiver?.cpuSecondsPerMillionLines, peer?.cpuSecondsPerMillionLines),
    peakRssMb: ratio(kiver?.peakRssMb, peer?.peakRssMb),
  };
}
