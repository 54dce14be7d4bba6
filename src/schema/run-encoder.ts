/**
 * Writes raw records of schema version 2 (a run of events of one file) straight into a
 * reused buffer, event by event, without building the record as objects first.
 *
 * Why not avsc's `toBuffer`: the collector would need an object and a string field per event
 * and a walk over them per record, on the one path whose cost is per line. This writer makes
 * the same bytes (the test holds it to avsc's output) with no allocation per event: what is
 * the same for every record of a file (host, path, identity, fields) is encoded once per file
 * (`RunHeader`) and copied; each event is two varints, its UTF-8 text and its flags.
 *
 * Avro binary encoding in brief: int and long are zig-zag varints; a string is its byte
 * length then its UTF-8 bytes; an array or a map is blocks of (count, items) ending with a
 * count of 0; a record is its fields in order.
 */
import { FLAG_NAMES } from './event-flags.js';

const V2 = 2;
/** Room left for the events' block count, which is known only when the run closes. */
const COUNT_GAP = 5;

/** The encoded fields of a record that stay the same for one file generation. */
export interface RunHeader {
  /** schema_version, host, path, file identity. */
  readonly head: Buffer;
  /** The fields map. */
  readonly fields: Buffer;
}

export interface RunHeaderInput {
  host: string;
  path: string;
  dev: string;
  inode: string;
  fingerprint: string;
  generation: number;
  fields: Readonly<Record<string, string>>;
}

/** Encodes the per-file parts of a record (done once per file, again after a rename or truncation). */
export function encodeRunHeader(h: RunHeaderInput): RunHeader {
  const w = new ScratchWriter(256);
  w.long(V2);
  w.string(h.host);
  w.string(h.path);
  w.string(h.dev);
  w.string(h.inode);
  w.string(h.fingerprint);
  w.long(h.generation);
  const head = w.take();
  const keys = Object.keys(h.fields);
  if (keys.length > 0) {
    w.long(keys.length);
    for (const k of keys) {
      w.string(k);
      w.string(h.fields[k]!);
    }
  }
  w.long(0);
  return { head, fields: w.take() };
}

/** Bytes of a zig-zag varint of a non-negative integer below 2^53. */
function varintBytes(n: number): number {
  let z = n * 2;
  let bytes = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    bytes += 1;
  }
  return bytes;
}

/** A growable buffer with Avro primitives; the base of the run writer and the header encoder. */
class ScratchWriter {
  protected buf: Buffer;
  protected pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  protected ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Writes a zig-zag long; event offsets pass 2^32, so no 32-bit bit tricks. */
  long(n: number): void {
    this.ensure(10);
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    const buf = this.buf;
    let pos = this.pos;
    while (z >= 0x80) {
      buf[pos++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[pos++] = z;
    this.pos = pos;
  }

  string(s: string): void {
    const max = s.length * 3;
    const reserved = varintBytes(max);
    this.ensure(reserved + max);
    const written = this.buf.write(s, this.pos + reserved, 'utf8');
    const needed = varintBytes(written);
    if (needed < reserved) {
      this.buf.copyWithin(this.pos + needed, this.pos + reserved, this.pos + reserved + written);
    }
    this.long(written);
    this.pos += written;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written since the start, and a fresh start. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

/** Encoded `flags` arrays by bit set, made on first use (few of the 32 combinations occur). */
const flagArrays: Buffer[] = [];

function flagArray(bits: number): Buffer {
  let b = flagArrays[bits];
  if (!b) {
    const w = new ScratchWriter(64);
    const names = FLAG_NAMES.filter(([bit]) => (bits & bit) !== 0);
    if (names.length > 0) {
      w.long(names.length);
      for (const [, name] of names) w.string(name);
    }
    w.long(0);
    b = w.take();
    flagArrays[bits] = b;
  }
  return b;
}

/**
 * One run at a time: `begin`, `add` for each event, `finish` for the record's bytes (a copy,
 * so the writer's buffer is reused at once). `undoLast` takes the last event back (the
 * caller found the run over its byte cap and moves that event to the next run).
 */
export class RunWriter extends ScratchWriter {
  #headerEnd = 0;
  #events = 0;
  #lastStart = 0;
  #active = false;

  constructor(capacity = 64 * 1024) {
    super(capacity);
  }

  get events(): number {
    return this.#events;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Bytes of the events so far (what the run's byte cap is measured on). */
  get eventBytes(): number {
    return this.#active ? this.pos - this.#headerEnd - COUNT_GAP : 0;
  }

  begin(header: RunHeader, collectedAt: number): void {
    this.pos = 0;
    this.bytes(header.head);
    this.long(collectedAt);
    this.bytes(header.fields);
    this.#headerEnd = this.pos;
    this.ensure(COUNT_GAP);
    this.pos += COUNT_GAP;
    this.#events = 0;
    this.#lastStart = this.pos;
    this.#active = true;
  }

  /** Appends one event: `flags` is the bit set of event-flags.ts. */
  add(offset: number, length: number, message: string, flags: number): void {
    this.#lastStart = this.pos;
    this.long(offset);
    this.long(length);
    this.string(message);
    this.#flags(flags);
  }

  /** Appends one event whose message is the UTF-8 `text[start..end)` (the collector's way). */
  addUtf8(offset: number, length: number, text: Buffer, start: number, end: number, flags: number): void {
    this.#lastStart = this.pos;
    this.long(offset);
    this.long(length);
    this.long(end - start);
    this.ensure(end - start);
    text.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
    this.#flags(flags);
  }

  #flags(flags: number): void {
    if (flags === 0) {
      // The usual case: an empty flags array is one zero byte.
      this.ensure(1);
      this.buf[this.pos++] = 0;
    } else this.bytes(flagArray(flags));
    this.#events += 1;
  }

  /** Removes the event added last (only one step back). */
  undoLast(): void {
    if (this.#events === 0) return;
    this.pos = this.#lastStart;
    this.#events -= 1;
  }

  /** The record's bytes; the writer is inactive until the next `begin`. */
  finish(): Buffer {
    if (!this.#active) throw new Error('no run begun');
    this.#active = false;
    const count = this.#events;
    this.ensure(1);
    this.buf[this.pos++] = 0; // end of the events array
    if (count === 0) {
      // An empty array is the single 0 just written: drop the gap.
      const out = Buffer.allocUnsafe(this.#headerEnd + 1);
      this.buf.copy(out, 0, 0, this.#headerEnd);
      out[this.#headerEnd] = 0;
      return out;
    }
    // The block count goes right before the events; the header moves up to meet it.
    const countBytes = varintBytes(count);
    const shift = COUNT_GAP - countBytes;
    const end = this.pos;
    this.pos = this.#headerEnd + shift;
    this.long(count);
    this.buf.copyWithin(shift, 0, this.#headerEnd);
    const out = Buffer.allocUnsafe(end - shift);
    this.buf.copy(out, 0, shift, end);
    this.pos = 0;
    return out;
  }
}
