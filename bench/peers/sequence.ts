/**
 * The backlog's line format and the tally that finds lost and duplicated lines in Kafka.
 *
 * Every line is exactly LINE_BYTES bytes with its newline, and carries the number of its
 * file and a sequence number unique across the whole backlog:
 *
 *   f03 s0000123456 peers-bench xxxxxxxx...x\n
 *
 * so what comes back from Kafka (a line per record from the peers, runs of events from kiver)
 * is checked line by line, whatever the order.
 */

export const LINE_BYTES = 200;
const SEQ_DIGITS = 10;
const LINE_PATTERN = /^f(\d+) s(\d{10}) /;

/** One backlog line of LINE_BYTES bytes, newline included. */
export function formatLine(file: number, seq: number): string {
  const head = `f${String(file).padStart(2, '0')} s${String(seq).padStart(SEQ_DIGITS, '0')} peers-bench `;
  return head.padEnd(LINE_BYTES - 1, 'x') + '\n';
}

/** The sequence number of a line as a shipper delivered it (with or without its newline). */
export function parseSeq(line: string): number | null {
  const m = LINE_PATTERN.exec(line);
  return m ? Number(m[2]) : null;
}

export interface TallySummary {
  expected: number;
  /** Lines (events) found, duplicates included. */
  events: number;
  /** Distinct expected lines found. */
  distinct: number;
  lost: number;
  /** Copies beyond the first of a line. */
  duplicated: number;
  /** Events that are not backlog lines, or whose number is out of range. */
  unknown: number;
  /** Up to 10 lost sequence numbers, for a first look. */
  firstLost: number[];
}

/** Counts each expected sequence number 0..expected-1 as it is seen. */
export class SequenceTally {
  readonly #seen: Uint8Array;
  #events = 0;
  #distinct = 0;
  #duplicated = 0;
  #unknown = 0;

  constructor(readonly expected: number) {
    this.#seen = new Uint8Array(expected);
  }

  /** Records one delivered line; returns true when it is the first copy of an expected line. */
  add(line: string): boolean {
    this.#events++;
    const seq = parseSeq(line);
    if (seq === null || seq >= this.expected) {
      this.#unknown++;
      return false;
    }
    if (this.#seen[seq] === 0) {
      this.#seen[seq] = 1;
      this.#distinct++;
      return true;
    }
    this.#duplicated++;
    return false;
  }

  get distinct(): number {
    return this.#distinct;
  }

  summary(): TallySummary {
    const firstLost: number[] = [];
    if (this.#distinct < this.expected) {
      for (let i = 0; i < this.expected && firstLost.length < 10; i++)
        if (this.#seen[i] === 0) firstLost.push(i);
    }
    return {
      expected: this.expected,
      events: this.#events,
      distinct: this.#distinct,
      lost: this.expected - this.#distinct,
      duplicated: this.#duplicated,
      unknown: this.#unknown,
      firstLost,
    };
  }
}
