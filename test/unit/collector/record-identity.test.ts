import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_FINGERPRINT, fingerprintOf, recordIdentity as base } from '../../../src/collector/identity.js';
import { identityString } from '../../../src/schema/raw-record.js';

const recordIdentity = (birth: string, fp: typeof EMPTY_FINGERPRINT, generation: number): string =>
  identityString({ fingerprint: base(birth, fp), generation });

test('the record identity is stable while a file grows (replays keep their document ids)', () => {
  const small = fingerprintOf(Buffer.from('short first line\n'));
  const grown = fingerprintOf(Buffer.alloc(4096, 'x'));
  assert.equal(
    recordIdentity('1795637653336105500', small, 0),
    recordIdentity('1795637653336105500', grown, 0),
  );
  assert.equal(recordIdentity('1795637653336105500', EMPTY_FINGERPRINT, 0), 'btime:1795637653336105500');
});

test('a truncation (new generation) and a reused inode (new birth time) give other identities', () => {
  const fp = EMPTY_FINGERPRINT;
  const first = recordIdentity('100', fp, 0);
  assert.notEqual(recordIdentity('100', fp, 1), first);
  assert.notEqual(recordIdentity('101', fp, 0), first);
});

test('without a birth time, the 1 KiB fingerprint stands in once final', () => {
  assert.equal(recordIdentity('', fingerprintOf(Buffer.from('tiny')), 0), '');
  const full = fingerprintOf(Buffer.alloc(2048, 'y'));
  assert.equal(recordIdentity('', full, 0), full.hash);
  assert.equal(recordIdentity('', full, 2), `${full.hash}/g2`);
});

test('this file system records birth times, and a reused inode gets a new one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-birth-'));
  const a = join(dir, 'a.log');
  writeFileSync(a, 'one\n');
  const first = statSync(a, { bigint: true });
  unlinkSync(a);
  closeSync(openSync(join(dir, 'b.log'), 'w'));
  const second = statSync(join(dir, 'b.log'), { bigint: true });
  assert.ok(first.birthtimeNs > 0n, 'birth time recorded');
  if (second.ino === first.ino) assert.notEqual(second.birthtimeNs, first.birthtimeNs);
});
