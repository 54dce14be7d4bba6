/**
 * The built-in rule's character tests and the envelope reader run instead of regular
 * expressions on every line; these properties hold them to the expressions they replace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CONTINUATION } from '../../../src/collector/multiline.js';
import { EXCEPTION_LINE, continuesStackTrace, isExceptionLine } from '../../../src/collector/stack-trace.js';
import { parseEnvelope } from '../../../src/collector/envelope.js';

/** Runs a byte test on a line placed in the middle of a larger buffer, as the reader's chunk. */
function bytesTest(fn: (buf: Buffer, start: number, end: number) => boolean, line: string): boolean {
  const buf = Buffer.from(`xx${line}\nyy`);
  return fn(buf, 2, buf.length - 3);
}

/** Strings made of the characters these tests care about, plus some noise. */
function linesOf(pieces: string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })), { maxLength: 12 })
    .map((parts) => parts.join(''));
}

test('continuesStackTrace agrees with DEFAULT_CONTINUATION', () => {
  const re = new RegExp(DEFAULT_CONTINUATION);
  const lines = linesOf([
    ' ',
    '\t',
    'at ',
    'a',
    't',
    'Caused by:',
    'Caused',
    'Suppressed:',
    '... ',
    '..',
    '3',
    '12',
    ' more',
    ' common frames omitted',
    'x',
  ]);
  fc.assert(
    fc.property(lines, (line) =>
      assert.equal(bytesTest(continuesStackTrace, line), re.test(line), JSON.stringify(line)),
    ),
    {
      numRuns: 20000,
    },
  );
});

test('isExceptionLine agrees with EXCEPTION_LINE', () => {
  const lines = linesOf([
    'java',
    '.',
    'io',
    'lang',
    'IOException',
    'Exception',
    'Error',
    'Throwable',
    'E',
    ':',
    ' ',
    '$',
    '_',
    '1',
    'x.',
    'Foo',
    '..',
  ]);
  fc.assert(
    fc.property(lines, (line) =>
      assert.equal(bytesTest(isExceptionLine, line), EXCEPTION_LINE.test(line), JSON.stringify(line)),
    ),
    {
      numRuns: 20000,
    },
  );
  for (const line of [
    'java.lang.Error: x',
    'java.io.IOException',
    'a.BError:',
    'Exception: x',
    'a.b.Throwable',
    'x.YThrowable:z',
  ])
    assert.equal(bytesTest(isExceptionLine, line), EXCEPTION_LINE.test(line), line);
});

// The expression the envelope reader replaced, with its old use.
const CRI =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) (?:stdout|stderr) (?:([PF])(?: |$))?/;

test('the CRI reader agrees with the CRI expression', () => {
  const lines = linesOf([
    '2024-05-01T10:00:00',
    '2024-05-01',
    'T',
    '10:00:00',
    '.123456789',
    '.',
    'Z',
    '+08:00',
    '-0530',
    '+08',
    ' ',
    'stdout',
    'stderr',
    'stdin',
    ' P',
    ' F',
    'P',
    'F',
    ' hello',
    '1',
    '-',
    ':',
  ]);
  fc.assert(
    fc.property(lines, (line) => {
      const m = CRI.exec(line);
      const got = parseEnvelope(line);
      if (!m) {
        assert.equal(got?.kind === 'cri', false, JSON.stringify(line));
        return;
      }
      assert.deepEqual(
        got,
        { kind: 'cri', inner: line.slice(m[0].length), complete: m[1] !== 'P' },
        JSON.stringify(line),
      );
    }),
    { numRuns: 20000 },
  );
  assert.deepEqual(parseEnvelope('2024-05-01T10:00:00.5Z stdout P part'), {
    kind: 'cri',
    inner: 'part',
    complete: false,
  });
  assert.deepEqual(parseEnvelope('2024-05-01T10:00:00+08:00 stderr F'), {
    kind: 'cri',
    inner: '',
    complete: true,
  });
  assert.equal(parseEnvelope('2024-05-01 10:00:00 stdout F x'), null);
});
