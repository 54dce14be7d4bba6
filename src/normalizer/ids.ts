/**
 * Deterministic document ids. The same raw event always gets the same `_id`, so a replay
 * after a crash or a rebalance is rejected by `create` as a duplicate (409) instead of being
 * indexed twice (ARCHITECTURE.md, "Document id").
 */
import { hash } from 'node:crypto';
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
  // One-shot hash (no Hash object per document); 16 bytes -> 22 base64url characters.
  return (hash('sha256', input, 'buffer') as unknown as Buffer).subarray(0, 16).toString('base64url');
}
