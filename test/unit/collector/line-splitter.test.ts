import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import fc from 'fast-check';
import { FLAG_UTF8_UNCHECKED, LineSplitter } from '../../../src/collector/line-splitter.js';
import { createDecoder, repairUtf8 } from '../../../src/collector/decoder.js';
import { FLAG_INVALID_UTF8, flagNames } from '../../../src/schema/event-flags.js';

function split(chunks: (string | Buffer)[], max = 1024, encoding = 'utf-8', flushPartial = false) {
  const s = new LineSplitter(max);
  const decode = createDecoder(encoding);
  const out: [string, number, number, string[]][] = [];
  const sink = (b: Buffer, st: number, en: number, off: number, len: number, fl: number) => {
    decode.decode(b, st, en, fl);
    const bytes = decode.bytes.subarray(decode.start, decode.end);
    const invalid = decode.passThrough && repairUtf8(bytes, 0, bytes.length) !== null;
    out.push([
      bytes.toString('utf8'),
      off,
      len,
      flagNames(invalid ? decode.flags | FLAG_INVALID_UTF8 : decode.flags),
    ]);
  };
  for (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    s.push(b, 0, b.length, sink);
  }
  if (flushPartial) s.flushPartial(sink);
  return { out, position: s.position, pending: s.pendingBytes };
}

test('splits on \\n, drops a trailing \\r, offsets and lengths cover every byte', () => {
  const { out, position } = split(['a\r\nbb\n', '\n']);
  assert.deepEqual(out, [
    ['a', 0, 3, []],
    ['bb', 3, 3, []],
    ['', 6, 1, []],
  ]);
  assert.equal(position, 7);
});

test('a line split across chunks (also between \\r and \\n) is joined', () => {
  const { out } = split(['hel', 'lo\r', '\nx\n']);
  assert.deepEqual(out, [
    ['hello', 0, 7, []],
    ['x', 7, 2, []],
  ]);
});

test('a last line without newline waits, then is emitted partial', () => {
  const waiting = split(['a\nrest']);
  assert.deepEqual(waiting.out, [['a', 0, 2, []]]);
  assert.equal(waiting.pending, 4);
  const flushed = split(['a\nrest'], 1024, 'utf-8', true);
  assert.deepEqual(flushed.out[1], ['rest', 2, 4, ['partial']]);
});

test('a line longer than max_event_bytes is cut, flagged, and the rest skipped by streaming', () => {
  const chunks = Array.from({ length: 50 }, () => 'y'.repeat(100));
  const { out } = split([...chunks, '\nnext\n'], 64);
  assert.deepEqual(out, [
    ['y'.repeat(64), 0, 5001, ['truncated']],
    ['next', 5001, 5, []],
  ]);
});

test('a cut never splits a UTF-8 character into U+FFFD', () => {
  const { out } = split(['é'.repeat(10) + '\n'], 5);
  assert.deepEqual(out, [['éé', 0, 21, ['truncated']]]);
});

test('invalid UTF-8 is kept with replacement characters and flagged; a real U+FFFD is not flagged', () => {
  const { out } = split([Buffer.from([0x61, 0xc3, 0x28, 0x0a]), Buffer.from('\uFFFD\n')]);
  assert.deepEqual(out, [
    ['a\uFFFD(', 0, 4, ['invalid_utf8']],
    ['\uFFFD', 4, 4, []],
  ]);
});

test('GBK and GB18030 decode', () => {
  const gbk = split([iconv.encode('中文日志\n', 'gbk')], 1024, 'gbk');
  assert.deepEqual(gbk.out, [['中文日志', 0, 9, []]]);
  const gb = split([iconv.encode('€ 𠀀\n', 'gb18030')], 1024, 'gb18030');
  assert.equal(gb.out[0]![0], '€ 𠀀');
});

test('UTF-8 checked once per chunk: only lines that spanned chunks or came with bad bytes are left to check', () => {
  const flagsOf = (chunks: Buffer[]): number[] => {
    const s = new LineSplitter(1024, 0, true);
    const out: number[] = [];
    for (const c of chunks)
      s.push(c, 0, c.length, (_b, _s, _e, _o, _l, f) => out.push(f & FLAG_UTF8_UNCHECKED));
    return out;
  };
  const U = FLAG_UTF8_UNCHECKED;
  assert.deepEqual(flagsOf([Buffer.from('a\nbü\n')]), [0, 0]);
  assert.deepEqual(flagsOf([Buffer.from('a\nb'), Buffer.from('c\nd\n')]), [0, U, 0], 'bc spanned two chunks');
  assert.deepEqual(
    flagsOf([Buffer.from([0x61, 0x0a, 0xff, 0x0a, 0x62, 0x0a])]),
    [U, U, U],
    'a bad byte in the chunk',
  );
});

test('property: chunk-level checks plus event repair give what a per-line decode gives', () => {
  const lineBytes = fc
    .uint8Array({ maxLength: 40 })
    .map((a) => Buffer.from(a.filter((b) => b !== 0x0a && b !== 0x0d)));
  fc.assert(
    fc.property(
      fc.array(lineBytes, { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (lines, cuts) => {
        const all = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
        const points = [...new Set(cuts.map((c) => (all.length === 0 ? 0 : c % all.length)))].sort(
          (a, b) => a - b,
        );
        const s = new LineSplitter(1 << 20, 0, true);
        const got: string[] = [];
        const sink = (b: Buffer, st: number, en: number, _o: number, _l: number, f: number): void => {
          const repaired = f & FLAG_UTF8_UNCHECKED ? repairUtf8(b, st, en) : null;
          got.push((repaired ?? b.subarray(st, en)).toString('utf8'));
        };
        let from = 0;
        for (const p of [...points, all.length]) {
          // A reused read buffer: the chunk is copied in, then overwritten after the push.
          const chunk = Buffer.from(all.subarray(from, p));
          s.push(chunk, 0, chunk.length, sink);
          chunk.fill(0x2a);
          from = p;
        }
        assert.deepEqual(
          got,
          lines.map((l) => l.toString('utf8')),
        );
      },
    ),
    { numRuns: 2000 },
  );
});
