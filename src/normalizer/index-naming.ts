/**
 * Where a document goes: `logs-<dataset>-<namespace>` (a data stream), or in index mode the
 * same name with a UTC day suffix. The day comes from the event itself, never from the wall
 * clock, so a replayed event lands in the same index as its first copy and its deterministic
 * id dedupes it.
 */

export type IndexMode = 'data_stream' | 'index';

/** Events further in the past than this (relative to their collection time) are filed by collection day. */
export const MAX_EVENT_AGE_MS = 7 * 24 * 3600 * 1000;
/** Events further in the future than this are filed by collection day. */
export const MAX_EVENT_AHEAD_MS = 24 * 3600 * 1000;

/**
 * Data-stream naming rules (Elastic's "data stream naming scheme"): lower case, no `-` inside
 * dataset or namespace (it separates the parts), none of `\ / * ? " < > | , # :` or space, at
 * most 100 bytes each.
 */
export function sanitizeNamePart(value: string, fallback: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[\\/*?"<>|,#:\s-]+/g, '_')
    .replace(/^[_.+]+/, '');
  const bounded = Buffer.from(cleaned, 'utf8')
    .subarray(0, 100)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return bounded === '' ? fallback : bounded;
}

const streamNames = new Map<string, Map<string, string>>();

export function dataStreamName(dataset: string, namespace: string): string {
  // A handful of datasets and one namespace per worker: sanitise each pair once.
  let byDataset = streamNames.get(namespace);
  if (!byDataset) streamNames.set(namespace, (byDataset = new Map()));
  let name = byDataset.get(dataset);
  if (name === undefined) {
    name = `logs-${sanitizeNamePart(dataset, 'generic')}-${sanitizeNamePart(namespace, 'default')}`;
    if (byDataset.size > 10_000) byDataset.clear();
    byDataset.set(dataset, name);
  }
  return name;
}

/**
 * The UTC day an event is filed under in index mode. A wildly old or future timestamp (a
 * misparsed year, a clock at 1970) would otherwise create one index per bogus day and run the
 * node out of shards; such events are filed by their collection day instead. Both inputs come
 * from the record, so the choice is the same on every replay.
 */
export function indexDay(timestampMs: number | undefined, collectedAtMs: number): string {
  const ts =
    timestampMs !== undefined &&
    Number.isFinite(timestampMs) &&
    timestampMs >= collectedAtMs - MAX_EVENT_AGE_MS &&
    timestampMs <= collectedAtMs + MAX_EVENT_AHEAD_MS
      ? timestampMs
      : collectedAtMs;
  const day = Math.floor((Number.isFinite(ts) ? ts : 0) / DAY_MS);
  if (day === lastDay) return lastDayText;
  const d = new Date(day * DAY_MS);
  const pad = (n: number): string => String(n).padStart(2, '0');
  lastDayText = `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
  lastDay = day;
  return lastDayText;
}

const DAY_MS = 86_400_000;
let lastDay = NaN;
let lastDayText = '';

export interface Placement {
  dataset: string;
  namespace: string;
  timestamp: unknown;
  collectedAt: number;
}

export function targetIndex(mode: IndexMode, p: Placement): string {
  const base = dataStreamName(p.dataset, p.namespace);
  if (mode === 'data_stream') return base;
  const parsed =
    typeof p.timestamp === 'number'
      ? p.timestamp
      : typeof p.timestamp === 'string'
        ? Date.parse(p.timestamp)
        : NaN;
  const day = indexDay(Number.isNaN(parsed) ? undefined : parsed, p.collectedAt);
  // Consecutive documents mostly go to the same index: hand back the same string (no new
  // concatenation, and its hash is already computed for the bulk driver's lookups).
  if (base !== lastBase || day !== lastDayOfName) {
    lastBase = base;
    lastDayOfName = day;
    lastName = `${base}-${day}`;
  }
  return lastName;
}

let lastBase = '';
let lastDayOfName = '';
let lastName = '';
