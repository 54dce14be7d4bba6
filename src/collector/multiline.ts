/**
 * Multiline: a pure stream stage that joins continuation lines into one event (a Java stack
 * trace arrives as one record). Used by the collector and by `kiver parse`.
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
 */
import picomatch from 'picomatch';
import type { MultilineRule } from '../config/types.js';
import { parseEnvelope } from './envelope.js';
import { FLAG_MULTILINE, FLAG_MULTILINE_TRUNCATED, FLAG_PARTIAL } from './event-flags.js';

export type { MultilineRule };

export interface MultilineEvent {
  text: string;
  offset: number;
  length: number;
  /** Physical lines in the event. */
  lines: number;
  /** The event was cut at max_lines/max_bytes; the rest follows as another event. */
  truncated: boolean;
  /** Ends with a container part (`P`) whose closing part never came before the timeout. */
  partial: boolean;
  /** Line flags of every line OR-ed, plus multiline flags (see event-flags.ts). */
  flags: number;
}

/** Java/JVM stack traces: indented frames, `at `, `Caused by:`, `Suppressed:`, `... N more`. */
export const DEFAULT_CONTINUATION =
  '^(?:[ \\t]+|at |Caused by:|Suppressed:|\\.\\.\\. \\d+ (?:more|common frames omitted))';

/**
 * With the default continuation, a line naming an exception class directly after a
 * one-line event (the log line announcing the error) belongs to that event too.
 */
const EXCEPTION_LINE = /^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)(?::|$)/;

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

interface Piece {
  raw: string[];
  inner: string;
  offset: number;
  length: number;
  bytes: number;
  flags: number;
}

interface Pending extends Piece {
  logicalLines: number;
  truncated: boolean;
}

export class MultilineJoiner {
  readonly #rule: MultilineRule;
  readonly #onEvent: (e: MultilineEvent) => void;
  readonly #now: () => number;
  readonly #start: RegExp | null;
  readonly #continuation: RegExp | null;
  readonly #exceptionAfterHeader: boolean;
  /** Container parts waiting for their closing part. */
  #logical: Piece | null = null;
  #current: Pending | null = null;
  #lastPushMs = 0;

  constructor(rule: MultilineRule, onEvent: (e: MultilineEvent) => void, now: () => number = Date.now) {
    this.#rule = rule;
    this.#onEvent = onEvent;
    this.#now = now;
    this.#start = rule.start ? new RegExp(rule.start) : null;
    this.#continuation = rule.continuation ? new RegExp(rule.continuation) : null;
    this.#exceptionAfterHeader = rule.start === null && rule.continuation === DEFAULT_CONTINUATION;
  }

  /** Whether lines are held (so a timer must eventually call `flushIfDue`). */
  get hasPending(): boolean {
    return this.#current !== null || this.#logical !== null;
  }

  /** When the held lines are due for a timeout flush (ms since epoch), or null. */
  get dueAtMs(): number | null {
    return this.hasPending ? this.#lastPushMs + this.#rule.timeout_ms : null;
  }

  push(line: string, offset: number, length: number, flags = 0): void {
    this.#lastPushMs = this.#now();
    const envelope = parseEnvelope(line);
    const inner = envelope ? envelope.inner : line;
    const bytes = line.length + 1;
    if (envelope && !envelope.complete) {
      const l = this.#logical;
      if (l && (l.raw.length + 1 > this.#rule.max_lines || l.bytes + bytes > this.#rule.max_bytes)) {
        // A part chain longer than the bounds: close it here; the rest starts a new one.
        this.#logical = null;
        this.#accept(l, FLAG_MULTILINE_TRUNCATED);
      }
      if (this.#logical) {
        this.#extendPiece(this.#logical, line, inner, length, bytes, flags);
      } else {
        this.#logical = { raw: [line], inner, offset, length, bytes, flags };
      }
      return;
    }
    let piece: Piece;
    if (this.#logical) {
      piece = this.#logical;
      this.#logical = null;
      this.#extendPiece(piece, line, inner, length, bytes, flags);
    } else {
      piece = { raw: [line], inner, offset, length, bytes, flags };
    }
    this.#accept(piece, 0);
  }

  /** Emits everything held, a trailing container part flagged `partial`. */
  flush(): void {
    if (this.#logical) {
      const l = this.#logical;
      this.#logical = null;
      this.#accept(l, FLAG_PARTIAL);
    }
    if (this.#current) {
      const c = this.#current;
      this.#current = null;
      this.#emit(c);
    }
  }

  /** Flushes when nothing was pushed for the rule's `timeout_ms`. Returns whether it did. */
  flushIfDue(nowMs: number = this.#now()): boolean {
    if (!this.hasPending || nowMs - this.#lastPushMs < this.#rule.timeout_ms) return false;
    this.flush();
    return true;
  }

  /** Forgets everything held without emitting (the file was truncated under us). */
  discard(): void {
    this.#logical = null;
    this.#current = null;
  }

  #extendPiece(p: Piece, line: string, inner: string, length: number, bytes: number, flags: number): void {
    p.raw.push(line);
    p.inner += inner;
    p.length += length;
    p.bytes += bytes;
    p.flags |= flags;
  }

  #accept(piece: Piece, extraFlags: number): void {
    piece.flags |= extraFlags;
    if (!this.#start && !this.#continuation) {
      // No joining configured: holding the line would only add latency.
      this.#emit({ ...piece, logicalLines: 1, truncated: false });
      return;
    }
    const c = this.#current;
    if (c && this.#continues(c, piece.inner)) {
      if (
        c.raw.length + piece.raw.length > this.#rule.max_lines ||
        c.bytes + piece.bytes > this.#rule.max_bytes
      ) {
        c.truncated = true;
        this.#emit(c);
        this.#current = { ...piece, logicalLines: 1, truncated: true };
        return;
      }
      for (const r of piece.raw) c.raw.push(r);
      c.length += piece.length;
      c.bytes += piece.bytes;
      c.flags |= piece.flags;
      c.logicalLines += 1;
      return;
    }
    if (c) this.#emit(c);
    this.#current = { ...piece, logicalLines: 1, truncated: false };
  }

  #continues(current: Pending, inner: string): boolean {
    if (this.#start) return !this.#start.test(inner);
    if (!this.#continuation) return false;
    if (this.#continuation.test(inner)) return true;
    return this.#exceptionAfterHeader && current.logicalLines === 1 && EXCEPTION_LINE.test(inner);
  }

  #emit(p: Pending): void {
    let flags = p.flags;
    if (p.raw.length > 1) flags |= FLAG_MULTILINE;
    if (p.truncated) flags |= FLAG_MULTILINE_TRUNCATED;
    this.#onEvent({
      text: p.raw.length === 1 ? p.raw[0]! : p.raw.join('\n'),
      offset: p.offset,
      length: p.length,
      lines: p.raw.length,
      truncated: p.truncated,
      partial: (flags & FLAG_PARTIAL) !== 0,
      flags,
    });
  }
}
