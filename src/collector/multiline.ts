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
 * This runs once per line read, so the state is plain fields (no object per line) and the
 * built-in rule is tested with character comparisons instead of regular expressions.
 */
import picomatch from 'picomatch';
import type { MultilineRule } from '../config/types.js';
import { EnvelopeReader } from './envelope.js';
import { FLAG_MULTILINE, FLAG_MULTILINE_TRUNCATED, FLAG_PARTIAL } from '../schema/event-flags.js';
import { continuesStackTrace, isExceptionLine } from './stack-trace.js';

export type { MultilineRule };

/** Receives one finished event; `flags` are the bits of schema/event-flags.ts. */
export type EventSink = (text: string, offset: number, length: number, flags: number) => void;

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

/** How a rule decides that a line continues the event before it. */
type Continues = (inner: string, eventLogicalLines: number) => boolean;

function continuesFor(rule: MultilineRule): Continues | null {
  if (rule.start) {
    const start = new RegExp(rule.start);
    return (inner) => !start.test(inner);
  }
  if (!rule.continuation) return null;
  if (rule.continuation === DEFAULT_CONTINUATION) {
    // A line naming an exception class directly after a one-line event (the log line
    // announcing the error) belongs to that event too.
    return (inner, logical) => continuesStackTrace(inner) || (logical === 1 && isExceptionLine(inner));
  }
  const continuation = new RegExp(rule.continuation);
  return (inner) => continuation.test(inner);
}

export class MultilineJoiner {
  readonly #rule: MultilineRule;
  readonly #onEvent: EventSink;
  readonly #now: () => number;
  readonly #continues: Continues | null;
  readonly #envelope = new EnvelopeReader();
  #lastPushMs = 0;

  // The logical line being assembled from container parts (active while #lLines > 0).
  #lLines = 0;
  #lRaw = '';
  #lInner = '';
  #lOffset = 0;
  #lLength = 0;
  #lBytes = 0;
  #lFlags = 0;

  // The event being assembled (active while #cLines > 0).
  #cLines = 0;
  #cLogical = 0;
  #cText = '';
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

  push(line: string, offset: number, length: number, flags = 0): void {
    this.#lastPushMs = this.#now();
    const env = this.#envelope;
    const wrapped = env.read(line);
    const inner = wrapped ? env.inner : line;
    const bytes = line.length + 1;
    if (wrapped && !env.complete) {
      if (
        this.#lLines > 0 &&
        (this.#lLines + 1 > this.#rule.max_lines || this.#lBytes + bytes > this.#rule.max_bytes)
      ) {
        // A part chain longer than the bounds: close it here; the rest starts a new one.
        this.#acceptLogical(FLAG_MULTILINE_TRUNCATED);
      }
      this.#extendLogical(line, inner, offset, length, bytes, flags);
      return;
    }
    if (this.#lLines > 0) {
      this.#extendLogical(line, inner, offset, length, bytes, flags);
      this.#acceptLogical(0);
      return;
    }
    this.#accept(line, inner, offset, length, bytes, flags, 1);
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
  }

  #extendLogical(
    line: string,
    inner: string,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
  ): void {
    if (this.#lLines === 0) {
      this.#lRaw = line;
      this.#lInner = inner;
      this.#lOffset = offset;
      this.#lLength = length;
      this.#lBytes = bytes;
      this.#lFlags = flags;
    } else {
      this.#lRaw += '\n' + line;
      this.#lInner += inner;
      this.#lLength += length;
      this.#lBytes += bytes;
      this.#lFlags |= flags;
    }
    this.#lLines += 1;
  }

  #acceptLogical(extraFlags: number): void {
    const lines = this.#lLines;
    this.#lLines = 0;
    this.#accept(
      this.#lRaw,
      this.#lInner,
      this.#lOffset,
      this.#lLength,
      this.#lBytes,
      this.#lFlags | extraFlags,
      lines,
    );
  }

  /** One logical line (`lines` physical ones): continue the current event, or start a new one. */
  #accept(
    raw: string,
    inner: string,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
    lines: number,
  ): void {
    if (this.#continues === null) {
      // No joining configured: holding the line would only add latency.
      this.#onEvent(raw, offset, length, lines > 1 ? flags | FLAG_MULTILINE : flags);
      return;
    }
    if (this.#cLines > 0 && this.#continues(inner, this.#cLogical)) {
      if (this.#cLines + lines > this.#rule.max_lines || this.#cBytes + bytes > this.#rule.max_bytes) {
        this.#cTruncated = true;
        this.#emitCurrent();
        this.#startCurrent(raw, offset, length, bytes, flags, lines, true);
        return;
      }
      this.#cText += '\n' + raw;
      this.#cLength += length;
      this.#cBytes += bytes;
      this.#cFlags |= flags;
      this.#cLines += lines;
      this.#cLogical += 1;
      return;
    }
    if (this.#cLines > 0) this.#emitCurrent();
    this.#startCurrent(raw, offset, length, bytes, flags, lines, false);
  }

  #startCurrent(
    raw: string,
    offset: number,
    length: number,
    bytes: number,
    flags: number,
    lines: number,
    truncated: boolean,
  ): void {
    this.#cText = raw;
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
    this.#onEvent(this.#cText, this.#cOffset, this.#cLength, flags);
  }
}
