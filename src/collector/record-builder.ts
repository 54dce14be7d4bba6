/**
 * Turns events into Kafka records: consecutive events of one file, in file order, are written
 * into one run (schema v2) until the run reaches `record_max_events` or `record_max_bytes`,
 * or the read pass over that file ends (`close`), so a quiet file's line never waits for
 * company. An event larger than the byte cap travels alone.
 *
 * One run is open at a time: the collector reads one file at a time and closes the run when
 * the pass ends, and a file whose header changes (a rename, a truncation) starts a new run.
 * When a run closes, its end offset is registered with the file's acknowledgement tracker,
 * so the checkpoint advances only once Kafka acknowledged this record and every earlier one
 * of the file.
 */
import { RunWriter } from '../schema/run-encoder.js';
import type { AckTicket } from './ack-tracker.js';
import type { FileTailer } from './file-tailer.js';

export interface RecordLimits {
  maxEvents: number;
  /** Bytes of events per record (their encoded text and coordinates). */
  maxBytes: number;
}

/** A closed run, ready for the producer. */
export interface ClosedRun {
  tail: FileTailer;
  value: Buffer;
  events: number;
  ticket: AckTicket;
}

export class RecordBuilder {
  readonly #limits: RecordLimits;
  readonly #send: (run: ClosedRun) => void;
  readonly #now: () => number;
  readonly #writer = new RunWriter();
  #tail: FileTailer | null = null;
  #stamp = -1;
  #endOffset = 0;

  constructor(limits: RecordLimits, send: (run: ClosedRun) => void, now: () => number) {
    this.#limits = limits;
    this.#send = send;
    this.#now = now;
  }

  /**
   * Appends one event of `tail` (UTF-8 text `text[start..end)`); closes the run first when it
   * belongs to another file or header.
   */
  add(
    tail: FileTailer,
    text: Buffer,
    start: number,
    end: number,
    offset: number,
    length: number,
    flags: number,
  ): void {
    const w = this.#writer;
    if (w.active && (tail !== this.#tail || tail.headerStamp !== this.#stamp)) this.close();
    if (!w.active) this.#begin(tail);
    w.addUtf8(offset, length, text, start, end, flags);
    if (w.events > 1 && w.eventBytes > this.#limits.maxBytes) {
      // Over the cap with this event: it opens the next run instead.
      w.undoLast();
      this.close();
      this.#begin(tail);
      w.addUtf8(offset, length, text, start, end, flags);
    }
    this.#endOffset = offset + length;
    if (w.events >= this.#limits.maxEvents || w.eventBytes >= this.#limits.maxBytes) this.close();
  }

  /** Closes the open run, if any, and hands it to the producer. */
  close(): void {
    const w = this.#writer;
    const tail = this.#tail;
    if (!w.active || tail === null) return;
    const events = w.events;
    const value = w.finish();
    this.#tail = null;
    this.#send({ tail, value, events, ticket: tail.acks.track(this.#endOffset) });
  }

  #begin(tail: FileTailer): void {
    this.#writer.begin(tail.runHeader(), this.#now());
    this.#tail = tail;
    this.#stamp = tail.headerStamp;
  }
}
