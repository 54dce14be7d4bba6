/**
 * Container runtime envelopes. Docker's json-file driver and CRI (containerd, CRI-O) wrap
 * every physical line the container wrote; a long line is split by the runtime into parts
 * (Docker: `log` without trailing `\n`; CRI: tag `P` until the closing `F`). The multiline
 * stage looks at the inner content, while the raw envelope lines travel on unchanged for
 * the normalizer to unwrap (pipelines/README.md, step 1).
 *
 * This runs on every line the collector reads, on its bytes: a line that is no envelope is
 * told apart by a few byte tests, without a string, a regular expression or an allocation.
 */

export interface Envelope {
  kind: 'docker' | 'cri';
  /** The content the container wrote, without the line terminator. */
  inner: string;
  /** False for a part that the runtime split off a longer line (`P`, or `log` without `\n`). */
  complete: boolean;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** `count` digits at `at`. */
function digits(buf: Buffer, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) if (!isDigit(buf[i])) return false;
  return true;
}

function startsWith(buf: Buffer, at: number, end: number, ascii: string): boolean {
  if (end - at < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** `buf[start..end)` is an RFC 3339 time with a zone: 2024-05-01T10:00:00[.fraction](Z|+08:00|+0800). */
function isCriTime(buf: Buffer, start: number, end: number): boolean {
  const s = start;
  if (!digits(buf, s, 4) || !digits(buf, s + 5, 2) || buf[s + 7] !== 0x2d || !digits(buf, s + 8, 2))
    return false;
  if (!digits(buf, s + 11, 2) || buf[s + 13] !== 0x3a || !digits(buf, s + 14, 2)) return false;
  if (buf[s + 16] !== 0x3a || !digits(buf, s + 17, 2)) return false;
  let i = s + 19;
  if (buf[i] === 0x2e /* . */) {
    i += 1;
    const first = i;
    while (i < end && isDigit(buf[i])) i += 1;
    if (i === first) return false;
  }
  const zone = buf[i];
  if (zone === 0x5a /* Z */) return i + 1 === end;
  if (zone !== 0x2b && zone !== 0x2d /* + - */) return false;
  if (!digits(buf, i + 1, 2)) return false;
  i += 3;
  if (buf[i] === 0x3a) i += 1;
  return i + 2 === end && digits(buf, i, 2);
}

const EMPTY = Buffer.alloc(0);

/** A reusable reader of envelopes: `read` fills the fields below without allocating (CRI). */
export class EnvelopeReader {
  kind: 'docker' | 'cri' | null = null;
  /** False for a part that the runtime split off a longer line. */
  complete = true;
  /** The inner content: `innerBuf[innerStart..innerEnd)` (the line itself for CRI). */
  innerBuf: Buffer = EMPTY;
  innerStart = 0;
  innerEnd = 0;

  /** Forgets the last inner content (a Docker line's copy, or a reference to the caller's chunk). */
  release(): void {
    this.innerBuf = EMPTY;
    this.innerStart = 0;
    this.innerEnd = 0;
  }

  /** Reads the envelope of the line `buf[start..end)`; false (and `kind` null) when it has none. */
  read(buf: Buffer, start: number, end: number): boolean {
    this.kind = null;
    const first = buf[start];
    if (first === 0x7b /* { */) return this.#docker(buf, start, end);
    if (isDigit(first)) return this.#cri(buf, start, end);
    return false;
  }

  /** `<RFC3339Nano> <stdout|stderr> [<P|F> ]<content>`; the old form has no P/F tag. */
  #cri(buf: Buffer, start: number, end: number): boolean {
    // Most lines that start with an ISO time are no envelope: the stream name after the first
    // space tells them apart before the time is checked.
    if (end - start < 27 || buf[start + 4] !== 0x2d || buf[start + 10] !== 0x54) return false;
    const space = buf.indexOf(0x20, start + 19);
    if (space < 0 || space >= end) return false;
    if (!startsWith(buf, space + 1, end, 'stdout ') && !startsWith(buf, space + 1, end, 'stderr '))
      return false;
    if (!isCriTime(buf, start, space)) return false;
    let i = space + 8;
    const tag = buf[i];
    this.complete = true;
    if ((tag === 0x50 || tag === 0x46) /* P F */ && (i + 1 === end || buf[i + 1] === 0x20)) {
      this.complete = tag !== 0x50;
      i = Math.min(end, i + 2);
    }
    this.kind = 'cri';
    this.innerBuf = buf;
    this.innerStart = i;
    this.innerEnd = end;
    return true;
  }

  #docker(buf: Buffer, start: number, end: number): boolean {
    const at = buf.indexOf('"log"', start);
    if (at < 0 || at >= end) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return false; // a corrupt envelope is just a line; the normalizer tags it
    }
    if (typeof parsed !== 'object' || parsed === null) return false;
    const log = (parsed as { log?: unknown }).log;
    if (typeof log !== 'string') return false;
    const complete = log.endsWith('\n');
    let inner = complete ? log.slice(0, -1) : log;
    if (complete && inner.endsWith('\r')) inner = inner.slice(0, -1);
    this.kind = 'docker';
    this.complete = complete;
    this.innerBuf = Buffer.from(inner, 'utf8');
    this.innerStart = 0;
    this.innerEnd = this.innerBuf.length;
    return true;
  }
}

/** One line's envelope as an object (for callers off the hot path, and tests), or null. */
export function parseEnvelope(line: string): Envelope | null {
  const r = new EnvelopeReader();
  const buf = Buffer.from(line, 'utf8');
  if (!r.read(buf, 0, buf.length)) return null;
  return {
    kind: r.kind!,
    inner: r.innerBuf.toString('utf8', r.innerStart, r.innerEnd),
    complete: r.complete,
  };
}
