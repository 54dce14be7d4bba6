/**
 * Splits a file's bytes into lines on `\n` (a trailing `\r` is dropped), streaming: a line
 * longer than `maxEventBytes` keeps only its first `maxEventBytes` bytes and the rest is
 * skipped as it streams by, so memory per file never exceeds that bound whatever the input.
 *
 * Offsets are file offsets. Every emitted line carries the bytes it occupies in the file
 * (terminator and skipped bytes included), so `offset + length` is always the place to
 * resume after it — which is what the checkpoint stores.
 *
 * With `checkUtf8`, the lines that lie whole inside one pushed chunk are checked for valid
 * UTF-8 in one call per chunk; any other line is flagged FLAG_UTF8_UNCHECKED for its reader.
 */
import { isUtf8 } from 'node:buffer';
import { FLAG_PARTIAL, FLAG_TRUNCATED } from '../schema/event-flags.js';

/**
 * Not a record flag: the line's bytes were not checked for valid UTF-8 with the chunk they
 * came in (they spanned chunks, or the chunk was not valid), so the event must be checked.
 */
export const FLAG_UTF8_UNCHECKED = 1 << 8;

/**
 * Receives one line. `buf[start..end)` is valid only during the call (it may be the
 * reader's reused buffer), so decode it before returning.
 */
export type LineSink = (
  buf: Buffer,
  start: number,
  end: number,
  offset: number,
  length: number,
  flags: number,
) => void;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  readonly #maxEventBytes: number;
  /** Kept bytes of the line that is not finished yet (copies, at most maxEventBytes). */
  #parts: Buffer[] = [];
  #kept = 0;
  /** Bytes of the unfinished line seen so far, skipped ones included. */
  #seen = 0;
  /** File offset where the unfinished (or next) line starts. */
  #lineStart: number;

  readonly #checkUtf8: boolean;

  constructor(maxEventBytes: number, startOffset = 0, checkUtf8 = false) {
    if (maxEventBytes < 1) throw new RangeError('maxEventBytes must be at least 1');
    this.#maxEventBytes = maxEventBytes;
    this.#lineStart = startOffset;
    this.#checkUtf8 = checkUtf8;
  }

  /** File offset just after the last byte pushed. */
  get position(): number {
    return this.#lineStart + this.#seen;
  }

  /** File offset where the line being assembled starts (= resume point if dropped). */
  get lineStart(): number {
    return this.#lineStart;
  }

  /** Bytes of an unfinished line waiting for its newline. */
  get pendingBytes(): number {
    return this.#seen;
  }

  /** Forgets any unfinished line and continues at `offset` (after a truncation or seek). */
  reset(offset: number): void {
    this.#parts = [];
    this.#kept = 0;
    this.#seen = 0;
    this.#lineStart = offset;
  }

  /** Feeds `buf[start..end)`, the bytes that follow `position` in the file. */
  push(buf: Buffer, start: number, end: number, sink: LineSink): void {
    const whole = this.#checkUtf8 ? this.#checkChunk(buf, start, end) : 0;
    let pos = start;
    while (pos < end) {
      const nl = buf.indexOf(LF, pos);
      if (nl === -1 || nl >= end) {
        this.#keep(buf, pos, end);
        return;
      }
      if (this.#seen === 0 && nl - pos <= this.#maxEventBytes) {
        // Fast path: the whole line is inside this chunk and short enough; no copy.
        const length = nl - pos + 1;
        const stop = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
        sink(buf, pos, stop, this.#lineStart, length, whole);
        this.#lineStart += length;
      } else {
        this.#keep(buf, pos, nl);
        this.#seen += 1; // the newline
        this.#emitPending(sink, true, 0);
      }
      pos = nl + 1;
    }
  }

  /**
   * Emits the unfinished line flagged `partial` (the idle timeout expired without a
   * newline). Returns whether there was one.
   */
  flushPartial(sink: LineSink): boolean {
    if (this.#seen === 0) return false;
    this.#emitPending(sink, false, FLAG_PARTIAL);
    return true;
  }

  /**
   * The flags of the lines that lie whole in this chunk: 0 when their bytes are valid UTF-8
   * (one check for all of them), else FLAG_UTF8_UNCHECKED.
   */
  #checkChunk(buf: Buffer, start: number, end: number): number {
    let first = start;
    if (this.#seen > 0) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0 || nl >= end) return FLAG_UTF8_UNCHECKED;
      first = nl + 1;
    }
    const last = buf.lastIndexOf(LF, end - 1);
    if (last < first) return FLAG_UTF8_UNCHECKED;
    return isUtf8(buf.subarray(first, last + 1)) ? 0 : FLAG_UTF8_UNCHECKED;
  }

  #keep(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    this.#seen += n;
    const room = this.#maxEventBytes - this.#kept;
    if (room <= 0 || n === 0) return;
    const take = Math.min(room, n);
    // A copy: `buf` is the reader's reused buffer and is overwritten by the next read.
    this.#parts.push(Buffer.from(buf.subarray(start, start + take)));
    this.#kept += take;
  }

  #emitPending(sink: LineSink, terminated: boolean, extraFlags: number): void {
    const whole = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#kept);
    const contentBytes = terminated ? this.#seen - 1 : this.#seen;
    let flags = this.#checkUtf8 ? extraFlags | FLAG_UTF8_UNCHECKED : extraFlags;
    let stop = whole.length;
    if (contentBytes > this.#maxEventBytes) {
      flags |= FLAG_TRUNCATED;
    } else if (terminated && stop > 0 && whole[stop - 1] === CR) {
      stop -= 1;
    }
    sink(whole, 0, stop, this.#lineStart, this.#seen, flags);
    this.#lineStart += this.#seen;
    this.#parts = [];
    this.#kept = 0;
    this.#seen = 0;
  }
}
