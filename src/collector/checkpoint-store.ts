/**
 * The durable registry of where each file was read up to — and acknowledged by Kafka.
 *
 * One versioned JSON file in `checkpoint_dir`. A write goes to `checkpoints.json.tmp`,
 * is fsynced, renamed over `checkpoints.json`, and the directory is fsynced, so after a
 * crash or power loss the stable file is always a complete earlier or later version. At
 * start a leftover temp file is tried first (a write interrupted after its fsync is the
 * newest complete state), then the stable file. Entries are keyed by file identity
 * (device + inode, confirmed by the fingerprint prefix), never by path.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import type { FileKey } from './identity.js';

export const CHECKPOINT_FILE = 'checkpoints.json';
export const CHECKPOINT_TEMP = 'checkpoints.json.tmp';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointEntry {
  /** Device and inode, decimal strings. */
  dev: string;
  ino: string;
  /** Fingerprint of the first `fp_len` bytes (see identity.ts). */
  fp: string;
  fp_len: number;
  /** Every byte before this was acknowledged by Kafka. */
  offset: number;
  /**
   * End of the last event handed to Kafka when this entry was written (acknowledged or
   * not). After a crash, events read again between `offset` and `sent` may be duplicates.
   * Optional: entries of older versions do not have it.
   */
  sent?: number;
  /** Birth time in ns ('' or absent where unknown); a different one means a reused inode. */
  birth?: string;
  /** Truncations seen; part of the record identity (identity.ts recordIdentity). */
  gen?: number;
  /** Last path the file had (informational: identity is dev+ino+fp). */
  path: string;
  /** Last time the file was seen alive (ms since epoch); drives expiry. */
  seen_at: number;
}

interface FileFormat {
  version: number;
  written_at: number;
  entries: CheckpointEntry[];
}

function parse(text: string, file: string): FileFormat {
  const data = JSON.parse(text) as Partial<FileFormat>;
  if (
    typeof data !== 'object' ||
    data === null ||
    !Array.isArray(data.entries) ||
    typeof data.version !== 'number'
  ) {
    throw new Error(`${file} is not a checkpoint registry`);
  }
  if (data.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${file} was written by a newer kiver (format version ${data.version}).`,
      'Run that version, or move the file aside to start over (files are then read per start_at).',
    );
  }
  return data as FileFormat;
}

export class CheckpointStore {
  readonly #dir: string;
  readonly #entries = new Map<FileKey, CheckpointEntry>();
  #dirty = false;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Loads the registry from `dir` (created if missing), recovering an interrupted write. */
  static async open(dir: string): Promise<CheckpointStore> {
    const store = new CheckpointStore(dir);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new CheckpointError(
        `checkpoint_dir ${dir} cannot be created: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
        'Point collector.checkpoint_dir at a writable folder on persistent storage.',
      );
    }
    const data = (await store.#readTemp()) ?? (await store.#readStable());
    for (const e of data?.entries ?? []) store.#entries.set(`${e.dev}:${e.ino}` as FileKey, e);
    return store;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: FileKey): CheckpointEntry | undefined {
    return this.#entries.get(key);
  }

  entries(): IterableIterator<CheckpointEntry> {
    return this.#entries.values();
  }

  set(entry: CheckpointEntry): void {
    const key = `${entry.dev}:${entry.ino}` as FileKey;
    const old = this.#entries.get(key);
    if (
      old &&
      old.offset === entry.offset &&
      old.sent === entry.sent &&
      old.fp === entry.fp &&
      old.fp_len === entry.fp_len &&
      old.gen === entry.gen &&
      old.birth === entry.birth &&
      old.path === entry.path &&
      old.seen_at === entry.seen_at
    ) {
      return;
    }
    this.#entries.set(key, entry);
    this.#dirty = true;
  }

  delete(key: FileKey): void {
    if (this.#entries.delete(key)) this.#dirty = true;
  }

  /** Removes entries of files not seen for longer than `graceMs`. Returns how many. */
  expire(nowMs: number, graceMs: number): number {
    let removed = 0;
    for (const [key, e] of this.#entries) {
      if (nowMs - e.seen_at > graceMs) {
        this.#entries.delete(key);
        removed += 1;
      }
    }
    if (removed > 0) this.#dirty = true;
    return removed;
  }

  /** Writes the registry durably if anything changed. Returns whether it wrote. */
  async write(nowMs: number = Date.now()): Promise<boolean> {
    if (!this.#dirty) return false;
    this.#dirty = false;
    const body: FileFormat = {
      version: CHECKPOINT_VERSION,
      written_at: nowMs,
      entries: [...this.#entries.values()],
    };
    const temp = join(this.#dir, CHECKPOINT_TEMP);
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(body));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(this.#dir, CHECKPOINT_FILE));
      await syncDir(this.#dir);
    } catch (error) {
      this.#dirty = true;
      throw new CheckpointError(
        `cannot write checkpoints to ${this.#dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
        'Check free space and permissions of collector.checkpoint_dir.',
        { cause: error },
      );
    }
    return true;
  }

  async #readTemp(): Promise<FileFormat | null> {
    const temp = join(this.#dir, CHECKPOINT_TEMP);
    let text: string;
    try {
      text = await readFile(temp, 'utf8');
    } catch {
      return null;
    }
    try {
      const data = parse(text, temp);
      // Complete: it is the newest state. Promote it so the stable file is current again.
      await rename(temp, join(this.#dir, CHECKPOINT_FILE));
      await syncDir(this.#dir);
      return data;
    } catch (error) {
      if (error instanceof CheckpointError) throw error;
      await unlink(temp).catch(() => undefined); // torn write: the stable file is authoritative
      return null;
    }
  }

  async #readStable(): Promise<FileFormat | null> {
    const file = join(this.#dir, CHECKPOINT_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CheckpointError(
        `cannot read ${file}: ${String(error)}.`,
        'Check permissions of collector.checkpoint_dir.',
      );
    }
    try {
      return parse(text, file);
    } catch (error) {
      if (error instanceof CheckpointError) throw error;
      throw new CheckpointError(
        `${file} is corrupt (${(error as Error).message}).`,
        'Move it aside to start over; files are then read according to collector.start_at.',
      );
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
