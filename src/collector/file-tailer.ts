/**
 * Reads one file: from an offset, through the line splitter, decoder and multiline joiner,
 * into events. Reads go into the caller's reused buffer and stop after a byte budget per
 * pass so one busy file cannot starve the others (and the loop is never held for long: the
 * reads are synchronous, fs-port.ts says why).
 *
 * The tailer owns a file's reading state (position, unfinished line, held multi-line event,
 * acknowledgements, identity); the collector loop decides when it reads, closes or drains,
 * and tells it what the scans saw (a rename, a size) through methods, never by writing its
 * fields.
 */
import type { MultilineRule } from '../config/types.js';
import { FLAG_INVALID_UTF8, FLAG_PARTIAL, FLAG_TRUNCATED, RECORD_FLAGS } from '../schema/event-flags.js';
import { encodeRunHeader, type RunHeader } from '../schema/run-encoder.js';
import { AckTracker } from './ack-tracker.js';
import { repairUtf8, type LineDecoder } from './decoder.js';
import type { CollectorFs, TailFile } from './fs-port.js';
import {
  EMPTY_FINGERPRINT,
  FINGERPRINT_BYTES,
  readFingerprint,
  matchesFingerprint,
  recordIdentity,
  type FileKey,
  type Fingerprint,
} from './identity.js';
import { FLAG_UTF8_UNCHECKED, LineSplitter, type LineSink } from './line-splitter.js';
import { MultilineJoiner } from './multiline.js';
import { assertTransition, type TailState } from './tail-state.js';

export interface TailerOptions {
  maxEventBytes: number;
  partialLineTimeoutMs: number;
  rule: MultilineRule;
  decoder: LineDecoder;
  fs: CollectorFs;
  now(): number;
  /**
   * One finished event (a line or a joined multi-line event), in file order: its UTF-8 text is
   * `buf[start..end)`, valid only during the call.
   */
  onEvent(
    tail: FileTailer,
    buf: Buffer,
    start: number,
    end: number,
    offset: number,
    length: number,
    flags: number,
  ): void;
}

export interface TailInit {
  key: FileKey;
  dev: bigint;
  ino: bigint;
  host: string;
  path: string;
  root: string;
  topic: string;
  fields: Readonly<Record<string, string>>;
  /** Where reading starts (a checkpoint's acknowledged offset, 0, or the size for start_at end). */
  offset: number;
  fp: Fingerprint;
  size: number;
  birthNs: string;
  generation: number;
  startedFrom: 'checkpoint' | 'beginning' | 'end';
  /**
   * Resumed from a checkpoint that recorded events sent beyond its acknowledged offset:
   * events read again below this offset were sent by the previous run (possible duplicates).
   */
  resendUntil: number;
}

/**
 * `rewritten`: open, and the same file (same inode and birth time), but its first bytes are
 * not the ones read before: it was truncated and written again while closed (copytruncate),
 * so reading starts over in a new generation.
 */
export type OpenResult = 'ok' | 'rewritten' | 'gone' | 'replaced' | 'reused' | 'unreadable';

export interface PassResult {
  bytes: number;
  events: number;
  /** Reached the end of the file in this pass. */
  eof: boolean;
  /** The file is now shorter than the read position (copytruncate). */
  shrunkTo: number | null;
  /** Size last seen before this pass (what the file held before a truncation, at least). */
  sizeBefore: number;
  /** A copytruncate copy was read to its end; the file itself now starts a new generation at 0. */
  copyDone: boolean;
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
    sizeBefore: 0,
    copyDone: false,
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
  readonly topic: string;
  readonly fields: Readonly<Record<string, string>>;
  /** The Kafka key of its records: one file, one partition. */
  readonly recordKey: string;
  /** Birth time in ns ('' when unknown): part of the record identity. */
  readonly birthNs: string;
  readonly startedFrom: 'checkpoint' | 'beginning' | 'end';
  readonly acks: AckTracker;

  readonly #host: string;
  readonly #opts: TailerOptions;
  #path: string;
  #state: TailState = { kind: 'opening' };
  #fp: Fingerprint;
  /** Truncations seen (persisted in the checkpoint): part of the record identity. */
  #generation: number;
  /** Last size seen (stat or read), for the lag metric. */
  #size: number;
  #lastActiveMs: number;
  #lastGrowthMs: number;
  #resendUntil: number;
  #handle: TailFile | null = null;
  /** A copytruncate copy being read before the truncated file (copy-finder.ts). */
  #copy: TailFile | null = null;
  #splitter: LineSplitter;
  readonly #joiner: MultilineJoiner;
  #pass: PassResult | null = null;
  readonly #sink: LineSink;
  /** Changes whenever what the record header says changes (path, identity, generation). */
  #headerStamp = 0;
  #header: { stamp: number; header: RunHeader } | null = null;

  constructor(init: TailInit, opts: TailerOptions) {
    this.key = init.key;
    this.dev = String(init.dev);
    this.ino = String(init.ino);
    this.#host = init.host;
    this.#path = init.path;
    this.root = init.root;
    this.topic = init.topic;
    this.fields = init.fields;
    this.recordKey = `${init.host}/${init.key}`;
    this.#fp = init.fp;
    this.birthNs = init.birthNs;
    this.#generation = init.generation;
    this.#size = init.size;
    this.startedFrom = init.startedFrom;
    this.#resendUntil = init.resendUntil;
    this.#opts = opts;
    this.#lastActiveMs = opts.now();
    this.#lastGrowthMs = this.#lastActiveMs;
    this.acks = new AckTracker(init.offset);
    this.#splitter = new LineSplitter(opts.maxEventBytes, init.offset, opts.decoder.passThrough);
    this.#joiner = new MultilineJoiner(
      opts.rule,
      (buf, start, end, offset, length, lineFlags) => {
        const flags = lineFlags & RECORD_FLAGS;
        // Lines checked with their chunk (line-splitter.ts) need no second look.
        const repaired = lineFlags & FLAG_UTF8_UNCHECKED ? repairUtf8(buf, start, end) : null;
        if (repaired === null) {
          opts.onEvent(this, buf, start, end, offset, length, flags);
          return;
        }
        if (this.#pass) this.#pass.invalidUtf8 += 1;
        opts.onEvent(this, repaired, 0, repaired.length, offset, length, flags | FLAG_INVALID_UTF8);
      },
      opts.now,
    );
    const decoder = opts.decoder;
    this.#sink = (buf, start, end, offset, length, lineFlags) => {
      decoder.decode(buf, start, end, lineFlags);
      const flags = decoder.flags;
      const pass = this.#pass;
      if (pass) {
        pass.events += 1;
        if (flags & FLAG_TRUNCATED) pass.truncated += 1;
        if (flags & FLAG_INVALID_UTF8) pass.invalidUtf8 += 1;
        if (flags & FLAG_PARTIAL) pass.partial += 1;
        if (offset < this.#resendUntil) pass.resent += 1;
      }
      this.#joiner.push(decoder.bytes, decoder.start, decoder.end, offset, length, flags);
    };
  }

  get path(): string {
    return this.#path;
  }

  get state(): TailState {
    return this.#state;
  }

  get fp(): Fingerprint {
    return this.#fp;
  }

  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#size;
  }

  get lastActiveMs(): number {
    return this.#lastActiveMs;
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

  /** Changes whenever the record header would: a run never spans two values. */
  get headerStamp(): number {
    return this.#headerStamp;
  }

  /** The encoded per-file part of this file's records, made again only after a change. */
  runHeader(): RunHeader {
    const cached = this.#header;
    if (cached && cached.stamp === this.#headerStamp) return cached.header;
    const header = encodeRunHeader({
      host: this.#host,
      path: this.#path,
      dev: this.dev,
      inode: this.ino,
      fingerprint: recordIdentity(this.birthNs, this.#fp),
      generation: this.#generation,
      fields: this.fields,
    });
    this.#header = { stamp: this.#headerStamp, header };
    return header;
  }

  transition(next: TailState): void {
    assertTransition(this.#state, next);
    this.#state = next;
  }

  /** The file is known under another path now (rename rotation). */
  renamed(to: string): void {
    if (to === this.#path) return;
    this.#path = to;
    this.#headerStamp += 1;
  }

  /** A scan saw the file at this size. */
  sizeSeen(size: number): void {
    this.#size = size;
  }

  /**
   * Opens (or reopens) the file by path and checks it is still this file: same device and
   * inode, and the same first bytes as far as they were fingerprinted.
   */
  async open(): Promise<OpenResult> {
    let handle: TailFile;
    try {
      handle = await this.#opts.fs.openFile(this.#path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? 'gone' : 'unreadable';
    }
    try {
      const s = handle.stat();
      if (!s.isFile()) {
        await handle.close();
        return 'unreadable';
      }
      if (String(s.dev) !== this.dev || String(s.ino) !== this.ino) {
        await handle.close();
        return 'replaced';
      }
      this.#size = Number(s.size);
      if (!matchesFingerprint(handle, this.#fp)) {
        // With birth times, the same inode and birth is the same file: its start was rewritten.
        // Without them, other first bytes are another file on a reused inode.
        if (this.birthNs === '' || String(s.birthtimeNs) !== this.birthNs) {
          await handle.close();
          return 'reused';
        }
        this.#handle = handle;
        return 'rewritten';
      }
      // A short file's fingerprint grows with it (identity.ts); take what is there now.
      if (this.#fp.length < FINGERPRINT_BYTES && this.#size > this.#fp.length)
        await this.#refreshFingerprint(handle);
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
    this.#generation += 1;
    this.#headerStamp += 1;
    // The new content has first bytes of its own: fingerprint them again as they come.
    this.#fp = EMPTY_FINGERPRINT;
    this.#splitter = new LineSplitter(this.#opts.maxEventBytes, offset, this.#opts.decoder.passThrough);
    this.acks.reset(offset);
    this.#resendUntil = 0;
  }

  /**
   * Reads what `copy` (the copy logrotate's copytruncate made of this file) holds past the
   * read position, before anything else: the lines written after the last read and before
   * the truncation, under this generation's identity and offsets. When it is read to its end
   * the file starts over at 0 in a new generation (`PassResult.copyDone`).
   */
  followCopy(copy: TailFile): void {
    void this.#copy?.close().catch(() => undefined);
    this.#copy = copy;
  }

  get readingCopy(): boolean {
    return this.#copy !== null;
  }

  /** Reads at most `budget` bytes using `buf` (shared; valid only during this call). */
  readPass(buf: Buffer, budget: number): PassResult {
    const pass = emptyPass();
    pass.sizeBefore = this.#size;
    const copy = this.#copy;
    const handle = copy ?? this.#handle;
    if (!handle) return pass;
    this.#pass = pass;
    try {
      while (pass.bytes < budget) {
        const want = Math.min(buf.length, budget - pass.bytes);
        const bytesRead = handle.read(buf, 0, want, this.#splitter.position);
        if (bytesRead === 0) {
          if (copy) this.#finishCopy(copy, pass);
          else this.#atEnd(handle, pass);
          break;
        }
        this.#splitter.push(buf, 0, bytesRead, this.#sink);
        this.#joiner.endOfChunk();
        pass.bytes += bytesRead;
      }
      if (pass.bytes > 0) {
        const now = this.#opts.now();
        this.#lastGrowthMs = now;
        this.#lastActiveMs = now;
        if (this.#splitter.position > this.#size) this.#size = this.#splitter.position;
        if (!copy && this.#fp.length < FINGERPRINT_BYTES) this.#refreshFingerprint(handle);
      }
      // Caught up: the file may stay quiet for hours; keep no buffers for it meanwhile.
      if (pass.eof) this.#joiner.releaseIdle();
    } finally {
      this.#pass = null;
    }
    return pass;
  }

  #atEnd(handle: TailFile, pass: PassResult): void {
    pass.eof = true;
    const s = handle.stat();
    this.#size = Number(s.size);
    if (this.#size < this.#splitter.position) pass.shrunkTo = this.#size;
    if (s.nlink === 0n) pass.unlinked = true;
  }

  /** The copy is read: its held lines end this generation, the file itself starts over. */
  #finishCopy(copy: TailFile, pass: PassResult): void {
    this.#copy = null;
    void copy.close().catch(() => undefined);
    pass.copyDone = true;
    this.restartAt(0);
  }

  /** Emits what timeouts released (partial line, held multi-line event). */
  checkTimers(nowMs: number): PassResult | null {
    if (!this.holding) return null;
    const pass = emptyPass();
    this.#pass = pass;
    try {
      if (this.#splitter.pendingBytes > 0 && nowMs - this.#lastGrowthMs >= this.#opts.partialLineTimeoutMs) {
        this.#splitter.flushPartial(this.#sink);
        this.#joiner.endOfChunk();
      }
      this.#joiner.flushIfDue(nowMs);
      this.#joiner.releaseIdle();
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

  #refreshFingerprint(handle: TailFile): void {
    const before = recordIdentity(this.birthNs, this.#fp);
    this.#fp = readFingerprint(handle);
    // Without birth times the identity is final only at 1 KiB: records after that say so.
    if (recordIdentity(this.birthNs, this.#fp) !== before) this.#headerStamp += 1;
  }
}
