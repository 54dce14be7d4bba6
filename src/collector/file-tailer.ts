/**
 * Reads one file: from an offset, through the line splitter, decoder and multiline joiner,
 * into events. Reads go through fs.promises FileHandle.read into the caller's reused buffer
 * and stop after a byte budget per pass so one busy file cannot starve the others.
 *
 * The tailer holds a file's reading state (position, unfinished line, held multi-line
 * event, acknowledgements); the collector loop decides when it reads, closes or drains.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { MultilineRule } from '../config/types.js';
import { AckTracker } from './ack-tracker.js';
import type { LineDecoder } from './decoder.js';
import { FLAG_INVALID_UTF8, FLAG_PARTIAL, FLAG_TRUNCATED } from './event-flags.js';
import {
  FINGERPRINT_BYTES,
  readFingerprint,
  matchesFingerprint,
  type FileKey,
  type Fingerprint,
} from './identity.js';
import { LineSplitter, type LineSink } from './line-splitter.js';
import { MultilineJoiner, type MultilineEvent } from './multiline.js';
import { assertTransition, type TailState } from './tail-state.js';

export interface TailerOptions {
  maxEventBytes: number;
  partialLineTimeoutMs: number;
  rule: MultilineRule;
  decoder: LineDecoder;
  onEvent(tail: FileTailer, event: MultilineEvent): void;
  now(): number;
}

export type OpenResult = 'ok' | 'gone' | 'replaced' | 'reused' | 'unreadable';

export interface PassResult {
  bytes: number;
  events: number;
  /** Reached the end of the file in this pass. */
  eof: boolean;
  /** The file is now shorter than the read position (copytruncate). */
  shrunkTo: number | null;
  /** The file has no name left (deleted while open). */
  unlinked: boolean;
  truncated: number;
  invalidUtf8: number;
  partial: number;
  /** Events starting below `resendUntil`: the previous run had already handed them to Kafka. */
  resent: number;
}

function emptyPass(): PassResult {
  return {
    bytes: 0,
    events: 0,
    eof: false,
    shrunkTo: null,
    unlinked: false,
    truncated: 0,
    invalidUtf8: 0,
    partial: 0,
    resent: 0,
  };
}

export class FileTailer {
  readonly key: FileKey;
  readonly dev: string;
  readonly ino: string;
  readonly root: string;
  path: string;
  topic: string;
  fields: Record<string, string>;
  state: TailState = { kind: 'opening' };
  /** Set by the loop when there may be something new to read; cleared when a pass starts. */
  dirty = true;
  fp: Fingerprint;
  /** Birth time in ns ('' when unknown): part of the record identity. */
  readonly birthNs: string;
  /** Truncations seen (persisted in the checkpoint): part of the record identity. */
  generation: number;
  /** Last size seen (stat or read), for the lag metric. */
  size: number;
  lastActiveMs: number;
  releasedAtMs = 0;
  /** Where reading started when the file was first followed (for the log and metrics). */
  startedFrom: 'checkpoint' | 'beginning' | 'end' = 'beginning';
  readonly acks: AckTracker;
  /**
   * Resumed from a checkpoint that recorded events sent beyond its acknowledged offset:
   * events read again below this offset were sent by the previous run (possible duplicates).
   */
  resendUntil = 0;

  readonly #opts: TailerOptions;
  #handle: FileHandle | null = null;
  #splitter: LineSplitter;
  readonly #joiner: MultilineJoiner;
  #lastGrowthMs: number;
  #pass: PassResult | null = null;
  readonly #sink: LineSink;

  constructor(
    init: {
      key: FileKey;
      dev: bigint;
      ino: bigint;
      path: string;
      root: string;
      topic: string;
      fields: Record<string, string>;
      offset: number;
      fp: Fingerprint;
      size: number;
      birthNs: string;
      generation: number;
    },
    opts: TailerOptions,
  ) {
    this.key = init.key;
    this.dev = String(init.dev);
    this.ino = String(init.ino);
    this.path = init.path;
    this.root = init.root;
    this.topic = init.topic;
    this.fields = init.fields;
    this.fp = init.fp;
    this.birthNs = init.birthNs;
    this.generation = init.generation;
    this.size = init.size;
    this.#opts = opts;
    this.lastActiveMs = opts.now();
    this.#lastGrowthMs = this.lastActiveMs;
    this.acks = new AckTracker(init.offset);
    this.#splitter = new LineSplitter(opts.maxEventBytes, init.offset);
    this.#joiner = new MultilineJoiner(opts.rule, (e) => opts.onEvent(this, e), opts.now);
    this.#sink = (buf, start, end, offset, length, flags) => {
      const line = opts.decoder(buf, start, end, flags);
      const pass = this.#pass;
      if (pass) {
        pass.events += 1;
        if (line.flags & FLAG_TRUNCATED) pass.truncated += 1;
        if (line.flags & FLAG_INVALID_UTF8) pass.invalidUtf8 += 1;
        if (line.flags & FLAG_PARTIAL) pass.partial += 1;
        if (offset < this.resendUntil) pass.resent += 1;
      }
      this.#joiner.push(line.text, offset, length, line.flags);
    };
  }

  /** Next byte to read. */
  get position(): number {
    return this.#splitter.position;
  }

  get isOpen(): boolean {
    return this.#handle !== null;
  }

  /** Whether lines are held waiting for a newline, a continuation or a closing part. */
  get holding(): boolean {
    return this.#splitter.pendingBytes > 0 || this.#joiner.hasPending;
  }

  transition(next: TailState): void {
    assertTransition(this.state, next);
    this.state = next;
  }

  /**
   * Opens (or reopens) the file by path and checks it is still this file: same device and
   * inode, and the same first bytes as far as they were fingerprinted.
   */
  async open(): Promise<OpenResult> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? 'gone' : 'unreadable';
    }
    try {
      const s = await handle.stat({ bigint: true });
      if (!s.isFile()) {
        await handle.close();
        return 'unreadable';
      }
      if (String(s.dev) !== this.dev || String(s.ino) !== this.ino) {
        await handle.close();
        return 'replaced';
      }
      if (!(await matchesFingerprint(handle, this.fp))) {
        await handle.close();
        return 'reused';
      }
      this.size = Number(s.size);
      // A short file's fingerprint grows with it (identity.ts); take what is there now.
      if (this.fp.length < FINGERPRINT_BYTES && this.size > this.fp.length)
        this.fp = await readFingerprint(handle);
    } catch {
      await handle.close().catch(() => undefined);
      return 'unreadable';
    }
    this.#handle = handle;
    return 'ok';
  }

  async closeHandle(): Promise<void> {
    const h = this.#handle;
    this.#handle = null;
    await h?.close().catch(() => undefined);
  }

  /** Starts over at `offset` (after a truncation): held lines are emitted first, nothing is dropped. */
  restartAt(offset: number): void {
    this.flushHeld();
    // Offsets repeat from here: a new generation keeps the new events' ids apart.
    this.generation += 1;
    this.#splitter = new LineSplitter(this.#opts.maxEventBytes, offset);
    this.acks.reset(offset);
    this.resendUntil = 0;
  }

  /** Reads at most `budget` bytes using `buf` (shared; valid only during this call). */
  async readPass(buf: Buffer, budget: number): Promise<PassResult> {
    const pass = emptyPass();
    const handle = this.#handle;
    if (!handle) return pass;
    this.#pass = pass;
    try {
      while (pass.bytes < budget) {
        const want = Math.min(buf.length, budget - pass.bytes);
        const { bytesRead } = await handle.read(buf, 0, want, this.#splitter.position);
        if (bytesRead === 0) {
          pass.eof = true;
          const s = await handle.stat();
          this.size = s.size;
          if (s.size < this.#splitter.position) pass.shrunkTo = s.size;
          if (s.nlink === 0) pass.unlinked = true;
          break;
        }
        this.#splitter.push(buf, 0, bytesRead, this.#sink);
        pass.bytes += bytesRead;
      }
      if (pass.bytes > 0) {
        const now = this.#opts.now();
        this.#lastGrowthMs = now;
        this.lastActiveMs = now;
        if (this.#splitter.position > this.size) this.size = this.#splitter.position;
        if (this.fp.length < FINGERPRINT_BYTES) this.fp = await readFingerprint(handle);
      }
    } finally {
      this.#pass = null;
    }
    return pass;
  }

  /** Emits what timeouts released (partial line, held multi-line event). Returns event count. */
  checkTimers(nowMs: number): PassResult | null {
    if (!this.holding) return null;
    const pass = emptyPass();
    this.#pass = pass;
    try {
      if (this.#splitter.pendingBytes > 0 && nowMs - this.#lastGrowthMs >= this.#opts.partialLineTimeoutMs) {
        this.#splitter.flushPartial(this.#sink);
      }
      this.#joiner.flushIfDue(nowMs);
    } finally {
      this.#pass = null;
    }
    return pass;
  }

  /** Emits everything held now (the file is finished: drained after delete or rotation). */
  flushHeld(): void {
    this.#splitter.flushPartial(this.#sink);
    this.#joiner.flush();
  }

  /** When a timer must look at this file again, or null. */
  get dueAtMs(): number | null {
    let due: number | null = this.#joiner.dueAtMs;
    if (this.#splitter.pendingBytes > 0) {
      const p = this.#lastGrowthMs + this.#opts.partialLineTimeoutMs;
      due = due === null ? p : Math.min(due, p);
    }
    return due;
  }
}
