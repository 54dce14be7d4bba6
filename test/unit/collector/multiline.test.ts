import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MULTILINE_RULE, MultilineJoiner, ruleForPath } from '../../../src/collector/multiline.js';
import type { MultilineRule } from '../../../src/config/types.js';
import { FLAG_MULTILINE_TRUNCATED, FLAG_PARTIAL } from '../../../src/schema/event-flags.js';

interface MultilineEvent {
  text: string;
  offset: number;
  length: number;
  flags: number;
  /** Physical lines: they are joined by \n and contain none themselves. */
  lines: number;
  truncated: boolean;
  partial: boolean;
}

/** Collects what a joiner emits as objects, for readable assertions. */
function collect(out: MultilineEvent[]) {
  return (buf: Buffer, start: number, end: number, offset: number, length: number, flags: number): void => {
    const text = buf.toString('utf8', start, end);
    out.push({
      text,
      offset,
      length,
      flags,
      lines: text.split('\n').length,
      truncated: (flags & FLAG_MULTILINE_TRUNCATED) !== 0,
      partial: (flags & FLAG_PARTIAL) !== 0,
    });
  };
}

function join(lines: string[], rule: MultilineRule = DEFAULT_MULTILINE_RULE, flush = true) {
  const out: MultilineEvent[] = [];
  const j = new MultilineJoiner(rule, collect(out));
  let off = 0;
  for (const l of lines) {
    const b = Buffer.from(l);
    const len = b.length + 1;
    j.push(b, 0, b.length, off, len);
    off += len;
  }
  if (flush) j.flush();
  return out;
}

const trace = [
  '2024-05-01 10:00:00 ERROR failed',
  'java.lang.IllegalStateException: boom',
  '\tat a.B.c(B.java:1)',
  'Caused by: java.io.IOException: x',
  '\tat a.B.d(B.java:2)',
  '\t... 3 more',
  'Suppressed: java.lang.Exception: s',
  '\t... 12 common frames omitted',
];

test('default rule: a Java stack trace is one event with contiguous offsets', () => {
  const out = join(['before', ...trace, 'after']);
  assert.deepEqual(
    out.map((e) => [e.text, e.lines]),
    [
      ['before', 1],
      [trace.join('\n'), trace.length],
      ['after', 1],
    ],
  );
  assert.equal(out[1]!.offset, out[0]!.offset + out[0]!.length);
  assert.equal(out[2]!.offset, out[1]!.offset + out[1]!.length);
});

test('an exception-class line joins only directly after a header line', () => {
  const out = join(['header', 'x', 'java.lang.RuntimeException: y']);
  assert.equal(out.length, 2);
  assert.equal(out[1]!.text, 'x\njava.lang.RuntimeException: y');
});

test('start pattern: lines not matching start continue the event', () => {
  const rule: MultilineRule = {
    path: '**',
    start: '^\\d{4}-',
    continuation: null,
    max_lines: 100,
    max_bytes: 1e6,
    timeout_ms: 100,
  };
  const out = join(['2024-1 a', 'more', 'more', '2024-2 b', 'x'], rule);
  assert.deepEqual(
    out.map((e) => e.text),
    ['2024-1 a\nmore\nmore', '2024-2 b\nx'],
  );
});

test('max lines and max bytes cut an event (flagged) without losing lines', () => {
  const rule: MultilineRule = {
    path: '**',
    start: '^S',
    continuation: null,
    max_lines: 3,
    max_bytes: 1e6,
    timeout_ms: 100,
  };
  const out = join(['S', 'a', 'b', 'c', 'd'], rule);
  assert.deepEqual(
    out.map((e) => [e.text, e.truncated]),
    [
      ['S\na\nb', true],
      ['c\nd', true],
    ],
  );
  const bytes: MultilineRule = { ...rule, max_lines: 100, max_bytes: 6 };
  assert.deepEqual(
    join(['S', 'aa', 'bb'], bytes).map((e) => e.text),
    ['S\naa', 'bb'],
  );
});

test('timeout flush emits the held event', () => {
  let now = 1000;
  const out: MultilineEvent[] = [];
  const j = new MultilineJoiner(DEFAULT_MULTILINE_RULE, collect(out), () => now);
  j.push(Buffer.from('last line'), 0, 9, 0, 10);
  assert.equal(j.flushIfDue(), false);
  now += DEFAULT_MULTILINE_RULE.timeout_ms;
  assert.equal(j.flushIfDue(), true);
  assert.deepEqual(
    out.map((e) => e.text),
    ['last line'],
  );
});

test('CRI: P parts join their F; patterns see inner content; a trailing P is flushed partial', () => {
  const cri = (tag: string, s: string) => `2024-05-01T10:00:00.123456789Z stdout ${tag} ${s}`;
  const lines = [
    cri('F', 'ERROR failed'),
    cri('F', 'java.lang.IllegalStateException: boom'),
    cri('P', '\tat a.B.c(B.'),
    cri('F', 'java:1)'),
    cri('F', 'next event'),
    cri('P', 'cut off'),
  ];
  const out = join(lines);
  assert.deepEqual(
    out.map((e) => [e.lines, e.partial]),
    [
      [4, false],
      [1, false],
      [1, true],
    ],
  );
  assert.equal(out[0]!.text, lines.slice(0, 4).join('\n'));
});

test('Docker json-file: parts without \\n join; a stack trace in envelopes is one event', () => {
  const d = (log: string) => JSON.stringify({ log, stream: 'stderr', time: '2024-05-01T10:00:00Z' });
  const lines = [d('ERROR x\n'), d('\tat a.B.c'), d('(B.java:1)\n'), d('INFO y\n')];
  const out = join(lines);
  assert.deepEqual(
    out.map((e) => e.lines),
    [3, 1],
  );
});

test('ruleForPath: first matching rule wins, else the default', () => {
  const a: MultilineRule = {
    path: '**/a/*.log',
    start: '^A',
    continuation: null,
    max_lines: 1,
    max_bytes: 1,
    timeout_ms: 1,
  };
  assert.equal(ruleForPath([a], '/x/a/f.log'), a);
  assert.equal(ruleForPath([a], '/x/b/f.log'), DEFAULT_MULTILINE_RULE);
});

test('a held line survives the reuse of the chunk it came in (endOfChunk copies it)', () => {
  const out: MultilineEvent[] = [];
  const j = new MultilineJoiner(DEFAULT_MULTILINE_RULE, collect(out));
  const chunk = Buffer.alloc(64);
  const put = (text: string) => chunk.write(text.padEnd(chunk.length, '#'));
  put('first line');
  j.push(chunk, 0, 10, 0, 11);
  j.endOfChunk();
  put('\tat a.B.c(B.java:1)');
  j.push(chunk, 0, 19, 11, 20);
  j.endOfChunk();
  put('next event');
  j.push(chunk, 0, 10, 31, 11);
  j.flush();
  assert.deepEqual(
    out.map((e) => e.text),
    ['first line\n\tat a.B.c(B.java:1)', 'next event'],
  );
});
