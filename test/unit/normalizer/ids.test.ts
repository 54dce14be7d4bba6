import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentId as idOf } from '../../../src/normalizer/ids.js';

interface Ev {
  host: string;
  file: { dev: string; inode: string; fingerprint: string; generation?: number };
  offset: number;
}
const documentId = (e: Ev): string => idOf(e.host, { generation: 0, ...e.file }, e.offset);

const base = { host: 'h1', file: { dev: '2049', inode: '1234', fingerprint: 'abcd' }, offset: 42 };

test('the same event always gets the same 22-character base64url id', () => {
  const id = documentId(base);
  assert.equal(id, documentId(structuredClone(base)));
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});

test('every identity field changes the id', () => {
  const ids = new Set([
    documentId(base),
    documentId({ ...base, host: 'h2' }),
    documentId({ ...base, file: { ...base.file, dev: '2050' } }),
    documentId({ ...base, file: { ...base.file, inode: '1235' } }),
    documentId({ ...base, file: { ...base.file, fingerprint: 'abce' } }),
    documentId({ ...base, offset: 43 }),
  ]);
  assert.equal(ids.size, 6);
});

test('field boundaries are unambiguous', () => {
  assert.notEqual(
    documentId({ host: 'a', file: { dev: '1', inode: '23', fingerprint: '' }, offset: 0 }),
    documentId({ host: 'a', file: { dev: '12', inode: '3', fingerprint: '' }, offset: 0 }),
  );
});

test('ids equal base64url of the first 16 bytes of SHA-256 over the NUL-joined identity', async () => {
  const { createHash } = await import('node:crypto');
  const reference = (e: Ev): string =>
    createHash('sha256')
      .update(['v1', e.host, e.file.dev, e.file.inode, e.file.fingerprint, String(e.offset)].join('\u0000'))
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  for (let i = 0; i < 5000; i++) {
    const e = {
      host: i % 7 === 0 ? `hôst-${i}-日本` : `h${i % 13}`,
      file: { dev: String(i % 3), inode: String(i * 7919), fingerprint: i % 5 === 0 ? '' : `fp${i}` },
      offset: i * 211,
    };
    assert.equal(documentId(e), reference(e));
  }
});

test('fixed vectors (ids already indexed must never change)', () => {
  assert.equal(documentId(base), 'jpIBSLCgkeeoTQV4jumosw');
  assert.equal(
    documentId({ host: 'bench-host', file: { dev: '1', inode: '7', fingerprint: 'x' }, offset: 1400 }),
    'VpDm6DmSxChqbMB8N5cNVg',
  );
});

test('a v2 generation gives the id a v1 record gave with the /g<N> suffix', () => {
  const v1 = documentId({ ...base, file: { ...base.file, fingerprint: 'btime:17/g2' } });
  assert.equal(documentId({ ...base, file: { ...base.file, fingerprint: 'btime:17', generation: 2 } }), v1);
  assert.notEqual(
    documentId({ ...base, file: { ...base.file, fingerprint: 'btime:17', generation: 1 } }),
    v1,
  );
});
