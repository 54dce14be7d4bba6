import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentId } from '../../../src/normalizer/ids.js';

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
