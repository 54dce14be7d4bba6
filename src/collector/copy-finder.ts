/**
 * Where logrotate's `copytruncate` left the copy of a file we were following. With
 * copytruncate the lines written after our last read and before the truncation exist only in
 * the copy (`app.log.1`, `app.log-20261201`, ...); reading the copy from our old offset, under
 * the old file's identity, loses none of them and indexes none twice.
 *
 * A copy is recognised by content, never by name alone: its first bytes hash like the first
 * bytes the truncated file had (the tailer's fingerprint), and it is longer than what we read.
 * Names only narrow the search. Compressed copies are out of reach and never considered.
 */
import { basename, dirname, join } from 'node:path';
import type { CollectorFs, TailFile } from './fs-port.js';
import { matchesFingerprint, type Fingerprint } from './identity.js';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z|zip|lzma|br)$/i;

/** One name template as a matcher for the names of one file's copies. */
export function copyNameMatcher(templates: readonly string[], name: string): (candidate: string) => boolean {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = templates
    // {stem}/{ext} templates say nothing for a name without an extension.
    .filter((t) => ext !== '' || !/\{(stem|ext)\}/.test(t))
    .map((t) => {
      const source = t
        .split(/(\{name\}|\{stem\}|\{ext\}|\*)/)
        .map((part) => {
          if (part === '{name}') return escape(name);
          if (part === '{stem}') return escape(stem);
          if (part === '{ext}') return escape(ext);
          if (part === '*') return '.+';
          return escape(part);
        })
        .join('');
      return new RegExp(`^${source}$`);
    });
  return (candidate) =>
    candidate !== name && !COMPRESSED.test(candidate) && patterns.some((re) => re.test(candidate));
}

export interface FoundCopy {
  path: string;
  file: TailFile;
  size: number;
}

/**
 * The copy of `path` whose first bytes match `fp` and that holds more than `readUpTo` bytes;
 * the most recently modified one when several do. The caller closes `file`.
 */
export async function findCopy(
  fs: CollectorFs,
  path: string,
  fp: Fingerprint,
  readUpTo: number,
  templates: readonly string[],
): Promise<FoundCopy | null> {
  // Without a fingerprint of the old content nothing can be recognised.
  if (fp.length === 0 || templates.length === 0) return null;
  const dir = dirname(path);
  const isCopyName = copyNameMatcher(templates, basename(path));
  const candidates = fs
    .listNames(dir)
    .filter(isCopyName)
    .map((name) => ({ name, stat: fs.quickStat(join(dir, name), false) }))
    .filter((c) => c.stat !== undefined && c.stat.isFile() && c.stat.size > readUpTo)
    .sort((a, b) => b.stat!.mtimeMs - a.stat!.mtimeMs);
  for (const entry of candidates) {
    const candidatePath = join(dir, entry.name);
    let file: TailFile;
    try {
      file = await fs.openFile(candidatePath);
    } catch {
      continue;
    }
    if (matchesFingerprint(file, fp)) return { path: candidatePath, file, size: Number(file.stat().size) };
    await file.close().catch(() => undefined);
  }
  return null;
}

/** What is remembered of a copy read through `findCopy`. */
export interface CopyRead {
  /** Bytes of the copy read (as the truncated file's old generation). */
  size: number;
  /** The copy's birth time ('' where unknown). */
  birthNs: string;
  /** What the copy's first bytes hash like (the truncated file's old fingerprint). */
  fp: Fingerprint;
}

/**
 * Copies read through `findCopy`, by file key, with the size read up to: should the include
 * globs match a copy too, its admission starts there instead of reading it all again. A key
 * alone does not name the copy for long: once the copy is deleted, the next file created may
 * get its inode. So a file is taken for the copy only with the copy's birth time (where the
 * file system records one), and the admission carries the copy's fingerprint, which opening
 * checks against the file's first bytes. Bounded: a copy not admitted soon is rotated away or
 * compressed anyway.
 */
export class CopiesRead {
  readonly #copies = new Map<string, CopyRead>();

  remember(key: string, copy: CopyRead): void {
    if (this.#copies.size >= 1000) this.#copies.delete(this.#copies.keys().next().value as string);
    this.#copies.set(key, copy);
  }

  /** The copy read under this key, if the file now there can be it (same birth time). */
  take(key: string, birthNs: string): CopyRead | undefined {
    const copy = this.#copies.get(key);
    this.#copies.delete(key);
    if (copy && copy.birthNs !== '' && birthNs !== '' && copy.birthNs !== birthNs) return undefined;
    return copy;
  }
}
