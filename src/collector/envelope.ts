/**
 * Container runtime envelopes. Docker's json-file driver and CRI (containerd, CRI-O) wrap
 * every physical line the container wrote; a long line is split by the runtime into parts
 * (Docker: `log` without trailing `\n`; CRI: tag `P` until the closing `F`). The multiline
 * stage looks at the inner content, while the raw envelope lines travel on unchanged for
 * the normalizer to unwrap (pipelines/README.md, step 1).
 *
 * This runs on every line the collector reads, so a line that is no envelope is told apart
 * by a few character tests, without a regular expression or an allocation.
 */

export interface Envelope {
  kind: 'docker' | 'cri';
  /** The content the container wrote, without the line terminator. */
  inner: string;
  /** False for a part that the runtime split off a longer line (`P`, or `log` without `\n`). */
  complete: boolean;
}

const ZERO = 0x30;
const NINE = 0x39;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** `count` digits at `at`. */
function digits(s: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Length of a CRI prefix `<RFC3339Nano> <stdout|stderr> [<P|F> ]` at the start of `line`, and
 * whether the tag is `P`, or -1 when `line` has none. The old form has no P/F tag and is a
 * full line.
 */
function criPrefix(line: string, out: { partial: boolean }): number {
  // 2024-05-01T10:00:00... then a space and the stream name: most lines that start with an
  // ISO time are no envelope, and the stream name after the first space tells them apart.
  if (line.length < 27 || line.charCodeAt(4) !== 0x2d || line.charCodeAt(10) !== 0x54) return -1;
  const space = line.indexOf(' ', 19);
  if (space < 0 || !(line.startsWith('stdout ', space + 1) || line.startsWith('stderr ', space + 1)))
    return -1;
  if (!isCriTime(line, space)) return -1;
  const i = space + 8;
  const tag = line.charCodeAt(i);
  if (
    (tag === 0x50 || tag === 0x46) /* P F */ &&
    (i + 1 === line.length || line.charCodeAt(i + 1) === 0x20)
  ) {
    out.partial = tag === 0x50;
    return Math.min(line.length, i + 2);
  }
  out.partial = false;
  return i;
}

/** `line[0..end)` is an RFC 3339 time with a zone: 2024-05-01T10:00:00[.fraction](Z|+08:00|+0800). */
function isCriTime(line: string, end: number): boolean {
  if (!digits(line, 0, 4) || !digits(line, 5, 2) || line.charCodeAt(7) !== 0x2d || !digits(line, 8, 2))
    return false;
  if (!digits(line, 11, 2) || line.charCodeAt(13) !== 0x3a || !digits(line, 14, 2)) return false;
  if (line.charCodeAt(16) !== 0x3a || !digits(line, 17, 2)) return false;
  let i = 19;
  if (line.charCodeAt(i) === 0x2e /* . */) {
    i += 1;
    const start = i;
    while (isDigit(line.charCodeAt(i))) i += 1;
    if (i === start) return false;
  }
  const zone = line.charCodeAt(i);
  if (zone === 0x5a /* Z */) return i + 1 === end;
  if (zone !== 0x2b && zone !== 0x2d /* + - */) return false;
  if (!digits(line, i + 1, 2)) return false;
  i += 3;
  if (line.charCodeAt(i) === 0x3a) i += 1;
  return digits(line, i, 2) && i + 2 === end;
}

/** A reusable reader of envelopes: `read` fills `inner` and `complete` without allocating. */
export class EnvelopeReader {
  kind: 'docker' | 'cri' | null = null;
  inner = '';
  complete = true;
  readonly #cri = { partial: false };

  /** Reads `line`'s envelope; false (and `kind` null) when it has none. */
  read(line: string): boolean {
    this.kind = null;
    const first = line.charCodeAt(0);
    if (first === 0x7b /* { */) return this.#docker(line);
    if (isDigit(first)) {
      const end = criPrefix(line, this.#cri);
      if (end < 0) return false;
      this.kind = 'cri';
      this.inner = line.slice(end);
      this.complete = !this.#cri.partial;
      return true;
    }
    return false;
  }

  #docker(line: string): boolean {
    if (!line.includes('"log"')) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
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
    this.inner = inner;
    this.complete = complete;
    return true;
  }
}

/** One line's envelope as an object (for callers off the hot path), or null. */
export function parseEnvelope(line: string): Envelope | null {
  const r = new EnvelopeReader();
  return r.read(line) ? { kind: r.kind!, inner: r.inner, complete: r.complete } : null;
}
