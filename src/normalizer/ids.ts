/**
 * Deterministic document ids. The same raw event always gets the same `_id`, so a replay
 * after a crash or a rebalance is rejected by `create` as a duplicate (409) instead of being
 * indexed twice (ARCHITECTURE.md, "Document id").
 */
import { hash } from 'node:crypto';
import { identityString, type FileIdentity } from '../schema/raw-record.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Character 21 of the base64url of the whole 32-byte digest -> character 21 of the base64url of
 * its first 16 bytes: the same top 2 bits (the low 2 bits of byte 15), with the 4 bits that came
 * from byte 16 cleared.
 */
const LAST_CHAR: string[] = [];
for (let i = 0; i < 64; i++) LAST_CHAR[BASE64URL.charCodeAt(i)] = BASE64URL[i & 0x30] as string;

/**
 * base64url of the first 128 bits of SHA-256 over the identity (22 characters). The fields are
 * joined with a NUL, which none of them can contain, so two different identities never
 * produce the same input bytes; the `v1` prefix lets a future scheme coexist.
 */
export function documentId(host: string, file: FileIdentity, offset: number): string {
  const f = file;
  const input =
    'v1\u0000' +
    host +
    '\u0000' +
    f.dev +
    '\u0000' +
    f.inode +
    '\u0000' +
    identityString(f) +
    '\u0000' +
    String(offset);
  // One-shot hash straight to a string: no Buffer per document (that allocation cost more than
  // the hash). The first 21 characters encode bytes 0..14 and the top 6 bits of byte 15; the
  // 22nd is corrected to what a 16-byte encoding ends with.
  const full = hash('sha256', input, 'base64url');
  return full.slice(0, 21) + (LAST_CHAR[full.charCodeAt(21)] as string);
}
