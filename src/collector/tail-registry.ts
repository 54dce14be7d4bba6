/**
 * The registry of followed files: who is followed (by identity and by path), which have an
 * open handle, which wait to be read, and which released files still wait for Kafka. One
 * owner for all of it, so the indexes cannot drift apart; the loop asks it and tells it, and
 * it never does I/O itself.
 *
 * The open-file limit is a policy here (`chooseToClose`): the least recently active open
 * file, idle ones first, else one that still has data (it keeps its place and is reopened on
 * its turn). A draining file is never chosen: its name is gone, it could not be reopened.
 */
import type { FileTailer } from './file-tailer.js';
import type { FileKey } from './identity.js';

export class TailRegistry {
  readonly #byKey = new Map<FileKey, FileTailer>();
  readonly #byPath = new Map<string, FileTailer>();
  /** Tails with an open handle, plus closed ones still holding lines for a timer. */
  readonly #live = new Set<FileTailer>();
  readonly #readQueue = new Set<FileTailer>();
  /** Released (drained) tails whose last records are still in flight. */
  readonly #released = new Set<FileTailer>();
  #openCount = 0;

  get size(): number {
    return this.#byKey.size;
  }

  get openCount(): number {
    return this.#openCount;
  }

  get hasReads(): boolean {
    return this.#readQueue.size > 0;
  }

  get(key: FileKey): FileTailer | undefined {
    return this.#byKey.get(key);
  }

  atPath(path: string): FileTailer | undefined {
    return this.#byPath.get(path);
  }

  all(): IterableIterator<FileTailer> {
    return this.#byKey.values();
  }

  live(): IterableIterator<FileTailer> {
    return this.#live.values();
  }

  released(): IterableIterator<FileTailer> {
    return this.#released.values();
  }

  /** A file newly followed: indexed, and queued so the loop opens it on its turn. */
  add(t: FileTailer): void {
    this.#byKey.set(t.key, t);
    this.#byPath.set(t.path, t);
    this.#readQueue.add(t);
  }

  /** Index a tail under its new path (call after `t.renamed(to)`); `from` is its old path. */
  moved(t: FileTailer, from: string): void {
    if (this.#byPath.get(from) === t) this.#byPath.delete(from);
    this.#byPath.set(t.path, t);
  }

  /** The path no longer names this tail (deleted, or renamed to a name not followed). */
  unindexPath(path: string, t: FileTailer): void {
    if (this.#byPath.get(path) === t) this.#byPath.delete(path);
  }

  queueRead(t: FileTailer): void {
    this.#readQueue.add(t);
  }

  isQueued(t: FileTailer): boolean {
    return this.#readQueue.has(t);
  }

  /** Takes `t` off the read queue (its pass starts); marks during the pass queue it again. */
  dequeue(t: FileTailer): void {
    this.#readQueue.delete(t);
  }

  /** A snapshot of the read queue, in order (the loop reads them one by one). */
  queued(): FileTailer[] {
    return [...this.#readQueue];
  }

  opened(t: FileTailer): void {
    this.#openCount += 1;
    this.#live.add(t);
  }

  /** The handle was closed; the tail stays live while it holds lines for a timer. */
  closed(t: FileTailer): void {
    this.#openCount -= 1;
    if (!t.holding) this.#live.delete(t);
  }

  /** Housekeeping found a closed tail with nothing held: nothing to look at any more. */
  settle(t: FileTailer): void {
    if (!t.isOpen && !t.holding) this.#live.delete(t);
  }

  /** Which open file to close to stay under `limit`, or null. */
  chooseToClose(limit: number): FileTailer | null {
    if (this.#openCount < limit) return null;
    let idle: FileTailer | null = null;
    let busy: FileTailer | null = null;
    for (const t of this.#live) {
      if (!t.isOpen) continue;
      if (t.state.kind === 'idle') {
        if (!idle || t.lastActiveMs < idle.lastActiveMs) idle = t;
      } else if (t.state.kind === 'reading' && (!busy || t.lastActiveMs < busy.lastActiveMs)) busy = t;
    }
    return idle ?? busy;
  }

  /**
   * Forgets a tail (released): out of every index. It is kept among the released until its
   * last records are acknowledged, so the checkpoint can still record how far it got.
   * `wasOpen` tells whether the caller closed a handle for it.
   */
  forget(t: FileTailer, wasOpen: boolean): void {
    if (wasOpen) this.#openCount -= 1;
    this.#live.delete(t);
    if (this.#byKey.get(t.key) === t) this.#byKey.delete(t.key);
    if (this.#byPath.get(t.path) === t) this.#byPath.delete(t.path);
    this.#readQueue.delete(t);
    if (t.acks.outstanding > 0) this.#released.add(t);
  }

  /** A released tail whose records are all acknowledged now. */
  done(t: FileTailer): void {
    this.#released.delete(t);
  }
}
