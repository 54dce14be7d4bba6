/**
 * The collector loop. It owns no file state of its own: the directory index (dir-index.ts)
 * knows the folders, the registry (tail-registry.ts) the followed files, the checkpoint
 * scheduler (checkpoint-scheduler.ts) what is written when, the record builder
 * (record-builder.ts) the run being built; what a file-system change means is decided by
 * fs-decisions.ts. The loop runs the steps in turn and carries out the decisions.
 *
 * One async loop does everything that touches tailers (scans, reads, timers), so no two
 * steps interleave on one file. Watch events and timers only mark work and wake the loop.
 * The clock, the file system and the producer are injected (`CollectorOptions`).
 */
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import picomatch from 'picomatch';
import type { CollectorConfig, KafkaConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { RawRecordCodec } from '../schema/raw-record.js';
import type { AckTicket } from './ack-tracker.js';
import { planStart } from './admission.js';
import { CopiesRead, findCopy } from './copy-finder.js';
import { fileKey, type FileKey } from './identity.js';
import { CheckpointScheduler, entryOf } from './checkpoint-scheduler.js';
import { CheckpointStore, type CheckpointEntry } from './checkpoint-store.js';
import { checkCollectorConfig } from './config-check.js';
import { createDecoder, type LineDecoder } from './decoder.js';
import { DirIndex } from './dir-index.js';
import { Discovery } from './discovery.js';
import { noopEvents, type CollectorEvents } from './events.js';
import { FileTailer } from './file-tailer.js';
import { nodeFs, type CollectorFs } from './fs-port.js';
import { decide, type FsAction } from './fs-decisions.js';
import { ruleForPath } from './multiline.js';
import { PathFilter } from './path-filter.js';
import { PathMetadata } from './path-metadata.js';
import type { ProducerFactory, RecordProducer } from './producer/port.js';
import { chooseProducerFactory } from './producer/select.js';
import { RecordBuilder, type ClosedRun } from './record-builder.js';
import { reshapeRecord } from './reshape.js';
import { keyOf, type FileStat } from './snapshot.js';
import { TailRegistry } from './tail-registry.js';
import type { ReleaseReason } from './tail-state.js';
import type { FileLagView } from './collector-metrics.js';

/** Bytes read from one file per pass before the next file gets its turn. */
const READ_BUDGET = 256 * 1024;
const READ_BUFFER = 128 * 1024;
/** Directories scanned per loop turn, so a full rescan of a large tree is spread out. */
const DIRS_PER_TURN = 64;
/** Folders (and then open files) checked per loop turn by the periodic rescan. */
const CHECKS_PER_TURN = 512;
/**
 * How often timers are looked at: every 100 ms while some file holds lines for a timer
 * (a partial line, a multi-line event waiting for its continuation), else every second (for
 * inactivity, rotated files, the rescan and checkpoint periods) — an idle host with a thousand
 * open files should not walk them ten times a second.
 */
const HOUSEKEEPING_MS = 100;
const IDLE_HOUSEKEEPING_MS = 1000;
/**
 * How long a rotated or deleted file is kept open after reaching its end, for a writer
 * that still holds it and appends a last few lines (Fluent Bit calls it rotate_wait).
 */
const ROTATE_WAIT_MS = 5000;

/** What travels with a record through the producer and comes back acknowledged. */
interface RecordToken {
  tail: FileTailer;
  ticket: AckTicket;
  events: number;
}

export interface CollectorOptions {
  config: CollectorConfig;
  kafka: KafkaConfig;
  logger: Logger;
  events?: CollectorEvents;
  /** The producer; by default the one `kafka.client` chooses. Tests inject an in-memory one. */
  producerFactory?: ProducerFactory;
  fs?: CollectorFs;
  now?: () => number;
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
  readonly #fs: CollectorFs;
  readonly #copies = new CopiesRead();
  readonly #now: () => number;
  readonly #store: CheckpointStore;
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
  readonly #registry = new TailRegistry();
  readonly #dirs: DirIndex;
  readonly #checkpoints: CheckpointScheduler;
  readonly #records: RecordBuilder;
  readonly #producer: RecordProducer<RecordToken>;
  readonly #reportedUnreadable = new Set<string>();

  #initialScan = true;
  #stopping = false;
  #loopDone: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;
  #nextHousekeepingMs = 0;
  #nextRescanMs = 0;
  #eventsAcked = 0;

  private constructor(opts: CollectorOptions, store: CheckpointStore, producerFactory: ProducerFactory) {
    const c = opts.config;
    this.#cfg = c;
    this.#log = opts.logger;
    this.#events = opts.events ?? noopEvents;
    this.#fs = opts.fs ?? nodeFs;
    this.#now = opts.now ?? Date.now;
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
    this.#dirs = new DirIndex({
      roots: this.#roots,
      filter: this.#filter,
      followSymlinks: c.follow_symlinks,
      fs: this.#fs,
      now: this.#now,
    });
    this.#checkpoints = new CheckpointScheduler(
      store,
      this.#registry,
      { intervalMs: c.checkpoint_interval_ms, graceMs: c.checkpoint_grace_ms },
      this.#events,
      this.#now,
    );
    this.#records = new RecordBuilder(
      { maxEvents: c.record_max_events, maxBytes: c.record_max_bytes },
      (run) => this.#sendRun(run),
      this.#now,
    );
    this.#producer = producerFactory<RecordToken>(
      {
        kafka: opts.kafka,
        maxInFlightBytes: c.max_in_flight_bytes,
        batchMaxBytes: c.batch_max_bytes,
        batchMaxEvents: c.batch_max_events,
        batchLingerMs: c.batch_linger_ms,
        maxInFlightBatches: c.max_in_flight_batches,
      },
      {
        acknowledged: (tokens) => this.#acknowledged(tokens),
        reshape: (value, maxBytes) => reshapeRecord(this.#codec, value, maxBytes),
      },
      this.#events,
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
          const t = this.#registry.atPath(path);
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
    const factory = opts.producerFactory ?? (await chooseProducerFactory(opts.kafka, opts.logger));
    const store = await CheckpointStore.open(opts.config.checkpoint_dir);
    return new Collector(opts, store, factory);
  }

  /** Watches, scans the trees once (files found now follow `start_at`), then runs the loop. */
  async start(): Promise<void> {
    // Watches first, so nothing created during the initial scan can slip between the two.
    await this.#discovery.start();
    this.#dirs.markRoots();
    while (this.#dirs.hasScans) this.#scanSome(Number.MAX_SAFE_INTEGER);
    this.#initialScan = false;
    this.#nextRescanMs = this.#now() + this.#cfg.rescan_interval_ms;
    this.#loopDone = this.#loop().catch((error: unknown) => {
      this.#log.fatal({ err: String((error as Error)?.stack ?? error) }, 'collector loop failed');
      throw error;
    });
  }

  /** Stops reading, sends what was read, writes the checkpoint; bounded by shutdown_timeout_ms. */
  async stop(): Promise<{ drained: boolean }> {
    const deadline = this.#now() + this.#cfg.shutdown_timeout_ms;
    this.#stopping = true;
    this.#wake?.();
    await this.#loopDone.catch(() => undefined);
    await this.#discovery.close();
    this.#records.close();
    // Leave room for the final checkpoint write within the deadline.
    const drained = await this.#producer.drain(Math.max(0, deadline - this.#now() - 500));
    await this.#checkpoints.final().catch((error: unknown) => {
      this.#log.error({ err: String(error) }, 'final checkpoint write failed');
    });
    for (const t of this.#registry.all()) await t.closeHandle();
    await this.#producer.close();
    return { drained };
  }

  stats(): CollectorStats {
    return {
      filesWatched: this.#registry.size,
      filesOpen: this.#registry.openCount,
      inFlightBytes: this.#producer.inFlightBytes,
      kafkaUp: this.#producer.kafkaUp,
      eventsAcked: this.#eventsAcked,
    };
  }

  *lags(): Iterable<FileLagView> {
    for (const t of this.#registry.all())
      yield { path: t.path, lagBytes: Math.max(0, t.size - t.acks.committed) };
  }

  #markDir(dir: string): void {
    if (this.#dirs.mark(dir)) this.#wake?.();
  }

  #markRead(t: FileTailer): void {
    this.#registry.queueRead(t);
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const now = this.#now();
      if (now >= this.#nextHousekeepingMs) this.#housekeeping(now);
      if (now >= this.#nextRescanMs) this.#startRescan(now);
      if (this.#dirs.hasChecks) this.#dirs.checkSome(CHECKS_PER_TURN);
      if (this.#dirs.hasScans) this.#scanSome(DIRS_PER_TURN);
      if (!this.#producer.hasRoom) {
        // Backpressure: read nothing until Kafka acknowledged enough (timers still run).
        await Promise.race([this.#producer.waitForRoom(), sleep(HOUSEKEEPING_MS)]);
        continue;
      }
      if (this.#registry.hasReads) {
        for (const t of this.#registry.queued()) {
          if (this.#stopping || !this.#producer.hasRoom) break;
          await this.#readTail(t);
          // Reads are synchronous: let acknowledgements, timers and watch events in between passes.
          await yieldToEventLoop();
        }
        continue;
      }
      if (this.#dirs.hasScans || this.#dirs.hasChecks) continue;
      await this.#idle();
    }
  }

  /** Sleeps until the next housekeeping, or until a watch event or an acknowledgement wakes it. */
  async #idle(): Promise<void> {
    await new Promise<void>((resolve) => {
      const next = Math.min(this.#nextHousekeepingMs, this.#nextRescanMs);
      const timer = setTimeout(resolve, Math.max(1, next - this.#now()));
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }

  async #readTail(t: FileTailer): Promise<void> {
    this.#registry.dequeue(t);
    if (t.state.kind === 'released') return;
    if (!t.isOpen) {
      if (t.state.kind === 'draining') {
        this.#forget(t, 'deleted');
        return;
      }
      if (!(await this.#openTail(t))) return;
    }
    if (t.state.kind === 'idle') t.transition({ kind: 'reading' });
    const r = t.readPass(this.#buf, READ_BUDGET);
    if (r.bytes > 0) this.#events.bytesRead(r.bytes, r.events);
    if (r.resent > 0) this.#events.eventsResent(r.resent);
    if (r.truncated || r.invalidUtf8 || r.partial)
      this.#events.eventsFlagged(r.truncated, r.invalidUtf8, r.partial);
    if (r.shrunkTo !== null) await this.#restart(t, r.shrunkTo, t.position, r.sizeBefore);
    // A copytruncate copy was read to its end: the file goes on from 0, a new generation.
    if (r.copyDone) this.#checkpoints.markDirty(t);
    if (r.unlinked && t.state.kind !== 'draining') t.transition({ kind: 'draining', why: 'deleted' });
    // A pass ends its run: a quiet file's lines never wait for company.
    this.#records.close();
    // Lines held for a timer are looked at again within HOUSEKEEPING_MS.
    if (t.holding)
      this.#nextHousekeepingMs = Math.min(this.#nextHousekeepingMs, this.#now() + HOUSEKEEPING_MS);
    if (!r.eof || r.shrunkTo !== null || t.readingCopy) this.#registry.queueRead(t);
    if (this.#registry.isQueued(t)) return;
    if (t.state.kind === 'reading') t.transition({ kind: 'idle', sinceMs: this.#now() });
  }

  /**
   * The file shrank below the read position (copytruncate). What was written after our last
   * read and before the truncation is only in logrotate's copy: read it from there first when
   * the copy is found (copy-finder.ts), then the file from 0 in a new generation.
   */
  async #restart(t: FileTailer, sizeNow: number, offsetBefore: number, sizeBefore: number): Promise<void> {
    this.#events.fileTruncated(t.path, sizeNow, offsetBefore);
    const copy = await findCopy(this.#fs, t.path, t.fp, offsetBefore, this.#cfg.copytruncate_copies);
    if (copy) {
      this.#events.copyFound(t.path, copy.path, copy.size - offsetBefore);
      const copyStat = copy.file.stat();
      this.#copies.remember(fileKey(copyStat.dev, copyStat.ino), {
        size: copy.size,
        birthNs: copyStat.birthtimeNs > 0n ? String(copyStat.birthtimeNs) : '',
        fp: t.fp,
      });
      t.followCopy(copy.file);
    } else {
      // Lines between our last read and the truncation are gone; how many is known only as far
      // as the last size we saw.
      this.#events.copyMissing(t.path, Math.max(0, sizeBefore - offsetBefore));
      t.restartAt(0);
    }
    this.#checkpoints.markDirty(t);
  }

  /** Opens a new tail, or a closed one again (it changed). Returns whether it is open now. */
  async #openTail(t: FileTailer): Promise<boolean> {
    this.#makeRoomForOpen();
    const first = t.state.kind === 'opening';
    if (t.state.kind === 'closed') t.transition({ kind: 'opening' });
    const result = await t.open();
    switch (result) {
      case 'ok':
      case 'rewritten':
        this.#registry.opened(t);
        t.transition({ kind: 'reading' });
        if (first) this.#events.fileWatched(t.path, t.position, t.startedFrom);
        // Shrank, or was rewritten, while closed or while we were not running (copytruncate).
        if (result === 'rewritten' || t.size < t.position) await this.#restart(t, t.size, t.position, t.size);
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

  /** Keeps the open-file limit (the registry chooses which file gives way). */
  #makeRoomForOpen(): void {
    const lru = this.#registry.chooseToClose(this.#cfg.max_open_files);
    if (!lru) return;
    // One that still has data to read gets its turn again, reopened.
    if (lru.state.kind === 'reading') this.#registry.queueRead(lru);
    this.#closeTail(lru, 'open-file-limit');
  }

  #closeTail(t: FileTailer, reason: 'inactive' | 'open-file-limit'): void {
    void t.closeHandle();
    this.#registry.closed(t);
    t.transition({ kind: 'closed', reason });
    this.#events.fileClosed(t.path, reason);
  }

  #housekeeping(now: number): void {
    let holding = false;
    // Only files with a handle (or lines held for a timer) have anything to look at: an idle
    // host with 50,000 closed files costs nothing here.
    for (const t of this.#registry.live()) {
      if (!t.isOpen && !t.holding) {
        this.#registry.settle(t);
        continue;
      }
      const due = t.dueAtMs;
      if (due !== null && due <= now) {
        const r = t.checkTimers(now);
        if (r && r.partial) this.#events.eventsFlagged(0, 0, r.partial);
        this.#records.close();
      }
      this.#expire(t, now);
      holding ||= t.holding;
    }
    this.#nextHousekeepingMs = now + (holding ? HOUSEKEEPING_MS : IDLE_HOUSEKEEPING_MS);
    while (this.#registry.openCount > this.#cfg.max_open_files) {
      const before = this.#registry.openCount;
      this.#makeRoomForOpen();
      if (this.#registry.openCount === before) break;
    }
    this.#checkpoints.tick(now);
  }

  /** A period of the periodic rescan (dir-index.ts): folders, and the files open or holding lines. */
  #startRescan(now: number): void {
    this.#nextRescanMs = now + this.#cfg.rescan_interval_ms;
    const open: string[] = [];
    for (const t of this.#registry.live()) if (t.isOpen || t.holding) open.push(t.path);
    this.#dirs.startRescan(open);
  }

  /** An idle file is closed after close_inactive_ms; a drained rotated file is released. */
  #expire(t: FileTailer, now: number): void {
    switch (t.state.kind) {
      case 'idle':
        if (t.isOpen && now - t.lastActiveMs >= this.#cfg.close_inactive_ms && !t.holding)
          this.#closeTail(t, 'inactive');
        return;
      case 'draining':
        // Nobody announces writes to a rotated name we do not watch: poll it until done.
        if (!this.#registry.isQueued(t) && t.isOpen && now - t.lastActiveMs >= ROTATE_WAIT_MS) {
          t.flushHeld();
          this.#records.close();
          this.#forget(t, t.state.why);
        } else if (!this.#registry.isQueued(t)) this.#markRead(t);
        return;
      default:
        return;
    }
  }

  #scanSome(limit: number): void {
    for (const outcome of this.#dirs.scanSome(limit)) {
      for (const u of outcome.unreadable) this.#unreadable(u.path, u.reason);
      for (const op of outcome.ops)
        this.#apply(
          decide(op, (key) => this.#registry.get(key)),
          outcome.root,
        );
    }
  }

  #apply(action: FsAction, root: string): void {
    switch (action.act) {
      case 'admit':
        this.#admit(action.path, action.stat, root);
        return;
      case 'move':
        this.#moved(this.#registry.get(action.key)!, action.to);
        return;
      case 'read': {
        const t = this.#registry.get(action.key)!;
        t.sizeSeen(action.size);
        this.#markRead(t);
        return;
      }
      case 'drain': {
        const t = this.#registry.get(action.key)!;
        this.#registry.unindexPath(t.path, t);
        this.#events.fileRotated(t.path, null);
        t.transition({ kind: 'draining', why: 'rotated' });
        this.#markRead(t);
        return;
      }
      case 'forget': {
        const t = this.#registry.get(action.key)!;
        this.#events.fileRotated(t.path, null);
        this.#forget(t, 'deleted', action.bytesUnread);
        return;
      }
      case 'unindex':
        this.#registry.unindexPath(action.path, this.#registry.get(action.key)!);
        return;
      case 'none':
        return;
    }
  }

  /** A followed file's path changed (rename, possibly seen as delete + create). */
  #moved(t: FileTailer, to: string): void {
    if (t.path === to) return;
    const from = t.path;
    this.#events.fileRotated(from, to);
    t.renamed(to);
    this.#registry.moved(t, from);
    this.#checkpoints.markDirty(t);
    if (t.state.kind === 'draining') t.transition({ kind: 'reading' });
    this.#markRead(t);
  }

  /**
   * What is known of a file's progress: a tail of it released in this run (a rename seen as a
   * delete and a create) is fresher than the last checkpoint write, which may be up to a
   * write gap old — starting from that would send again what was sent since.
   */
  #latestEntry(key: FileKey): CheckpointEntry | undefined {
    for (const t of this.#registry.released()) {
      // A tail released because its inode now holds another file says nothing of that file.
      if (t.key !== key || (t.state.kind === 'released' && !keepsCheckpoint(t.state.reason))) continue;
      return entryOf(t, this.#now());
    }
    return this.#store.get(key);
  }

  /** Starts following a file not followed yet; it is opened by the loop when its turn comes. */
  #admit(path: string, stat: FileStat, root: string): void {
    const key = keyOf(stat);
    const plan = planStart(stat, this.#latestEntry(key), this.#initialScan, this.#cfg.start_at);
    // A copytruncate copy we read already (its new part, as the truncated file's): the
    // include globs match it too, so it starts where that reading ended, not at 0 — if it is
    // the copy: opening checks its first bytes against the copy's fingerprint, and another
    // file on the copy's inode is then admitted again from its start (copy-finder.ts).
    const copied = plan.startedFrom === 'beginning' ? this.#copies.take(key, stat.birthNs ?? '') : undefined;
    if (copied !== undefined) {
      plan.offset = Math.min(copied.size, stat.size);
      plan.fp = copied.fp;
    }
    if (plan.inodeReused) this.#events.inodeReused(path);
    const t = new FileTailer(
      {
        key,
        dev: stat.dev,
        ino: stat.ino,
        host: this.#host,
        path,
        root,
        topic: this.#topicFor(path),
        fields: this.#meta.fieldsFor(path),
        offset: plan.offset,
        fp: plan.fp,
        size: stat.size,
        birthNs: stat.birthNs ?? '',
        generation: plan.generation,
        startedFrom: plan.startedFrom,
        resendUntil: plan.resendUntil,
      },
      {
        maxEventBytes: this.#cfg.max_event_bytes,
        partialLineTimeoutMs: this.#cfg.partial_line_timeout_ms,
        rule: ruleForPath(this.#cfg.multiline, path),
        decoder: this.#decoderFor(path),
        fs: this.#fs,
        now: this.#now,
        onEvent: (tail, buf, start, end, offset, length, flags) =>
          this.#records.add(tail, buf, start, end, offset, length, flags),
      },
    );
    this.#registry.add(t);
    this.#checkpoints.markDirty(t);
    this.#wake?.();
  }

  /** Stops following a file. Its checkpoint stays (deleted, rotated) or goes (unreadable, replaced). */
  #forget(t: FileTailer, reason: ReleaseReason, bytesUnread = 0): void {
    const wasOpen = t.isOpen;
    if (wasOpen) void t.closeHandle();
    if (t.state.kind !== 'released') t.transition({ kind: 'released', reason, atMs: this.#now() });
    this.#registry.forget(t, wasOpen);
    this.#events.fileReleased(t.path, reason, bytesUnread);
    if (reason === 'replaced') this.#dirs.forgetFile(t.path); // so the rescan admits the new file
    if (keepsCheckpoint(reason)) this.#checkpoints.released(t);
    else this.#checkpoints.drop(t);
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

  #sendRun(run: ClosedRun): void {
    const t = run.tail;
    this.#producer.send(
      {
        topic: t.topic,
        key: t.recordKey,
        value: run.value,
        headers: this.#codec.headers,
        events: run.events,
      },
      { tail: t, ticket: run.ticket, events: run.events },
    );
  }

  #acknowledged(tokens: readonly RecordToken[]): void {
    let last: FileTailer | null = null;
    for (const { tail, ticket, events } of tokens) {
      this.#eventsAcked += events;
      if (tail.acks.ack(ticket) && tail !== last) {
        this.#checkpoints.markDirty(tail);
        last = tail;
      }
    }
    // Every acknowledged batch is made durable at once, so a crash re-sends only what was
    // still unacknowledged (plus at most the batches acknowledged during the last write).
    this.#checkpoints.requestWrite();
  }
}

/** Whether a file released for this reason keeps its checkpoint (it may be found again). */
function keepsCheckpoint(reason: ReleaseReason): boolean {
  return reason !== 'replaced' && reason !== 'unreadable';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
