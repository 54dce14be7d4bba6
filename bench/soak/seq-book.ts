/**
 * Sequence bookkeeping: what was written (time and kind per sequence number), what came back
 * from Elasticsearch and the dead-letter topic, and the verdict (lost, duplicated). Pure data
 * structures, so the accounting is unit-tested apart from any service.
 */

export enum EventKind {
  Normal = 0,
  StackTrace = 1,
  InvalidUtf8 = 2,
  OverLong = 3,
}

/** Growable arrays of write time and kind, indexed by sequence number 0..count-1. */
export class SeqBook {
  #at = new Float64Array(1 << 16);
  #kind = new Uint8Array(1 << 16);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** Takes the next sequence number for an event written at `atMs`. */
  next(atMs: number, kind: EventKind): number {
    if (this.#count === this.#at.length) {
      const at = new Float64Array(this.#at.length * 2);
      at.set(this.#at);
      this.#at = at;
      const kinds = new Uint8Array(this.#kind.length * 2);
      kinds.set(this.#kind);
      this.#kind = kinds;
    }
    this.#at[this.#count] = atMs;
    this.#kind[this.#count] = kind;
    return this.#count++;
  }

  markKind(seq: number, kind: EventKind): void {
    this.#kind[seq] = kind;
  }

  writtenAt(seq: number): number {
    return this.#at[seq]!;
  }

  kind(seq: number): EventKind {
    return this.#kind[seq] as EventKind;
  }
}

/** Copies of each sequence number found in the index (saturating at 255). */
export class FoundTally {
  readonly #copies: Uint8Array;
  /** Documents that carry no sequence token, or one outside 0..expected-1. */
  unknown = 0;
  readonly unknownSamples: unknown[] = [];

  constructor(readonly expected: number) {
    this.#copies = new Uint8Array(expected);
  }

  add(seq: number | null, sample?: unknown): void {
    if (seq === null || !Number.isInteger(seq) || seq < 0 || seq >= this.expected) {
      this.unknown++;
      if (this.unknownSamples.length < 10 && sample !== undefined) this.unknownSamples.push(sample);
      return;
    }
    if (this.#copies[seq]! < 255) this.#copies[seq]! += 1;
  }

  copies(seq: number): number {
    return this.#copies[seq]!;
  }
}

export interface KindCount {
  written: number;
  indexed: number;
  deadLettered: number;
}

export interface Accounting {
  written: number;
  /** Distinct sequence numbers with at least one document. */
  indexed: number;
  /** Documents beyond the first of a sequence number. */
  duplicated: number;
  /** Sequence numbers in neither the index nor the dead-letter topic. */
  lost: number;
  /** Sequence numbers only in the dead-letter topic. */
  deadLetteredOnly: number;
  unknownDocuments: number;
  firstLost: number[];
  firstDuplicated: number[];
  byKind: Record<keyof typeof EventKind, KindCount>;
}

/** The verdict over every written sequence number. */
export function account(book: SeqBook, found: FoundTally, deadLettered: ReadonlySet<number>): Accounting {
  const byKind = {
    Normal: { written: 0, indexed: 0, deadLettered: 0 },
    StackTrace: { written: 0, indexed: 0, deadLettered: 0 },
    InvalidUtf8: { written: 0, indexed: 0, deadLettered: 0 },
    OverLong: { written: 0, indexed: 0, deadLettered: 0 },
  };
  const out: Accounting = {
    written: book.count,
    indexed: 0,
    duplicated: 0,
    lost: 0,
    deadLetteredOnly: 0,
    unknownDocuments: found.unknown,
    firstLost: [],
    firstDuplicated: [],
    byKind,
  };
  for (let seq = 0; seq < book.count; seq++) {
    const k = byKind[EventKind[book.kind(seq)] as keyof typeof EventKind];
    k.written++;
    const copies = seq < found.expected ? found.copies(seq) : 0;
    const dead = deadLettered.has(seq);
    if (dead) k.deadLettered++;
    if (copies > 0) {
      out.indexed++;
      k.indexed++;
      if (copies > 1) {
        out.duplicated += copies - 1;
        if (out.firstDuplicated.length < 20) out.firstDuplicated.push(seq);
      }
    } else if (dead) {
      out.deadLetteredOnly++;
    } else {
      out.lost++;
      if (out.firstLost.length < 20) out.firstLost.push(seq);
    }
  }
  return out;
}

/** The q-quantile (0..1) of the values, nearest rank; null when there are none. */
export function quantile(sorted: Float64Array | number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface DelaySummary {
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarizeDelays(delaysMs: number[]): DelaySummary {
  const sorted = Float64Array.from(delaysMs).sort();
  const r = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    samples: sorted.length,
    p50Ms: r(quantile(sorted, 0.5)),
    p99Ms: r(quantile(sorted, 0.99)),
    maxMs: r(quantile(sorted, 1)),
  };
}
