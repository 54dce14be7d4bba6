/**
 * The generated input: a flat backlog (every line written before the shipper starts, in a
 * few files of one folder, since neither peer recurses), and a 10-level tree whose files and
 * folders partly appear while the shipper runs (kiver alone: what the peers cannot follow).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LINE_BYTES, formatLine } from './sequence.js';

export interface Backlog {
  dir: string;
  lines: number;
  bytes: number;
  files: number;
}

const CHUNK_LINES = 20_000;

function writeLines(file: string, fileNo: number, fromSeq: number, count: number): void {
  for (let done = 0; done < count; done += CHUNK_LINES) {
    const n = Math.min(CHUNK_LINES, count - done);
    const parts: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) parts[i] = formatLine(fileNo, fromSeq + done + i);
    appendFileSync(file, parts.join(''));
  }
}

/** Splits `lines` into `parts` counts that differ by at most one. */
export function split(lines: number, parts: number): number[] {
  const base = Math.floor(lines / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < lines % parts ? 1 : 0));
}

/** `lines` lines in `files` files `svc-NN.log` of one folder; sequence numbers 0..lines-1. */
export function writeFlatBacklog(dir: string, lines: number, files = 10): Backlog {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  split(lines, files).forEach((count, f) => {
    const file = path.join(dir, `svc-${String(f).padStart(2, '0')}.log`);
    writeFileSync(file, '');
    writeLines(file, f, seq, count);
    seq += count;
  });
  return { dir, lines, bytes: lines * LINE_BYTES, files };
}

export const TREE_LEVELS = 10;

/** The folder `level` levels below root along branch `branch`: root/b<branch>-1/.../l<level>. */
export function treeFolder(root: string, branch: number, level: number): string {
  const parts = [root];
  for (let l = 1; l <= level; l++) parts.push(l === 1 ? `b${branch}` : `l${l}`);
  return path.join(...parts);
}

export interface TreePlan {
  /** Written before the shipper starts: one file at each level 1..10 of branch 0. */
  initial: { file: string; lines: number }[];
  /** Written while it runs, in order: each step a new branch, its folders and one file deep down. */
  steps: { file: string; lines: number }[];
}

/**
 * Half of the lines up front in files at every level of one branch; the other half in
 * `steps` new files, each in a new branch of folders created during the run, at depths
 * cycling through 1..10.
 */
export function planTree(root: string, lines: number, steps = 10): TreePlan {
  const upFront = Math.floor(lines / 2);
  const initial = split(upFront, TREE_LEVELS).map((n, i) => ({
    file: path.join(treeFolder(root, 0, i + 1), `app-${i + 1}.log`),
    lines: n,
  }));
  const later = split(lines - upFront, steps).map((n, s) => ({
    file: path.join(treeFolder(root, s + 1, (s % TREE_LEVELS) + 1), `new-${s + 1}.log`),
    lines: n,
  }));
  return { initial, steps: later };
}

/** Writes one planned file (folders created as needed); returns the next sequence number. */
export function writePlannedFile(
  p: { file: string; lines: number },
  fileNo: number,
  fromSeq: number,
): number {
  mkdirSync(path.dirname(p.file), { recursive: true });
  writeLines(p.file, fileNo, fromSeq, p.lines);
  return fromSeq + p.lines;
}
