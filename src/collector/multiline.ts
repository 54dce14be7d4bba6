/**
 * Multiline: a pure stream stage that joins continuation lines into one event (a Java stack
 * trace arrives as one event). Used by the collector and by `kiver parse`.
 *
 * Two levels, both bounded by the rule's `max_lines`/`max_bytes`:
 * 1. Container envelopes: a CRI `P` part or a Docker part without `\n` is joined with the
 *    parts that follow up to the closing one into one *logical* line.
 * 2. Events: logical lines are joined by the rule — `start` (a matching line begins a new
 *    event, others continue it) or `continuation` (a matching line continues the current
 *    event). Patterns see the inner content of an envelope, never the envelope.
 *
 * An event's text is its physical lines joined by `\n` (envelopes kept as they are), its
 * offset the first line's offset and its length the bytes of all its lines, so the byte
 * range of consecutive events is contiguous — what the checkpoint needs.
 *
 * This runs once per line read, on the line's bytes: the state is plain fields and two
 * reused byte buffers (no object or string per line), and the built-in rule is tested with
 * byte comparisons instead of regular expressions. A user's pattern sees the line as a string.
 */
import picomatch from 'picomatch';
import type { MultilineRule } from '../config/types.js';
import { ByteBuffer } from './byte-buffer.js';
import { EnvelopeReader } from './envelope.js';
import { FLAG_MULTILINE, FLAG_MULTILINE_TRUNCATED, FLAG_PARTIAL } from '../schema/event-flags.js';
import { continuesStackTrace, isExceptionLine } from './stack-trace.js';

export type { MultilineRule };

/**
 * Receives one finished event: its text is `buf[start..end)`, UTF-8 as read (valid only during
 * the call); `flags` are the bits of schema/event-flags.ts.
 */
export type EventSink = (
  buf: Buffer,
  start: number,
  end: number,
  offset: number,
  length: number,
  flags: number,
) => void;

/** Java/JVM stack traces: indented frames, `at `, `Caused by:`, `Suppressed:`, `... N more`. */
export const DEFAULT_CONTINUATION =
  '^(?:[ \\t]+|at |Caused by:|Suppressed:|\\.\\.\\. \\d+ (?:more|common frames omitted))';

export const DEFAULT_MULTILINE_RULE: MultilineRule = Object.freeze({
  path: '**',
  start: null,
  continuation: DEFAULT_CONTINUATION,
  max_lines: 500,
  max_bytes: 1024 * 1024,
  timeout_ms: 500,
});

const matcherCache = new WeakMap<readonly MultilineRule[], ((path: string) => boolean)[]>();

/** The first rule whose `path` glob matches, else the built-in stack-trace rule. */
export function ruleForPath(rules: readonly MultilineRule[], path: string): MultilineRule {
  let matchers = matcherCache.get(rules);
  if (!matchers) {
    matchers = rules.map((r) => picomatch(r.path, { dot: true }));
    matcherCache.set(rules, matchers);
  }
  for (let i = 0; i < rules.length; i++) if (matchers[i]!(path)) return rules[i]!;
  return DEFAULT_MULTILINE_RULE;
}

/** How a rule decides that a line (its inner content `buf[start..end)`) continues the event before it. */
type Continues = (buf: Buffer, start: number, end: number, eventLogicalLines: number) => boolean;

function continuesFor(rule: MultilineRule): Continues | null {
  if (rule.start) {
    const start = new RegExp(rule.start);
    return (buf, s, e) => !start.test(buf.toString('utf8', s, e));
  }
  if (!rule.continuation) return null;
  if (rule.continuation === DEFAULT_CONTINUATION) {
    // A line naming an exception class directly after a one-line event (the log line
    // announcing the error) belongs to that event too.
    return (buf, s, e, logical) =>
      continuesStackTrace(buf, s, e) || (logical === 1 && isExceptionLine(buf, s, e));
  }
  const continuation = new RegExp(rule.continuation);
  return (buf, s, e) => continuation.test(buf.toString('utf8', s, e));
}

const LF = 0x0a;

export class MultilineJoiner {
  readonly #rule: MultilineRule;
  readonly #onEvent: EventSink;
  readonly #now: () => number;
  readonly #continues: Continues | null;
  readonly #envelope = new EnvelopeReader();
  #lastPushMs = 0;

  // The logical line being assembled from container parts (active while #lLines > 0): its
  // raw lines joined by \n, and their inner contents end to end (what patterns see).
  readonly #lRaw = new ByteBuffer(1024);
  readonly #lInner = new ByteBuffer(1024);
  #lLines = 0;
  #lOffset = 0;
  #lLength = 0;
  #lBytes = 0;
  #lFlags = 0;

  // The event being assembled (active while #cLines > 0): its lines joined by \n, or while
  // it is a single line still in the caller's buffer, a reference to it (#cRef): most lines
  // are emitted when the next line arrives in the same chunk, so they are never copied here.
  readonly #cText = new ByteBuffer(4096);
  #cRef: Buffer | null = null;
  #cRefStart = 0;
  #cRefEnd = 0;
  #cLines = 0;
  #cLogical = 0;
  #cOffset = 0;
  #cLength = 0;
  #cBytes = 0;
  #cFlags = 0;
  #cTruncated = false;

  constructor(rule: MultilineRule, onEvent: EventSink, now: () => number = Date.now) {
    this.#rule = rule;
    this.#onEvent = onEvent;
    this.#now = now;
    this.#continues = continuesFor(rule);
  }

  /** Whether lines are held (so a timer must eventually call `flushIfDue`). */
  get hasPending(): boolean {
    return this.#cLines > 0 || this.#lLines > 0;
  }

  /** When the held lines are due for a timeout flush (ms since epoch), or null. */
  get dueAtMs(): number | null {
    return this.hasPending ? this.#lastPushMs + this.#rule.timeout_ms : null;
  }

  /**
   * One physical line, `buf[start..end)` without its terminator. The joiner may keep a
   * reference to it until `endOfChunk`, which the caller calls before reusing `buf`.
   */
  push(buf: Buffer, start: number, end: number, offset: number, length: number, flags = 0): void {
    this.#lastPushMs = this.#now();
    const env = this.#envelope;
    const wrapped = env.read(buf, start, end);
    const bytes = end - start + 1;
    if (wrapped && !env.complete) {
      if (
        this.#lLines > 0 &&
        (this.#lLines + 1 > this.#rule.max_lines || this.#lBytes + bytes > this.#rule.max_bytes)
      ) {
        // A part chain longer than the bounds: close it here; the rest starts a new one.
        this.#acceptLogical(FLAG_MULTILINE_TRUNCATED);
      }
      this.#extendLogical(buf, start, end, offset, length, bytes, flags);
      return;
    }
    if (this.#lLines > 0) {
      this.#extendLogical(buf, start, end, offset, length, bytes, flags);
      this.#acceptLogical(0);
      return;
    }
    const iBuf = wrapped ? env.innerBuf : buf;
    const iStart = wrapped ? env.innerStart : start;
    const iEnd = wrapped ? env.innerEnd : end;
    this.#accept(buf, start, end, iBuf, iStart, iEnd, offset, length, bytes, flags, 1, true);
  }

  /** Emits everything held, a trailing container part flagged `partial`. */
  flush(): void {
    if (this.#lLines > 0) this.#acceptLogical(FLAG_PARTIAL);
    if (this.#cLines > 0) this.#emitCurrent();
  }

  /** Flushes when nothing was pushed for the rule's `timeout_ms`. Returns whether it did. */
  flushIfDue(nowMs: number = this.#now()): boolean {
    if (!this.hasPending || nowMs - this.#lastPushMs < this.#rule.timeout_ms) return false;
    this.flush();
    return true;
  }

  /** Forgets everything held without emitting (the file was truncated under us). */
  discard(): void {
    this.#lLines = 0;
    this.#cLines = 0;
    this.#cRef = null;
  }

  /**
   * The caller's buffer is about to be reused (the end of a chunk): a line held by reference
   * is copied now. Call it after every `push` batch whose buffer is not kept.
   */
  endOfChunk(): void {
    if (this.#cRef !== null && this.#cLines > 0) this.#materialize();
  }

  /**
   * A read pass is over: hands back the storage of whatever is not held, so a quiet file
   * costs no buffers between passes.
   */
  releaseIdle(): void {
    if (this.#lLines === 0) {
      this.#lRaw.reset();
      this.#lInner.reset();
      this.#lRaw.release();
      this.#lInner.release();
    }
    if (this.#cLines === 0) {
      this.#cText.reset();
      this.#cText.release();
    }
    this.#envelope.release();
  }

  #materialize(): void {
    const ref = this.#cRef;
    if (ref === null) return;
    this.#cRef = null;
    this.#cText.reset();
    this.#cText.append(ref, this.#cRefStart, this.#cRefEnd);
  }

  /** Adds a part (raw line `buf[start..end)`, inner content from the envelope reader). */
  #extendLogical(
    buf: Buffer,
    start: number,
    end: number,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
  ): void {
    const env = this.#envelope;
    if (this.#lLines === 0) {
      this.#lRaw.reset();
      this.#lInner.reset();
      this.#lOffset = offset;
      this.#lLength = length;
      this.#lBytes = bytes;
      this.#lFlags = flags;
    } else {
      this.#lRaw.appendByte(LF);
      this.#lLength += length;
      this.#lBytes += bytes;
      this.#lFlags |= flags;
    }
    this.#lRaw.append(buf, start, end);
    if (env.kind !== null) this.#lInner.append(env.innerBuf, env.innerStart, env.innerEnd);
    else this.#lInner.append(buf, start, end);
    this.#lLines += 1;
  }

  #acceptLogical(extraFlags: number): void {
    const lines = this.#lLines;
    this.#lLines = 0;
    const raw = this.#lRaw;
    const inner = this.#lInner;
    this.#accept(
      raw.buf,
      0,
      raw.length,
      inner.buf,
      0,
      inner.length,
      this.#lOffset,
      this.#lLength,
      this.#lBytes,
      this.#lFlags | extraFlags,
      lines,
      false, // #lRaw is reused by the next part: copy
    );
  }

  /** One logical line (`lines` physical ones): continue the current event, or start a new one. */
  #accept(
    raw: Buffer,
    rawStart: number,
    rawEnd: number,
    inner: Buffer,
    innerStart: number,
    innerEnd: number,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
    lines: number,
    referable: boolean,
  ): void {
    if (this.#continues === null) {
      // No joining configured: holding the line would only add latency.
      this.#onEvent(raw, rawStart, rawEnd, offset, length, lines > 1 ? flags | FLAG_MULTILINE : flags);
      return;
    }
    if (this.#cLines > 0 && this.#continues(inner, innerStart, innerEnd, this.#cLogical)) {
      if (this.#cLines + lines > this.#rule.max_lines || this.#cBytes + bytes > this.#rule.max_bytes) {
        this.#cTruncated = true;
        this.#emitCurrent();
        this.#startCurrent(raw, rawStart, rawEnd, offset, length, bytes, flags, lines, true, referable);
        return;
      }
      this.#materialize();
      this.#cText.appendByte(LF);
      this.#cText.append(raw, rawStart, rawEnd);
      this.#cLength += length;
      this.#cBytes += bytes;
      this.#cFlags |= flags;
      this.#cLines += lines;
      this.#cLogical += 1;
      return;
    }
    if (this.#cLines > 0) this.#emitCurrent();
    this.#startCurrent(raw, rawStart, rawEnd, offset, length, bytes, flags, lines, false, referable);
  }

  #startCurrent(
    raw: Buffer,
    rawStart: number,
    rawEnd: number,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
    lines: number,
    truncated: boolean,
    referable: boolean,
  ): void {
    if (referable) {
      this.#cRef = raw;
      this.#cRefStart = rawStart;
      this.#cRefEnd = rawEnd;
    } else {
      this.#cRef = null;
      this.#cText.reset();
      this.#cText.append(raw, rawStart, rawEnd);
    }
    this.#cOffset = offset;
    this.#cLength = length;
    this.#cBytes = bytes;
    this.#cFlags = flags;
    this.#cLines = lines;
    this.#cLogical = 1;
    this.#cTruncated = truncated;
  }

  #emitCurrent(): void {
    let flags = this.#cFlags;
    if (this.#cLines > 1) flags |= FLAG_MULTILINE;
    if (this.#cTruncated) flags |= FLAG_MULTILINE_TRUNCATED;
    this.#cLines = 0;
    const ref = this.#cRef;
    if (ref !== null) {
      this.#cRef = null;
      this.#onEvent(ref, this.#cRefStart, this.#cRefEnd, this.#cOffset, this.#cLength, flags);
    } else this.#onEvent(this.#cText.buf, 0, this.#cText.length, this.#cOffset, this.#cLength, flags);
  }
}
