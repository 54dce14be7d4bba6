/**
 * The collector loop: ties discovery, scans, tailers, the sender and the checkpoint store
 * together. All state is keyed by file identity (device + inode, confirmed by the
 * fingerprint); a path is an attribute that changes on rename.
 *
 * One async loop does everything that touches tailers (scans, reads, timers), so no two
 * steps interleave on one file. Watch events and timers only mark work and wake the loop.
 */
import { lstatSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import picomatch from 'picomatch';
import type { KafkaConfig as KafkaJsConfig, Producer } from 'kafkajs';
import type { CollectorConfig, KafkaConfig } from '../config/types.js';
import { CheckpointError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { RawRecordCodec, type RawRecord } from '../schema/raw-record.js';
import type { AckTicket } from './ack-tracker.js';
import { CheckpointStore } from './checkpoint-store.js';
import { checkCollectorConfig } from './config-check.js';
import { createDecoder, type LineDecoder } from './decoder.js';
import { Discovery } from './discovery.js';
import { flagNames } from './event-flags.js';
import { noopEvents, type CollectorEvents } from './events.js';
import { FileTailer } from './file-tailer.js';
import { EMPTY_FINGERPRINT, recordIdentity, type FileKey } from './identity.js';
import { compressionOf, createProducer } from './kafka-client.js';
import { ruleForPath, type MultilineEvent } from './multiline.js';
import { PathFilter } from './path-filter.js';
import { PathMetadata } from './path-metadata.js';
import { scanDirectory } from './scanner.js';
import { KafkaSender } from './sender.js';
import { diffSnapshots, keyOf, type FileStat, type FsOp } from './snapshot.js';
import type { FileLagView } from './collector-metrics.js';

/** Bytes read from one file per pass before the next file gets its turn. */
const READ_BUDGET = 256 * 1024;
const READ_BUFFER = 64 * 1024;
/** Directories scanned per loop turn, so a full rescan of a large tree is spread out. */
const DIRS_PER_TURN = 64;
/** Folders (and then open files) checked per loop turn by the periodic rescan. */
const CHECKS_PER_TURN = 512;
/**
 * The periodic rescan fully re-reads (readdir + stat of every file) 1/COLD_PERIODS of the
 * folders per period, in a rotating order, so every file is stat-ed at least once every
 * COLD_PERIODS periods even when nothing announced a change.
 */
const COLD_PERIODS = 6;
/**
 * A folder mtime this close to the moment it was read is not trusted: an entry created in
 * the same timestamp tick right after the readdir would leave the mtime unchanged.
 */
const RACY_NS = 2_000_000_000n;
/** How often timers (partial lines, multiline timeouts, inactivity) are looked at. */
const HOUSEKEEPING_MS = 100;
/**
 * How long a rotated or deleted file is kept open after reaching its end, for a writer
 * that still holds it and appends a last few lines (Fluent Bit calls it rotate_wait).
 */
const ROTATE_WAIT_MS = 5000;

interface AckItem {
  tail: FileTailer;
  ticket: AckTicket;
}

export interface CollectorOptions {
  config: CollectorConfig;
  kafka: KafkaConfig;
  logger: Logger;
  events?: CollectorEvents;
  /** Test hook: extra kafkajs client options (e.g. a socketFactory through a proxy). */
  kafkaOverrides?: Partial<KafkaJsConfig>;
  /** Test hook: a ready producer instead of one built from `kafka`. */
  producer?: Producer;
}

export interface CollectorStats {
  filesWatched: number;
  filesOpen: number;
  inFlightBytes: number;
  kafkaUp: boolean;
  eventsAcked: number;
}

export class Collector {
  readonly #cfg: CollectorConfig;
  readonly #log: Logger;
  readonly #events: CollectorEvents;
  readonly #store: CheckpointStore;
  readonly #sender: KafkaSender<AckItem>;
  readonly #codec = new RawRecordCodec();
  readonly #filter: PathFilter;
  readonly #meta: PathMetadata;
  readonly #host: string;
  readonly #roots: string[];
  readonly #discovery: Discovery;
  readonly #topicRules: { test: (p: string) => boolean; topic: string }[];
  readonly #encodingRules: { test: (p: string) => boolean; decoder: LineDecoder }[];
  readonly #utf8 = createDecoder('utf-8');
  readonly #defaultTopic: string;
  readonly #buf = Buffer.allocUnsafe(READ_BUFFER);

  readonly #tails = new Map<FileKey, FileTailer>();
  readonly #byPath = new Map<string, FileTailer>();
  /** Released (drained) tails whose last events are still in flight. */
  readonly #released = new Set<FileTailer>();
  readonly #snapshot = new Map<string, FileStat>();
  readonly #dirFiles = new Map<string, Set<string>>();
  readonly #dirRoot = new Map<string, string>();
  readonly #dirtyDirs = new Set<string>();
  readonly #readQueue = new Set<FileTailer>();
  readonly #checkpointDirty = new Set<FileTailer>();
  readonly #reportedUnreadable = new Set<string>();
  /** Folder -> identity and mtime when last read completely (only when not racy). */
  readonly #dirSeen = new Map<string, { ino: bigint; mtimeNs: bigint }>();
  /** The periodic rescan in progress: folders to check, then open files to check. */
  #checkDirs: string[] = [];
  #checkFiles: string[] = [];
  /** Folders still to be fully re-read in this cold cycle (rotating cursor). */
  #coldDirs: string[] = [];
  #coldPerPeriod = 0;

  #initialScan = true;
  #stopping = false;
  #loopDone: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;
  #nextHousekeepingMs = 0;
  #nextRescanMs = 0;
  #nextCheckpointMs = 0;
  #nextSeenRefreshMs = 0;
  /** The checkpoint write in progress (and the one queued behind it), if any. */
  #checkpointing: Promise<void> | null = null;
  /** Acknowledgements arrived while a write was in progress: write once more after it. */
  #checkpointAgain = false;
  /** Tails with an open handle, plus closed ones still holding lines for a timer. */
  readonly #live = new Set<FileTailer>();
  #openCount = 0;
  #eventsAcked = 0;

  private constructor(opts: CollectorOptions, store: CheckpointStore, newProducer: () => Producer) {
    const c = opts.config;
    this.#cfg = c;
    this.#log = opts.logger;
    this.#events = opts.events ?? noopEvents;
    this.#store = store;
    this.#filter = new PathFilter(c.include, c.exclude);
    this.#meta = new PathMetadata(c.path_templates, c.labels);
    this.#host = c.host_name || hostname();
    this.#roots = c.roots.map((r) => (r.length > 1 && r.endsWith('/') ? r.slice(0, -1) : r));
    this.#defaultTopic = opts.kafka.topic;
    this.#topicRules = c.topics.map((r) => ({ test: picomatch(r.path, { dot: true }), topic: r.topic }));
    this.#encodingRules = c.encoding.map((r) => ({
      test: picomatch(r.path, { dot: true }),
      decoder: createDecoder(r.encoding),
    }));
    this.#sender = new KafkaSender<AckItem>(
      newProducer,
      {
        batchMaxBytes: c.batch_max_bytes,
        batchMaxEvents: c.batch_max_events,
        batchLingerMs: c.batch_linger_ms,
        maxInFlightBatches: c.max_in_flight_batches,
        maxInFlightBytes: c.max_in_flight_bytes,
        compression: compressionOf(opts.kafka),
        requestTimeoutMs: opts.kafka.request_timeout_ms,
      },
      this.#events,
      (items) => this.#acked(items),
      (_item, value, maxBytes) => this.#cutRecord(value, maxBytes),
    );
    this.#discovery = new Discovery(
      {
        roots: this.#roots.map((root) => ({ root })),
        filter: this.#filter,
        followSymlinks: c.follow_symlinks,
      },
      {
        dirChanged: (dir) => this.#markDir(dir),
        dirRemoved: (dir) => this.#markDir(dir),
        entryChanged: (path, dir, kind) => {
          const t = this.#byPath.get(path);
          if (t) this.#markRead(t);
          if (!t || kind === 'rename') this.#markDir(dir);
        },
        error: (path, code) => {
          if (code === 'ENOSPC') this.#events.watchLimitReached(path);
          else this.#events.watchError(path, code);
        },
      },
    );
  }

  /** Validates the configuration (ConfigError), opens the checkpoint store, builds the producer. */
  static async create(opts: CollectorOptions): Promise<Collector> {
    checkCollectorConfig(opts.config);
    compressionOf(opts.kafka);
    const store = await CheckpointStore.open(opts.config.checkpoint_dir);
    const given = opts.producer;
    // A producer is replaced only after the broker refused a too-large batch (sender.ts).
    const newProducer = given ? () => given : () => createProducer(opts.kafka, opts.kafkaOverrides);
    return new Collector(opts, store, newProducer);
  }

  /** Watches, scans the trees once (files found now follow `start_at`), then runs the loop. */
  async start(): Promise<void> {
    // Watches first, so nothing created during the initial scan can slip between the two.
    await this.#discovery.start();
    for (const root of this.#roots) {
      this.#dirRoot.set(root, root);
      this.#dirtyDirs.add(root);
    }
    while (this.#dirtyDirs.size > 0) await this.#scanSome(Number.MAX_SAFE_INTEGER);
    this.#initialScan = false;
    const now = Date.now();
    this.#nextRescanMs = now + this.#cfg.rescan_interval_ms;
    this.#nextCheckpointMs = now + this.#cfg.checkpoint_interval_ms;
    this.#loopDone = this.#loop().catch((error: unknown) => {
      this.#log.fatal({ err: String((error as Error)?.stack ?? error) }, 'collector loop failed');
      throw error;
    });
  }

  /** Stops reading, sends what was read, writes the checkpoint; bounded by shutdown_timeout_ms. */
  async stop(): Promise<{ drained: boolean }> {
    const deadline = Date.now() + this.#cfg.shutdown_timeout_ms;
    this.#stopping = true;
    this.#wake?.();
    await this.#loopDone.catch(() => undefined);
    await this.#discovery.close();
    // Leave room for the final checkpoint write within the deadline.
    const drained = await this.#sender.drain(Math.max(0, deadline - Date.now() - 500));
    await this.#checkpointing?.catch(() => undefined);
    await this.#writeCheckpoint(true).catch((error: unknown) => {
      this.#log.error({ err: String(error) }, 'final checkpoint write failed');
    });
    for (const t of this.#tails.values()) await t.closeHandle();
    await this.#sender.close();
    return { drained };
  }

  stats(): CollectorStats {
    return {
      filesWatched: this.#tails.size,
      filesOpen: this.#openCount,
      inFlightBytes: this.#sender.inFlightBytes,
      kafkaUp: this.#sender.kafkaUp,
      eventsAcked: this.#eventsAcked,
    };
  }

  *lags(): Iterable<FileLagView> {
    for (const t of this.#tails.values())
      yield { path: t.path, lagBytes: Math.max(0, t.size - t.acks.committed) };
  }

  // ---- marking work -------------------------------------------------------------------

  #markDir(dir: string): void {
    if (!this.#dirRoot.has(dir)) {
      const root = this.#roots.find((r) => dir === r || dir.startsWith(r + '/'));
      if (!root) return;
      this.#dirRoot.set(dir, root);
    }
    this.#dirtyDirs.add(dir);
    this.#wake?.();
  }

  #markRead(t: FileTailer): void {
    t.dirty = true;
    this.#readQueue.add(t);
    this.#wake?.();
  }

  // ---- the loop -----------------------------------------------------------------------

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const now = Date.now();
      if (now >= this.#nextHousekeepingMs) await this.#housekeeping(now);
      if (this.#checkDirs.length > 0 || this.#checkFiles.length > 0) this.#checkSome(CHECKS_PER_TURN);
      if (this.#dirtyDirs.size > 0) await this.#scanSome(DIRS_PER_TURN);
      if (!this.#sender.hasRoom) {
        // Backpressure: read nothing until Kafka acknowledged enough (timers still run).
        await Promise.race([this.#sender.waitForRoom(), sleep(HOUSEKEEPING_MS)]);
        continue;
      }
      if (this.#readQueue.size > 0) {
        for (const t of [...this.#readQueue]) {
          if (this.#stopping || !this.#sender.hasRoom) break;
          await this.#readTail(t);
        }
        continue;
      }
      if (this.#dirtyDirs.size > 0 || this.#checkDirs.length > 0 || this.#checkFiles.length > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, this.#nextHousekeepingMs - Date.now()));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async #readTail(t: FileTailer): Promise<void> {
    this.#readQueue.delete(t);
    t.dirty = false;
    if (t.state.kind === 'released') return;
    if (!t.isOpen) {
      if (t.state.kind === 'draining') {
        this.#release(t, 'deleted');
        return;
      }
      if (!(await this.#openTail(t))) return;
    }
    if (t.state.kind === 'idle') t.transition({ kind: 'reading' });
    const r = await t.readPass(this.#buf, READ_BUDGET);
    if (r.bytes > 0) this.#events.bytesRead(r.bytes, r.events);
    if (r.resent > 0) this.#events.eventsResent(r.resent);
    if (r.truncated || r.invalidUtf8 || r.partial)
      this.#events.eventsFlagged(r.truncated, r.invalidUtf8, r.partial);
    if (r.shrunkTo !== null) {
      this.#events.fileTruncated(t.path, r.shrunkTo, t.position);
      t.restartAt(0);
      this.#checkpointDirty.add(t);
      t.dirty = true;
    }
    if (r.unlinked && t.state.kind !== 'draining') t.transition({ kind: 'draining', why: 'deleted' });
    if (!r.eof) t.dirty = true;
    if (t.dirty) {
      this.#readQueue.add(t);
      return;
    }
    if (t.state.kind === 'reading') t.transition({ kind: 'idle', sinceMs: Date.now() });
  }

  /** Opens a new tail, or a closed one again (it changed). Returns whether it is open now. */
  async #openTail(t: FileTailer): Promise<boolean> {
    this.#makeRoomForOpen();
    const first = t.state.kind === 'opening';
    if (t.state.kind === 'closed') t.transition({ kind: 'opening' });
    const result = await t.open();
    switch (result) {
      case 'ok':
        this.#openCount += 1;
        this.#live.add(t);
        t.transition({ kind: 'reading' });
        if (t.size < t.position) {
          // Shrank while closed or while we were not running (copytruncate).
          this.#events.fileTruncated(t.path, t.size, t.position);
          t.restartAt(0);
          this.#checkpointDirty.add(t);
        }
        if (first) this.#events.fileWatched(t.path, t.position, t.startedFrom);
        return true;
      case 'gone':
      case 'replaced':
        // The path holds another file (or none): ours was renamed away or deleted while
        // closed. A rescan of its folder finds it under a new name if it still exists.
        if (first) this.#forget(t, 'deleted');
        else t.transition({ kind: 'closed', reason: 'inactive' });
        this.#markDir(dirname(t.path));
        return false;
      case 'reused':
        // Same inode, different first bytes: a new file. Forget the old state (and its
        // checkpoint); the rescan admits the new file from its start.
        this.#events.inodeReused(t.path);
        this.#forget(t, 'replaced');
        this.#markDir(dirname(t.path));
        return false;
      case 'unreadable':
        this.#unreadable(t.path, 'open failed');
        this.#forget(t, 'unreadable');
        return false;
    }
  }

  /**
   * Keeps the open-file limit: closes the least recently active open file, idle ones first,
   * else one that still has data to read (it keeps its place and is reopened on its turn;
   * no read pass is running while the loop opens a file). A draining file is never closed:
   * its name is gone, so it could not be reopened. Only when every open file is draining
   * does the limit give way.
   */
  #makeRoomForOpen(): void {
    if (this.#openCount < this.#cfg.max_open_files) return;
    let idle: FileTailer | null = null;
    let busy: FileTailer | null = null;
    for (const t of this.#live) {
      if (!t.isOpen) continue;
      if (t.state.kind === 'idle') {
        if (!idle || t.lastActiveMs < idle.lastActiveMs) idle = t;
      } else if (t.state.kind === 'reading' && (!busy || t.lastActiveMs < busy.lastActiveMs)) busy = t;
    }
    const lru = idle ?? busy;
    if (!lru) return;
    if (lru === busy) this.#readQueue.add(lru); // still has data: its turn comes again
    this.#closeTail(lru, 'open-file-limit');
  }

  #closeTail(t: FileTailer, reason: 'inactive' | 'open-file-limit'): void {
    void t.closeHandle();
    this.#openCount -= 1;
    if (!t.holding) this.#live.delete(t);
    t.transition({ kind: 'closed', reason });
    this.#events.fileClosed(t.path, reason);
  }

  async #housekeeping(now: number): Promise<void> {
    this.#nextHousekeepingMs = now + HOUSEKEEPING_MS;
    // Only files with a handle (or lines held for a timer) have anything to look at: an idle
    // host with 50,000 closed files costs nothing here.
    for (const t of this.#live) {
      if (!t.isOpen && !t.holding) {
        this.#live.delete(t);
        continue;
      }
      if (t.holding) {
        const due = t.dueAtMs;
        if (due !== null && due <= now) {
          const r = t.checkTimers(now);
          if (r && r.partial) this.#events.eventsFlagged(0, 0, r.partial);
        }
      }
      switch (t.state.kind) {
        case 'idle':
          if (t.isOpen && now - t.lastActiveMs >= this.#cfg.close_inactive_ms && !t.holding)
            this.#closeTail(t, 'inactive');
          break;
        case 'draining':
          // Nobody announces writes to a rotated name we do not watch: poll it until done.
          if (!t.dirty && t.isOpen && now - t.lastActiveMs >= ROTATE_WAIT_MS) {
            t.flushHeld();
            this.#release(t, t.state.why);
          } else if (!t.dirty) this.#markRead(t);
          break;
        default:
          break;
      }
    }
    while (this.#openCount > this.#cfg.max_open_files) {
      const before = this.#openCount;
      this.#makeRoomForOpen();
      if (this.#openCount === before) break;
    }
    if (now >= this.#nextRescanMs) {
      this.#nextRescanMs = now + this.#cfg.rescan_interval_ms;
      this.#startRescan();
    }
    if (now >= this.#nextCheckpointMs) this.#requestCheckpoint();
  }

  // ---- scanning -----------------------------------------------------------------------

  /**
   * The periodic rescan catches what watch events missed (inotify queue overflow, watch
   * limits, file systems without events). A full readdir + stat of every file each period
   * cost ~2% of a core at 10,000 files, so one period only:
   *  - stats every known folder; one whose mtime (or inode) changed since it was last read
   *    completely, or that was read too recently to trust its mtime (RACY_NS), or that is
   *    gone, is re-read completely (#scanDir: readdir + stat + diff). A folder's mtime changes
   *    on every create, delete and rename of an entry, so NEW, DELETED and RENAMED names
   *    (and new sub-folders) are found within one period;
   *  - stats every file with an open handle (or lines held): their growth, truncation or
   *    replacement is found within one period, and their folder re-read;
   *  - re-reads 1/COLD_PERIODS of the folders completely, in a rotating order, so growth of
   *    a closed (inactive) file with no event, or a change a folder mtime did not show, is
   *    found within COLD_PERIODS periods (60 s at the default 10 s; a folder appearing in
   *    the middle of a cycle is read when found and joins the next cycle).
   * The cost per period is bounded: one stat per folder and per open file plus 1/COLD_PERIODS
   * of the old full rescan.
   */
  #startRescan(): void {
    if (this.#coldDirs.length === 0) {
      this.#coldDirs = [...this.#dirRoot.keys()].reverse();
      this.#coldPerPeriod = Math.ceil(this.#coldDirs.length / COLD_PERIODS);
    }
    for (let i = 0; i < this.#coldPerPeriod && this.#coldDirs.length > 0; i++) {
      const dir = this.#coldDirs.pop()!;
      if (this.#dirRoot.has(dir)) this.#dirtyDirs.add(dir);
    }
    this.#checkDirs = [...this.#dirRoot.keys()];
    this.#checkFiles = [];
    for (const t of this.#live) if (t.isOpen || t.holding) this.#checkFiles.push(t.path);
  }

  /** Up to `limit` cheap checks of the periodic rescan; what changed is marked for a scan. */
  #checkSome(limit: number): void {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    let n = 0;
    while (n < limit && this.#checkDirs.length > 0) {
      const dir = this.#checkDirs.pop()!;
      n++;
      if (this.#dirtyDirs.has(dir) || !this.#dirRoot.has(dir)) continue;
      const seen = this.#dirSeen.get(dir);
      let s;
      try {
        s = statSync(dir, { bigint: true, throwIfNoEntry: false });
      } catch {
        s = undefined;
      }
      if (!seen || !s || s.ino !== seen.ino || s.mtimeNs !== seen.mtimeNs || nowNs - s.mtimeNs < RACY_NS)
        this.#markDir(dir);
    }
    while (n < limit && this.#checkFiles.length > 0) {
      const path = this.#checkFiles.pop()!;
      n++;
      const dir = dirname(path);
      if (this.#dirtyDirs.has(dir)) continue;
      const known = this.#snapshot.get(path);
      let s;
      try {
        s = this.#cfg.follow_symlinks
          ? statSync(path, { bigint: true, throwIfNoEntry: false })
          : lstatSync(path, { bigint: true, throwIfNoEntry: false });
      } catch {
        s = undefined;
      }
      if (
        !known ||
        !s ||
        s.ino !== known.ino ||
        s.dev !== known.dev ||
        Number(s.size) !== known.size ||
        Number(s.mtimeMs) !== known.mtimeMs
      )
        this.#markDir(dir);
    }
  }

  async #scanSome(limit: number): Promise<void> {
    let n = 0;
    for (const dir of this.#dirtyDirs) {
      if (n++ >= limit) break;
      this.#dirtyDirs.delete(dir);
      await this.#scanDir(dir);
    }
  }

  async #scanDir(dir: string): Promise<void> {
    const root = this.#dirRoot.get(dir);
    if (!root) return;
    // The folder's mtime before the readdir: a change after this point either shows in the
    // readdir or changes the mtime again (unless in the same tick: see RACY_NS).
    let ds;
    try {
      ds = statSync(dir, { bigint: true, throwIfNoEntry: false });
    } catch {
      ds = undefined;
    }
    if (ds && BigInt(Date.now()) * 1_000_000n - ds.mtimeNs >= RACY_NS)
      this.#dirSeen.set(dir, { ino: ds.ino, mtimeNs: ds.mtimeNs });
    else this.#dirSeen.delete(dir);
    const scan = scanDirectory(dir, {
      root,
      filter: this.#filter,
      followSymlinks: this.#cfg.follow_symlinks,
    });
    if (!scan.ok) this.#dirSeen.delete(dir); // not read: look again next period
    for (const u of scan.unreadable) this.#unreadable(u.path, u.reason);
    const gone = !scan.ok && scan.unreadable.length === 0;
    if (gone && dir !== root) {
      // The folder went away with its files: forget it and every folder below it.
      for (const d of [...this.#dirRoot.keys()]) {
        if (d === dir || d.startsWith(dir + '/')) {
          this.#dirRoot.delete(d);
          this.#dirSeen.delete(d);
          if (d !== dir) this.#dirtyDirs.add(d); // their files are reported gone by their own scans
        }
      }
    }
    for (const sub of scan.dirs) {
      if (!this.#dirRoot.has(sub)) {
        this.#dirRoot.set(sub, root);
        this.#dirtyDirs.add(sub);
      }
    }
    const prevPaths = this.#dirFiles.get(dir) ?? new Set<string>();
    const prev = new Map<string, FileStat>();
    for (const p of prevPaths) {
      const s = this.#snapshot.get(p);
      if (s) prev.set(p, s);
    }
    const ops = diffSnapshots(prev, scan.files, scan.ok || gone ? [] : [dir]);
    if (scan.ok || gone) {
      for (const p of prevPaths) if (!scan.files.has(p)) this.#snapshot.delete(p);
      for (const [p, s] of scan.files) this.#snapshot.set(p, s);
      // Same names as before (the usual case in a rescan): keep the set, allocate nothing.
      let same = prevPaths.size === scan.files.size;
      if (same) for (const p of prevPaths) if (!scan.files.has(p)) same = false;
      if (scan.files.size === 0) this.#dirFiles.delete(dir);
      else if (!same) this.#dirFiles.set(dir, new Set(scan.files.keys()));
    }
    for (const op of ops) await this.#apply(op, root, scan.names);
  }

  async #apply(op: FsOp, root: string, namesInDir: string[]): Promise<void> {
    switch (op.op) {
      case 'create': {
        const existing = this.#tails.get(keyOf(op.stat));
        if (existing) this.#moved(existing, op.path);
        else await this.#admit(op.path, op.stat, root);
        return;
      }
      case 'write':
      case 'truncate': {
        const t = this.#tails.get(keyOf(op.stat));
        if (t) {
          t.size = op.stat.size;
          this.#markRead(t);
        } else await this.#admit(op.path, op.stat, root);
        return;
      }
      case 'rename': {
        const t = this.#tails.get(keyOf(op.stat));
        if (t) this.#moved(t, op.to);
        else await this.#admit(op.to, op.stat, root);
        return;
      }
      case 'delete': {
        const t = this.#tails.get(keyOf(op.stat));
        if (!t || t.path !== op.path) return; // already seen under its new path
        this.#byPath.delete(op.path);
        this.#vanished(t, namesInDir);
        return;
      }
    }
  }

  /** A followed file's path changed (rename, possibly seen as delete + create). */
  #moved(t: FileTailer, to: string): void {
    if (t.path === to) return;
    this.#events.fileRotated(t.path, to);
    if (this.#byPath.get(t.path) === t) this.#byPath.delete(t.path);
    t.path = to;
    this.#byPath.set(to, t);
    this.#checkpointDirty.add(t);
    if (t.state.kind === 'draining') t.transition({ kind: 'reading' });
    this.#markRead(t);
  }

  /** A followed file no longer has an included name: read it to its end, then release it. */
  #vanished(t: FileTailer, _namesInDir: string[]): void {
    switch (t.state.kind) {
      case 'draining':
      case 'released':
        return;
      case 'closed':
      case 'opening':
        // No handle: a closed file that was renamed to an excluded name or deleted cannot
        // be reopened by inode. It was caught up when closed (or would have been reopened
        // on its next write), so what is unread is only what was written since.
        this.#events.fileRotated(t.path, null);
        this.#forget(t, 'deleted', Math.max(0, t.size - t.position));
        return;
      default:
        this.#events.fileRotated(t.path, null);
        t.transition({ kind: 'draining', why: 'rotated' });
        this.#markRead(t);
    }
  }

  /** Starts following a file not followed yet. */
  async #admit(path: string, stat: FileStat, root: string): Promise<void> {
    const key = keyOf(stat);
    const stored = this.#store.get(key);
    // A checkpoint of another file that had this inode before (birth times differ).
    const reused =
      stored?.birth !== undefined &&
      stored.birth !== '' &&
      (stat.birthNs ?? '') !== '' &&
      stored.birth !== stat.birthNs;
    if (reused) this.#events.inodeReused(path);
    const entry = reused ? undefined : stored;
    const fresh = this.#initialScan && this.#cfg.start_at === 'end' ? stat.size : 0;
    const make = (offset: number, fromCheckpoint: boolean): FileTailer =>
      new FileTailer(
        {
          key,
          dev: stat.dev,
          ino: stat.ino,
          path,
          root,
          topic: this.#topicFor(path),
          fields: this.#meta.fieldsFor(path),
          offset,
          fp: fromCheckpoint && entry ? { hash: entry.fp, length: entry.fp_len } : EMPTY_FINGERPRINT,
          size: stat.size,
          birthNs: stat.birthNs ?? '',
          generation: fromCheckpoint && entry ? (entry.gen ?? 0) : 0,
        },
        {
          maxEventBytes: this.#cfg.max_event_bytes,
          partialLineTimeoutMs: this.#cfg.partial_line_timeout_ms,
          rule: ruleForPath(this.#cfg.multiline, path),
          decoder: this.#decoderFor(path),
          onEvent: (tail, e) => this.#emit(tail, e),
          now: Date.now,
        },
      );
    // Opened by the loop when its turn comes, so the open-file limit holds even when a
    // scan finds thousands of files at once.
    const t = make(entry ? entry.offset : fresh, entry !== undefined);
    t.startedFrom = entry ? 'checkpoint' : fresh > 0 ? 'end' : 'beginning';
    if (entry?.sent !== undefined && entry.sent > entry.offset) t.resendUntil = entry.sent;
    this.#tails.set(key, t);
    this.#byPath.set(path, t);
    this.#checkpointDirty.add(t);
    this.#markRead(t);
  }

  #forget(t: FileTailer, reason: 'deleted' | 'rotated' | 'unreadable' | 'replaced', bytesUnread = 0): void {
    if (t.isOpen) {
      void t.closeHandle();
      this.#openCount -= 1;
    }
    this.#live.delete(t);
    if (t.state.kind !== 'released') t.transition({ kind: 'released', reason });
    t.releasedAtMs = Date.now();
    this.#tails.delete(t.key);
    if (this.#byPath.get(t.path) === t) this.#byPath.delete(t.path);
    this.#readQueue.delete(t);
    this.#events.fileReleased(t.path, reason, bytesUnread);
    if (reason === 'replaced') this.#snapshot.delete(t.path); // so the rescan admits the new file
    if (reason === 'replaced' || reason === 'unreadable') {
      this.#store.delete(t.key);
      return;
    }
    if (t.acks.outstanding > 0) this.#released.add(t);
    this.#checkpointDirty.add(t);
  }

  #release(t: FileTailer, why: 'deleted' | 'rotated'): void {
    this.#forget(t, why);
  }

  #unreadable(path: string, reason: string): void {
    if (this.#reportedUnreadable.has(path)) return;
    if (this.#reportedUnreadable.size > 10000) this.#reportedUnreadable.clear();
    this.#reportedUnreadable.add(path);
    this.#events.fileUnreadable(path, reason);
  }

  #topicFor(path: string): string {
    for (const r of this.#topicRules) if (r.test(path)) return r.topic;
    return this.#defaultTopic;
  }

  #decoderFor(path: string): LineDecoder {
    for (const r of this.#encodingRules) if (r.test(path)) return r.decoder;
    return this.#utf8;
  }

  // ---- events out, acknowledgements in ------------------------------------------------

  #emit(t: FileTailer, e: MultilineEvent): void {
    const record: RawRecord = {
      schema_version: this.#codec.version,
      host: this.#host,
      path: t.path,
      file: {
        dev: t.dev,
        inode: t.ino,
        fingerprint: recordIdentity(t.birthNs, t.fp),
        generation: t.generation,
      },
      collected_at: Date.now(),
      fields: t.fields,
      events: [{ offset: e.offset, length: e.length, message: e.text, flags: flagNames(e.flags) }],
    };
    const ticket = t.acks.track(e.offset + e.length);
    // The key keeps one file on one partition, in order; the fingerprint is left out of it
    // because it is '' until the file reaches FINGERPRINT_BYTES.
    this.#sender.add(t.topic, `${this.#host}/${t.key}`, this.#codec.encode(record), this.#codec.headers, {
      tail: t,
      ticket,
    });
  }

  /**
   * The broker refused a record as too large: the same record with its message cut so the
   * encoded value is at most `maxBytes`, flagged `truncated`; null when even an empty
   * message does not fit. Rare (see sender.ts), so decoding it again is fine.
   */
  #cutRecord(value: Buffer, maxBytes: number): Buffer | null {
    const record = this.#codec.decode(value);
    const event = record.events[0]!;
    const text = Buffer.from(event.message, 'utf8');
    const overhead = value.length - text.length;
    if (event.message.length === 0 || overhead + 32 >= maxBytes) return null;
    // Room for the added flag and the length varints (which only shrink).
    const keep = utf8Prefix(text, maxBytes - overhead - 32);
    const flags = event.flags.includes('truncated') ? event.flags : [...event.flags, 'truncated'];
    return this.#codec.encode({ ...record, events: [{ ...event, message: keep, flags }] });
  }

  #acked(items: AckItem[]): void {
    this.#eventsAcked += items.length;
    let last: FileTailer | null = null;
    for (const { tail, ticket } of items) {
      if (tail.acks.ack(ticket) && tail !== last) {
        this.#checkpointDirty.add(tail);
        last = tail;
      }
    }
    // Every acknowledged batch is made durable at once, so a crash re-sends only what was
    // still unacknowledged (plus at most the batches acknowledged during the last write).
    if (this.#checkpointDirty.size > 0) this.#requestCheckpoint();
  }

  /**
   * Writes the checkpoint now, coalesced: at most one write in flight; requests arriving
   * during a write cause exactly one more write right after it. `checkpoint_interval_ms`
   * bounds the time between writes when nothing is acknowledged (idle files' seen_at,
   * released files, expiry).
   */
  #requestCheckpoint(): void {
    if (this.#checkpointing) {
      this.#checkpointAgain = true;
      return;
    }
    this.#checkpointing = this.#checkpointChain().finally(() => {
      this.#checkpointing = null;
    });
  }

  async #checkpointChain(): Promise<void> {
    do {
      this.#checkpointAgain = false;
      this.#nextCheckpointMs = Date.now() + this.#cfg.checkpoint_interval_ms;
      try {
        await this.#writeCheckpoint(false);
      } catch (error) {
        if (error instanceof CheckpointError) this.#events.checkpointWriteFailed(error);
        else throw error;
        return; // the periodic write retries; no tight loop on a full disk
      }
    } while (this.#checkpointAgain && !this.#stopping);
  }

  // ---- checkpoints --------------------------------------------------------------------

  async #writeCheckpoint(all: boolean): Promise<void> {
    const now = Date.now();
    const refreshSeen = all || now >= this.#nextSeenRefreshMs;
    if (refreshSeen) this.#nextSeenRefreshMs = now + Math.max(1000, this.#cfg.checkpoint_grace_ms / 4);
    const put = (t: FileTailer, seenAt: number): void =>
      this.#store.set({
        dev: t.dev,
        ino: t.ino,
        fp: t.fp.hash,
        fp_len: t.fp.length,
        birth: t.birthNs,
        gen: t.generation,
        offset: t.acks.committed,
        sent: t.acks.handedOver,
        path: t.path,
        seen_at: seenAt,
      });
    for (const t of this.#checkpointDirty) {
      if (t.state.kind !== 'released') continue;
      // Its key may already belong to a new file on the same inode: never overwrite that.
      if (!this.#tails.has(t.key)) put(t, t.releasedAtMs);
      if (t.acks.outstanding === 0) this.#released.delete(t);
    }
    for (const t of this.#checkpointDirty) {
      if (t.state.kind !== 'released' && !refreshSeen) put(t, this.#store.get(t.key)?.seen_at ?? now);
    }
    if (refreshSeen) for (const t of this.#tails.values()) put(t, now);
    this.#checkpointDirty.clear();
    for (const t of this.#released) this.#checkpointDirty.add(t);
    this.#store.expire(now, this.#cfg.checkpoint_grace_ms);
    if (await this.#store.write(now)) this.#events.checkpointWritten(this.#store.size);
  }
}

/** The longest prefix of `text` of at most `bytes` bytes that ends on a character boundary. */
function utf8Prefix(text: Buffer, bytes: number): string {
  let end = Math.max(0, Math.min(text.length, bytes));
  while (end > 0 && end < text.length && (text[end]! & 0xc0) === 0x80) end -= 1;
  return text.toString('utf8', 0, end);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
