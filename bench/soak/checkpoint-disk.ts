/**
 * The collector's checkpoint folder on a small file system of its own, so the soak can make
 * checkpoint writes really fail: we run as root, where chmod stops nothing. The folder is a
 * size-limited tmpfs (`mount -t tmpfs -o size=512k`); "full" fills it with a filler file until
 * ENOSPC. Where mounting is not allowed, the fallback moves the folder aside and puts a plain
 * file in its place, so every write below it fails with ENOTDIR.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export type DiskMode = 'tmpfs' | 'not-a-directory';

export class CheckpointDisk {
  readonly #filler: string;
  #full = false;

  private constructor(
    readonly dir: string,
    readonly mode: DiskMode,
    readonly why: string,
  ) {
    this.#filler = path.join(dir, 'zz-soak-filler');
  }

  static prepare(dir: string): CheckpointDisk {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
      return new CheckpointDisk(dir, 'tmpfs', 'a 512 KiB tmpfs on the checkpoint folder, filled to ENOSPC');
    } catch (error) {
      const reason = String((error as { stderr?: Buffer }).stderr ?? error).trim();
      return new CheckpointDisk(
        dir,
        'not-a-directory',
        `mount refused (${reason}): the folder is replaced by a plain file, writes fail with ENOTDIR`,
      );
    }
  }

  /** Makes every further checkpoint write fail. */
  fill(): void {
    if (this.#full) return;
    this.#full = true;
    if (this.mode === 'not-a-directory') {
      renameSync(this.dir, `${this.dir}.away`);
      writeFileSync(this.dir, 'the soak made the checkpoint folder unwritable\n');
      return;
    }
    const fd = openSync(this.#filler, 'w');
    try {
      // Large chunks first, then single pages: the file system ends with no page left.
      for (const size of [64 * 1024, 4096, 512]) {
        const chunk = Buffer.alloc(size, 0x2e);
        for (;;) {
          try {
            writeSync(fd, chunk);
          } catch {
            break; // ENOSPC at this chunk size
          }
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  release(): void {
    if (!this.#full) return;
    this.#full = false;
    if (this.mode === 'not-a-directory') {
      rmSync(this.dir, { force: true });
      renameSync(`${this.dir}.away`, this.dir);
      return;
    }
    rmSync(this.#filler, { force: true });
  }

  /** Keeps a copy of the checkpoints (a tmpfs loses them on unmount) and unmounts. */
  dispose(keepCopyIn: string): void {
    this.release();
    try {
      cpSync(this.dir, keepCopyIn, { recursive: true });
    } catch {
      // nothing to keep
    }
    if (this.mode === 'tmpfs') {
      try {
        execFileSync('umount', [this.dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', this.dir], { stdio: 'pipe' });
      }
    }
  }
}
