/**
 * When the checkpoint registry is written, and what goes into it. Every acknowledgement that
 * moved a file's offset makes the registry due (coalesced: at most one write in flight, and
 * requests arriving during a write cause exactly one more after it), at most once every
 * MIN_GAP_MS: a write is two fsyncs, and at full speed acknowledgements arrive every few
 * milliseconds — a host should not pay hundreds of fsyncs a second for them. A crash then
 * re-sends what was unacknowledged plus at most MIN_GAP_MS of acknowledged records (the
 * normalizer's deterministic ids make those harmless). `checkpoint_interval_ms` bounds the
 * time between writes when nothing is acknowledged (idle files' `seen_at`, released files,
 * expiry).
 *
 * A file forgotten for good (unreadable, or its inode reused by another file) has its entry
 * removed and is never written again, even when acknowledgements of its last records arrive
 * later: otherwise they would bring the entry back.
 */
import { CheckpointError } from '../errors.js';
import type { CheckpointEntry, CheckpointStore } from './checkpoint-store.js';
import type { CollectorEvents } from './events.js';
import type { FileTailer } from './file-tailer.js';
import type { TailRegistry } from './tail-registry.js';

/** The least time from the start of one write to the start of the next. */
export const MIN_GAP_MS = 200;

/** What the scheduler needs of the checkpoint store (tests give it one in memory). */
export type CheckpointRegistry = Pick<
  CheckpointStore,
  'get' | 'set' | 'delete' | 'expire' | 'write' | 'size'
>;

export interface CheckpointTiming {
  intervalMs: number;
  /** Entries of files gone for longer than this are removed. */
  graceMs: number;
}

export class CheckpointScheduler {
  readonly #store: CheckpointRegistry;
  readonly #registry: TailRegistry;
  readonly #timing: CheckpointTiming;
  readonly #events: Pick<CollectorEvents, 'checkpointWritten' | 'checkpointWriteFailed'>;
  readonly #now: () => number;
  readonly #dirty = new Set<FileTailer>();
  readonly #dropped = new WeakSet<FileTailer>();
  #writing: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #nextWriteMs: number;
  #nextSeenRefreshMs = 0;
  #lastStartMs = -Infinity;
  #gapTimer: NodeJS.Timeout | null = null;

  constructor(
    store: CheckpointRegistry,
    registry: TailRegistry,
    timing: CheckpointTiming,
    events: Pick<CollectorEvents, 'checkpointWritten' | 'checkpointWriteFailed'>,
    now: () => number,
  ) {
    this.#store = store;
    this.#registry = registry;
    this.#timing = timing;
    this.#events = events;
    this.#now = now;
    this.#nextWriteMs = now() + timing.intervalMs;
  }

  /** The file's entry changed (offset, path, generation): write it with the next write. */
  markDirty(t: FileTailer): void {
    this.#dirty.add(t);
  }

  /**
   * A file is released: its entry is brought up to date in memory now (written with the next
   * write), so that the same file found again under another name in this run starts where
   * this tail ended, not where the last write, up to a write gap old, says.
   */
  released(t: FileTailer): void {
    this.#put(t, this.#now());
    this.#dirty.add(t);
  }

  /** Removes the file's entry for good. */
  drop(t: FileTailer): void {
    this.#dropped.add(t);
    this.#dirty.delete(t);
    if (this.#registry.get(t.key) === undefined) this.#store.delete(t.key);
  }

  /** Acknowledgements moved offsets: write now (coalesced). */
  requestWrite(): void {
    if (this.#dirty.size > 0) this.#request();
  }

  /** The periodic write, when its time has come. */
  tick(nowMs: number): void {
    if (nowMs >= this.#nextWriteMs) this.#request();
  }

  /** Waits for the write in flight, then writes everything once more (shutdown). */
  async final(): Promise<void> {
    this.#stopping = true;
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
    await this.#writing?.catch(() => undefined);
    await this.#write(true);
  }

  #request(): void {
    if (this.#writing) {
      this.#again = true;
      return;
    }
    if (this.#gapTimer || this.#stopping) return;
    const wait = this.#lastStartMs + MIN_GAP_MS - this.#now();
    if (wait > 0) {
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = null;
        this.#request();
      }, wait);
      return;
    }
    this.#writing = this.#writeNow().finally(() => {
      this.#writing = null;
      if (this.#again && !this.#stopping) {
        this.#again = false;
        this.#request();
      }
    });
  }

  async #writeNow(): Promise<void> {
    this.#again = false;
    this.#lastStartMs = this.#now();
    this.#nextWriteMs = this.#lastStartMs + this.#timing.intervalMs;
    try {
      await this.#write(false);
    } catch (error) {
      if (error instanceof CheckpointError) this.#events.checkpointWriteFailed(error);
      else throw error;
      this.#again = false; // the periodic write retries; no tight loop on a full disk
    }
  }

  async #write(all: boolean): Promise<void> {
    const now = this.#now();
    const refreshSeen = all || now >= this.#nextSeenRefreshMs;
    if (refreshSeen) this.#nextSeenRefreshMs = now + Math.max(1000, this.#timing.graceMs / 4);
    for (const t of this.#dirty) {
      if (t.state.kind !== 'released') continue;
      // Its key may already belong to a new file on the same inode: never overwrite that.
      if (this.#registry.get(t.key) === undefined) this.#put(t, t.state.atMs);
      if (t.acks.outstanding === 0) this.#registry.done(t);
    }
    for (const t of this.#dirty) {
      if (t.state.kind !== 'released' && !refreshSeen) this.#put(t, this.#store.get(t.key)?.seen_at ?? now);
    }
    if (refreshSeen) for (const t of this.#registry.all()) this.#put(t, now);
    this.#dirty.clear();
    for (const t of this.#registry.released()) this.#dirty.add(t);
    this.#store.expire(now, this.#timing.graceMs);
    if (await this.#store.write(now)) this.#events.checkpointWritten(this.#store.size);
  }

  #put(t: FileTailer, seenAt: number): void {
    if (this.#dropped.has(t)) return;
    this.#store.set(entryOf(t, seenAt));
  }
}

/** The checkpoint entry of a tail as it stands now (what the next write would store). */
export function entryOf(t: FileTailer, seenAt: number): CheckpointEntry {
  return {
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
  };
}
