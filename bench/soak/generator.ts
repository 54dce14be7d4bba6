/**
 * Writes the soak's container log tree at a steady line rate: files at several depths, a new
 * container folder with a new file every 20 s, rename rotation (name -> name.1 -> name.2) and
 * copytruncate rotation (copy to name-<stamp>, truncate in place; the writer keeps its O_APPEND
 * descriptor, as an application does) at a size, Java stack traces, invalid UTF-8 and
 * over-long lines. Every event gets the next sequence number; its write time and kind are
 * kept for the final accounting.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { FAMILIES, formatEvent, invalidUtf8Event, overLongEvent, type Family } from './families.js';
import { EventKind, SeqBook } from './seq-book.js';

export type Rotation = 'rename' | 'copytruncate' | 'none';

interface Stream {
  path: string;
  family: Family;
  rotation: Rotation;
  fd: number;
  size: number;
  /** Events written to this stream (drives the family's variety). */
  n: number;
  copies: string[];
}

export interface GeneratorOptions {
  root: string;
  linesPerSecond: number;
  random: () => number;
  /** Rotate a rotating file when it reaches this size. */
  rotateBytes: number;
  /** The collector's max_event_bytes: over-long lines are this plus 64 KiB. */
  maxEventBytes: number;
  /** Seconds between new container folders (0: none). */
  newFolderEverySec: number;
  /** Invalid UTF-8 and over-long lines (the delay bench writes well-formed lines only). */
  badInputs: boolean;
}

export interface GeneratorStats {
  events: number;
  lines: number;
  bytes: number;
  files: number;
  foldersCreated: number;
  renameRotations: number;
  copytruncateRotations: number;
  stackTraces: number;
  invalidUtf8: number;
  overLong: number;
}

/** The starting tree: [relative path, family, rotation], depths 2 to 5. */
const INITIAL: readonly [string, Family, Rotation][] = [
  ['c0ffee01/orders/app/orders.log', 'spring', 'rename'],
  ['c0ffee01/orders/app/access/orders-audit.log', 'log4j', 'copytruncate'],
  ['c0ffee02/billing/logs/2026/billing.log', 'log4j', 'copytruncate'],
  ['c0ffee03/ceph-osd/ceph-osd.3.log', 'ceph-osd', 'rename'],
  ['c0ffee04/ceph-mon/ceph.log', 'ceph-mon', 'copytruncate'],
  ['c0ffee05/etcd/etcd.log', 'etcd', 'rename'],
  ['host/var/log/messages.log', 'syslog', 'rename'],
  ['host/var/log/secure.log', 'syslog', 'none'],
  ['c0ffee06/netplugin/contiv/netplugin.log', 'netplugin', 'copytruncate'],
  ['c0ffee07/legacy/batch/legacy.log', 'legacy', 'none'],
  ['c0ffee08/payments/app/payments.log', 'spring', 'copytruncate'],
  ['c0ffee09/ceph-osd/ceph-osd.7.log', 'ceph-osd', 'none'],
];

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);

export class TreeWriter {
  readonly book = new SeqBook();
  readonly #opts: GeneratorOptions;
  readonly #streams: Stream[] = [];
  readonly #stats: GeneratorStats = {
    events: 0,
    lines: 0,
    bytes: 0,
    files: 0,
    foldersCreated: 0,
    renameRotations: 0,
    copytruncateRotations: 0,
    stackTraces: 0,
    invalidUtf8: 0,
    overLong: 0,
  };
  #startedAt = 0;
  #nextFolderAt = 0;
  #nextLongAt = 0;
  #legacy: Stream | undefined;

  constructor(opts: GeneratorOptions) {
    this.#opts = opts;
    for (const [rel, family, rotation] of INITIAL) this.#addStream(rel, family, rotation);
    this.#legacy = this.#streams.find((s) => s.family === 'legacy');
  }

  get stats(): GeneratorStats {
    return { ...this.#stats, files: this.#streams.length };
  }

  #addStream(rel: string, family: Family, rotation: Rotation): void {
    const file = path.join(this.#opts.root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    this.#streams.push({ path: file, family, rotation, fd: openSync(file, 'a'), size: 0, n: 0, copies: [] });
  }

  /** Writes what the rate allows up to `nowMs`; call it every ~100 ms. */
  tick(nowMs: number): void {
    if (this.#startedAt === 0) {
      this.#startedAt = nowMs;
      this.#nextFolderAt = nowMs + this.#opts.newFolderEverySec * 1000;
      this.#nextLongAt = nowMs + 7000;
    }
    if (this.#opts.newFolderEverySec > 0 && nowMs >= this.#nextFolderAt) {
      this.#nextFolderAt += this.#opts.newFolderEverySec * 1000;
      this.#newFolder();
    }
    if (this.#opts.badInputs && nowMs >= this.#nextLongAt && this.#legacy) {
      this.#nextLongAt += 30_000;
      this.#write(
        this.#legacy,
        (d, seq) => overLongEvent(d, seq, this.#opts.maxEventBytes + 64 * 1024),
        EventKind.OverLong,
      );
    }
    const due = Math.floor(((nowMs - this.#startedAt) / 1000) * this.#opts.linesPerSecond);
    while (this.#stats.lines < due) {
      const stream = this.#streams[Math.floor(this.#opts.random() * this.#streams.length)]!;
      if (this.#opts.badInputs && stream.family === 'legacy' && stream.n % 200 === 199) {
        this.#write(stream, (d, seq) => invalidUtf8Event(d, seq), EventKind.InvalidUtf8);
      } else {
        this.#write(stream, (d, seq, n) => formatEvent(stream.family, d, seq, n), EventKind.Normal);
      }
    }
  }

  #newFolder(): void {
    const i = this.#stats.foldersCreated++;
    const family = FAMILIES[i % (FAMILIES.length - 1)]!; // not 'legacy': one legacy file is enough
    const depth = ['', 'a/', 'a/b/', 'a/b/c/'][i % 4]!;
    const rotation: Rotation = (['rename', 'copytruncate', 'none'] as const)[i % 3]!;
    this.#addStream(
      `pod-${String(i).padStart(3, '0')}/svc-${family}/${depth}${family}.log`,
      family,
      rotation,
    );
  }

  #write(stream: Stream, text: (d: Date, seq: number, n: number) => string | Buffer, kind: EventKind): void {
    const now = Date.now();
    const d = new Date(now);
    const seq = this.book.next(now, kind);
    const body = text(d, seq, stream.n++);
    const bytes = Buffer.isBuffer(body) ? Buffer.concat([body, Buffer.from('\n')]) : Buffer.from(body + '\n');
    const lines = Buffer.isBuffer(body) ? 1 : body.split('\n').length;
    if (lines > 1) {
      this.book.markKind(seq, EventKind.StackTrace);
      this.#stats.stackTraces++;
    }
    if (kind === EventKind.InvalidUtf8) this.#stats.invalidUtf8++;
    if (kind === EventKind.OverLong) this.#stats.overLong++;
    writeSync(stream.fd, bytes);
    stream.size += bytes.length;
    this.#stats.events++;
    this.#stats.lines += lines;
    this.#stats.bytes += bytes.length;
    if (stream.rotation !== 'none' && stream.size >= this.#opts.rotateBytes) this.#rotate(stream);
  }

  #rotate(stream: Stream): void {
    if (stream.rotation === 'rename') {
      closeSync(stream.fd);
      rmSync(`${stream.path}.2`, { force: true });
      if (existsSync(`${stream.path}.1`)) renameSync(`${stream.path}.1`, `${stream.path}.2`);
      renameSync(stream.path, `${stream.path}.1`);
      stream.fd = openSync(stream.path, 'a');
      this.#stats.renameRotations++;
    } else {
      // logrotate's copytruncate: nothing is written between the copy and the truncation here.
      const copy = `${stream.path}-${stamp(new Date())}`;
      copyFileSync(stream.path, copy);
      ftruncateSync(stream.fd, 0);
      stream.copies.push(copy);
      while (stream.copies.length > 2) rmSync(stream.copies.shift()!, { force: true });
      this.#stats.copytruncateRotations++;
    }
    stream.size = 0;
  }

  close(): void {
    for (const s of this.#streams) closeSync(s.fd);
  }
}
