/**
 * Turns a line's bytes into UTF-8 bytes. UTF-8 files pass through untouched (a line cut at
 * `max_event_bytes` is backed off a split character); whether they are valid is checked
 * once per event (`validUtf8Event`), not per line. Other ASCII-compatible encodings (gbk,
 * gb18030, latin1, ...) are converted through iconv-lite. Invalid bytes become U+FFFD and
 * the event is flagged `invalid_utf8` — kept, never dropped (guarantee 5).
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { FLAG_INVALID_UTF8, FLAG_TRUNCATED } from '../schema/event-flags.js';
import { utf8Boundary } from '../schema/utf8.js';

/**
 * Converts one line at a time; after `decode`, the line is `bytes[start..end)` with `flags`
 * (the caller's plus `invalid_utf8` where the conversion found bad bytes). Valid only until
 * the next call.
 */
export interface LineDecoder {
  decode(buf: Buffer, start: number, end: number, flags: number): void;
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  readonly flags: number;
  /** The bytes passed through as read: events must still be checked for valid UTF-8. */
  readonly passThrough: boolean;
}

const UTF8 = new Set(['utf-8', 'utf8']);
/** Line splitting on 0x0A is only sound where no multi-byte character contains that byte. */
const NOT_ASCII_COMPATIBLE = /^(utf-?16|utf-?32|ucs-?2|utf-?7)/i;

/** Returns why `encoding` cannot be used, or null when it can. */
export function encodingProblem(encoding: string): string | null {
  if (UTF8.has(encoding.toLowerCase())) return null;
  if (NOT_ASCII_COMPATIBLE.test(encoding)) {
    return `encoding '${encoding}' is not ASCII-compatible, so lines cannot be split on newline bytes`;
  }
  if (!iconv.encodingExists(encoding)) return `encoding '${encoding}' is unknown`;
  return null;
}

class Utf8PassThrough implements LineDecoder {
  readonly passThrough = true;
  bytes: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  flags = 0;

  decode(buf: Buffer, start: number, end: number, flags: number): void {
    this.bytes = buf;
    this.start = start;
    this.end = flags & FLAG_TRUNCATED ? utf8Boundary(buf, start, end) : end;
    this.flags = flags;
  }
}

class IconvDecoder implements LineDecoder {
  readonly passThrough = false;
  bytes: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  flags = 0;

  constructor(private readonly encoding: string) {}

  decode(buf: Buffer, start: number, end: number, flags: number): void {
    const text = iconv.decode(buf.subarray(start, end), this.encoding);
    this.bytes = Buffer.from(text, 'utf8');
    this.start = 0;
    this.end = this.bytes.length;
    this.flags = text.includes('\uFFFD') ? flags | FLAG_INVALID_UTF8 : flags;
  }
}

/** A decoder for `encoding` (its fields hold the last line only, so one may serve many files). */
export function createDecoder(encoding: string): LineDecoder {
  return UTF8.has(encoding.toLowerCase()) ? new Utf8PassThrough() : new IconvDecoder(encoding);
}

/**
 * An event of UTF-8 as read: the same bytes when valid, else its text with U+FFFD for every
 * invalid sequence, and `invalid_utf8` in the flags. Returns null when the bytes are valid.
 */
export function repairUtf8(buf: Buffer, start: number, end: number): Buffer | null {
  if (isUtf8(buf.subarray(start, end))) return null;
  return Buffer.from(buf.toString('utf8', start, end), 'utf8');
}
