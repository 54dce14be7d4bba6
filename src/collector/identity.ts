/**
 * What a file *is*, independent of its path: device + inode + a fingerprint of its first
 * bytes. Device + inode alone are not enough because a deleted file's inode is reused by
 * the next file created; the fingerprint tells the two apart.
 *
 * Design for small files: the fingerprint is the SHA-256 of the first
 * `min(size, FINGERPRINT_BYTES)` bytes, and the number of bytes it covers is stored with
 * it. Comparing a candidate file means hashing the same number of its first bytes, so a
 * file that grows keeps matching its older, shorter fingerprint (appending never changes a
 * prefix), while a different file that reused the inode does not match. Only once a file
 * has FINGERPRINT_BYTES bytes is its fingerprint final and put on records (the schema's
 * `file.fingerprint` is '' before). In memory, live files are keyed by device + inode,
 * which is unique among files that exist at the same moment.
 */
import { createHash } from 'node:crypto';
import type { TailFile } from './fs-port.js';

export const FINGERPRINT_BYTES = 1024;

/**
 * The file-identity value put on records (`file.fingerprint`), from which the normalizer
 * derives document ids. It must never change for the same bytes of the same file, or a
 * replay after a crash would get new ids and be indexed twice; and it must differ between
 * two files that reuse an inode, or the new file's events would be taken for duplicates and
 * lost. The birth time (statx) is known from the first byte and differs on inode reuse; only
 * where the file system lacks it does the 1 KiB fingerprint stand in (final once the file has
 * 1 KiB, '' before). A truncation (copytruncate) starts a new generation at offset 0, whose
 * offsets repeat the old ones: the record's `file.generation` keeps their ids apart.
 */
export function recordIdentity(birthNs: string, fp: Fingerprint): string {
  return birthNs !== '' ? `btime:${birthNs}` : isFinal(fp) ? fp.hash : '';
}

/** Device + inode, the key of a live file. */
export type FileKey = string & { readonly brand: 'FileKey' };

export function fileKey(dev: bigint | number, ino: bigint | number): FileKey {
  return `${dev}:${ino}` as FileKey;
}

export interface Fingerprint {
  /** Hex SHA-256 of the first `length` bytes ('' for an empty file). */
  hash: string;
  /** Bytes covered: min(file size, FINGERPRINT_BYTES). */
  length: number;
}

export const EMPTY_FINGERPRINT: Fingerprint = Object.freeze({ hash: '', length: 0 });

export function isFinal(fp: Fingerprint): boolean {
  return fp.length >= FINGERPRINT_BYTES;
}

export function fingerprintOf(bytes: Buffer): Fingerprint {
  if (bytes.length === 0) return EMPTY_FINGERPRINT;
  const head = bytes.subarray(0, FINGERPRINT_BYTES);
  return { hash: createHash('sha256').update(head).digest('hex'), length: head.length };
}

/** Reads up to FINGERPRINT_BYTES from the start of an open file and fingerprints them. */
export function readFingerprint(handle: TailFile, upTo = FINGERPRINT_BYTES): Fingerprint {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(upTo, FINGERPRINT_BYTES)));
  const bytesRead = handle.read(buf, 0, buf.length, 0);
  return fingerprintOf(buf.subarray(0, bytesRead));
}

/**
 * Whether an open file is the one a stored fingerprint describes: its first `stored.length`
 * bytes hash the same. A file now shorter than the stored prefix is not the same file (it
 * was replaced or truncated; either way reading restarts at 0).
 */
export function matchesFingerprint(handle: TailFile, stored: Fingerprint): boolean {
  if (stored.length === 0) return true;
  const now = readFingerprint(handle, stored.length);
  return now.length === stored.length && now.hash === stored.hash;
}
