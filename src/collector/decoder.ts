/**
 * Turns a line's bytes into text. UTF-8 is decoded by Node directly; other ASCII-compatible
 * encodings (gbk, gb18030, latin1, ...) through iconv-lite. Invalid bytes become U+FFFD and
 * the line is flagged `invalid_utf8` — kept, never dropped (guarantee 5).
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { FLAG_INVALID_UTF8, FLAG_TRUNCATED } from './event-flags.js';

export interface DecodedLine {
  text: string;
  flags: number;
}

export type LineDecoder = (buf: Buffer, start: number, end: number, flags: number) => DecodedLine;

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

/** Backs `end` off an incomplete UTF-8 sequence left by a cut, so the cut adds no U+FFFD. */
function utf8Boundary(buf: Buffer, start: number, end: number): number {
  let i = end - 1;
  let continuation = 0;
  while (i >= start && continuation < 3 && (buf[i]! & 0xc0) === 0x80) {
    i -= 1;
    continuation += 1;
  }
  if (i < start) return end;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > continuation ? i : end;
}

export function createDecoder(encoding: string): LineDecoder {
  if (UTF8.has(encoding.toLowerCase())) {
    return (buf, start, end, flags) => {
      const stop = flags & FLAG_TRUNCATED ? utf8Boundary(buf, start, end) : end;
      const text = buf.toString('utf8', start, stop);
      // U+FFFD may be genuine text; only the byte check tells (and runs only when needed).
      if (text.includes('\uFFFD') && !isUtf8(buf.subarray(start, stop))) {
        return { text, flags: flags | FLAG_INVALID_UTF8 };
      }
      return { text, flags };
    };
  }
  return (buf, start, end, flags) => {
    const text = iconv.decode(buf.subarray(start, end), encoding);
    return { text, flags: text.includes('\uFFFD') ? flags | FLAG_INVALID_UTF8 : flags };
  };
}
