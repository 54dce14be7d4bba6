/**
 * The file system as the collector core sees it: opening a file to tail, listing a folder,
 * a stat. The loop and the tailer get it injected, so tests can make an open fail
 * (EMFILE, EACCES) where running as root cannot; production uses `nodeFs`.
 */
import { fstatSync, lstatSync, readdirSync, readSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { scanDirectory, type DirScan, type ScanOptions } from './scanner.js';

/**
 * What the tailer does with an open file. Reads and stats are synchronous: a read pass is a
 * few reads of at most 128 KiB from the page cache, and a promise plus a thread-pool round trip
 * per read cost four times the CPU of the read itself (and, with the process pinned to one
 * core, the pool's threads compete with the loop for it).
 */
export interface TailFile {
  read(buf: Buffer, offset: number, length: number, position: number): number;
  stat(): BigIntStats;
  close(): Promise<void>;
}

export interface CollectorFs {
  /** Opens a file for reading; rejects with a Node errno error (ENOENT, EACCES, EMFILE, ...). */
  openFile(path: string): Promise<TailFile>;
  scanDirectory(dir: string, opts: ScanOptions): DirScan;
  /**
   * A sync stat (lstat unless `follow`) with plain numbers, undefined when the path is gone
   * or unreadable: for the periodic rescan's change checks, which compare a path's stat with
   * an earlier one (a BigInt stat costs about twice as much, and the identity of a file is
   * taken from the full scan's BigInt stats, never from these).
   */
  quickStat(path: string, follow: boolean): Stats | undefined;
  /** The names in a folder; [] when it cannot be read (looking for a rotated copy). */
  listNames(dir: string): string[];
}

export const nodeFs: CollectorFs = {
  async openFile(path) {
    const handle = await open(path, 'r');
    const fd = handle.fd;
    return {
      read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position),
      stat: () => fstatSync(fd, { bigint: true }),
      close: () => handle.close(),
    };
  },
  scanDirectory,
  quickStat(path, follow) {
    try {
      return follow ? statSync(path, { throwIfNoEntry: false }) : lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  },
  listNames(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};
