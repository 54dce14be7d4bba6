/**
 * Turns a line's bytes into text. UTF-8 is decoded by Node directly; other ASCII-compatible
 * encodings (gbk, gb18030, latin1, ...) through iconv-lite. Invalid bytes become U+FFFD and
 * the line is flagged `invalid_utf8` — kept, never dropped (guarantee 5).
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { FLAG_INVALID_UTF8, FLAG_TRUNCATED } from '../schema/event-flags.js';
import { utf8Boundary } from '../schema/utf8.js';

/**
 * Decodes one line at a time. `flags` holds the line's flags after the last `decode` (the
 * caller's flags plus `invalid_utf8`), so a line costs its string and nothing else.
 */
export interface LineDecoder {
  decode(buf: Buffer, start: number, end: number, flags: number): string;
  readonly flags: number;
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

class Utf8Decoder implements LineDecoder {
  flags = 0;

  decode(buf: Buffer, start: number, end: number, flags: number): string {
    const stop = flags & FLAG_TRUNCATED ? utf8Boundary(buf, start, end) : end;
    const text = buf.toString('utf8', start, stop);
    // U+FFFD may be genuine text; only the byte check tells (and runs only when needed).
    this.flags =
      text.includes('\uFFFD') && !isUtf8(buf.subarray(start, stop)) ? flags | FLAG_INVALID_UTF8 : flags;
    return text;
  }
}

class IconvDecoder implements LineDecoder {
  flags = 0;

  constructor(private readonly encoding: string) {}

  decode(buf: Buffer, start: number, end: number, flags: number): string {
    const text = iconv.decode(buf.subarray(start, end), this.encoding);
    this.flags = text.includes('\uFFFD') ? flags | FLAG_INVALID_UTF8 : flags;
    return text;
  }
}

/** A decoder for `encoding` (one per file: it keeps the last line's flags). */
export function createDecoder(encoding: string): LineDecoder {
  return UTF8.has(encoding.toLowerCase()) ? new Utf8Decoder() : new IconvDecoder(encoding);
}
