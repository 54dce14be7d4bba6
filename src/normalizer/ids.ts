/**
 * Deterministic document ids. The same raw event always gets the same `_id`, so a replay
 * after a crash or a rebalance is rejected by `create` as a duplicate (409) instead of being
 * indexed twice (ARCHITECTURE.md, "Document id").
 */
import { createHash } from 'node:crypto';
import type { RawRecord } from '../schema/raw-record.js';

/** Inputs that identify one event: where it was read, not what it says. */
export type EventIdentity = Pick<RawRecord, 'host' | 'file' | 'offset'>;

/**
 * base64url of the first 128 bits of SHA-256 over the identity (22 characters). The fields are
 * joined with a NUL, which none of them can contain, so two different identities never
 * produce the same input bytes; the `v1` prefix lets a future scheme coexist.
 */
export function documentId(event: EventIdentity): string {
  const input = [
    'v1',
    event.host,
    event.file.dev,
    event.file.inode,
    event.file.fingerprint,
    String(event.offset),
  ].join('\u0000');
  return createHash('sha256').update(input, 'utf8').digest().subarray(0, 16).toString('base64url');
}
