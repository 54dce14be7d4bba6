import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePairs, unquoteGo } from '../../../src/normalizer/pipeline/processors/kv.js';
import { parseJsonObject } from '../../../src/normalizer/pipeline/processors/json-text.js';
import { splitJavaTrace } from '../../../src/normalizer/pipeline/processors/java-exception.js';
import { AT, setFrom } from './helpers.js';

const KV = { fieldSplit: ' ', valueSplit: '=', quotes: '"' };

test('kv: bare, empty and Go-quoted values', () => {
  assert.deepEqual(
    parsePairs('time="2024-02-11T03:14:07Z" level=info msg="a \\"b\\"\\tc" k= path=/x/y@1', KV),
    [
      ['time', '2024-02-11T03:14:07Z'],
      ['level', 'info'],
      ['msg', 'a "b"\tc'],
      ['k', ''],
      ['path', '/x/y@1'],
    ],
  );
  assert.equal(unquoteGo('\\u00b5s \\x41 \\\\'), 'µs A \\');
});

test('kv: unescaped inner quotes run to the last quote before the next key', () => {
  assert.deepEqual(parsePairs('msg="demo "quoted" thing" level=warn', KV), [
    ['msg', 'demo "quoted" thing'],
    ['level', 'warn'],
  ]);
  assert.deepEqual(parsePairs('msg="never closed', KV), [['msg', 'never closed']]);
});

test('json: limits, long integers, non-objects', () => {
  const limits = { maxDepth: 3, maxKeys: 4 };
  assert.deepEqual(parseJsonObject('{"a":{"b":1}}', limits), { value: { a: { b: 1 } } });
  assert.deepEqual(parseJsonObject('{"a":{"b":{"c":{"d":1}}}}', limits), { error: 'nested deeper than 3' });
  assert.deepEqual(parseJsonObject('{"a":1,"b":2,"c":3,"d":4,"e":5}', limits), { error: 'more than 4 keys' });
  assert.deepEqual(parseJsonObject('[1]', limits), { error: 'not a JSON object' });
  assert.deepEqual(
    parseJsonObject('{"id":12345678901234567890,"s":"12345678901234567890 in text"}', limits),
    {
      value: { id: '12345678901234567890', s: '12345678901234567890 in text' },
    },
  );
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  assert.deepEqual(parseJsonObject(deep, { maxDepth: 10, maxKeys: 500 }), { error: 'nested deeper than 10' });
  assert.ok('error' in parseJsonObject('{"a":', limits));
});

test('java_exception: header, Caused by, ... N more, packaging data', () => {
  const split = splitJavaTrace(
    'header line\norg.example.DemoException: boom\n\tat a.B.c(B.java:1) ~[demo-1.0.jar:1.0]\nCaused by: java.io.IOException: disk\n\t... 3 more',
  );
  assert.equal(split?.header, 'header line');
  assert.equal(split?.type, 'org.example.DemoException');
  assert.equal(split?.message, 'boom');
  assert.ok(split?.trace.endsWith('... 3 more'));
  assert.equal(splitJavaTrace('one line only'), undefined);
  assert.equal(splitJavaTrace('a multi-line\nmessage without a trace'), undefined);
});

test('java_exception: a chunk that starts mid-trace', () => {
  const split = splitJavaTrace(
    '\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nCaused by: java.lang.IllegalStateException: late\n\t... 2 more',
  );
  assert.equal(split?.header, '');
  assert.equal(split?.type, 'java.lang.IllegalStateException');
  assert.equal(split?.message, 'late');
});

const KV_PIPELINE = `
name: kvp
processors:
  - kv: { target: kv, include_keys: [a, b] }
  - set: { field: copy, value: 'a is {{kv.a}}' }
  - set: { field: fixed, value: [1, 2], if: { equals: { field: kv.b, value: '2' } } }
  - rename: { fields: { kv.a: renamed } }
  - uppercase: { field: renamed }
  - drop: { if: { equals: { field: renamed, value: DROPME } } }
`;

test('kv, set templates, rename, uppercase, drop through the engine', async () => {
  const set = await setFrom({ 'kvp.yaml': KV_PIPELINE });
  const out = set.process({ message: 'a=x b=2 c=3', collectedAt: AT }, { pipeline: 'kvp' });
  assert.equal(out.doc['copy'], 'a is x');
  assert.deepEqual(out.doc['fixed'], [1, 2]);
  assert.equal(out.doc['renamed'], 'X');
  assert.deepEqual(out.doc['kv'], { b: '2' });
  const dropped = set.process({ message: 'a=dropme', collectedAt: AT }, { pipeline: 'kvp' });
  assert.equal(dropped.dropped, true);
});

test('failures: tag and reason, ignore_failure, on_failure; later processors still run', async () => {
  const set = await setFrom({
    'f.yaml': `
name: f
processors:
  - grok: { tag: first, patterns: ['^nomatch$'] }
  - grok: { patterns: ['^nomatch$'], ignore_failure: true }
  - grok: { patterns: ['^nomatch$'], on_failure: [ { set: { field: handled, value: true } } ] }
  - set: { field: after, value: yes }
`,
  });
  const { doc, failed } = set.process({ message: 'text', collectedAt: AT }, { pipeline: 'f' });
  assert.equal(failed, true);
  assert.deepEqual(doc['tags'], ['_parse_failure', '_no_timestamp']);
  assert.deepEqual((doc['kiver'] as Record<string, unknown>)['parse_failures'], [
    "first: no pattern matched field 'message'",
  ]);
  assert.equal(doc['handled'], true);
  assert.equal(doc['after'], 'yes');
  assert.equal(doc['message'], 'text');
});

test('conditions: exists, equals, matches, in, not, all, any', async () => {
  const set = await setFrom({
    'c.yaml': `
name: c
processors:
  - kv: { ignore_failure: true }
  - set: { field: r.exists, value: true, if: { exists: a } }
  - set: { field: r.equals, value: true, if: { equals: { field: a, value: '1' } } }
  - set: { field: r.matches, value: true, if: { matches: { field: message, pattern: '(?i)^HELLO' } } }
  - set: { field: r.in, value: true, if: { in: { field: a, values: ['0', '1'] } } }
  - set: { field: r.not, value: true, if: { not: { exists: b } } }
  - set: { field: r.all, value: true, if: { all: [ { exists: a }, { exists: message } ] } }
  - set: { field: r.any, value: true, if: { any: [ { exists: b }, { exists: a } ] } }
  - set: { field: r.none, value: true, if: { any: [ { exists: b } ] } }
`,
  });
  const without = set.process({ message: 'hello', collectedAt: AT }, { pipeline: 'c' });
  assert.deepEqual(without.doc['r'], { matches: true, not: true });
  const withA = set.process({ message: 'hello a=1', collectedAt: AT }, { pipeline: 'c' });
  assert.deepEqual(withA.doc['r'], {
    exists: true,
    equals: true,
    matches: true,
    in: true,
    not: true,
    all: true,
    any: true,
  });
});

const GROUP_PIPELINE = `
name: g
processors:
  - set: { if: { matches: { field: message, pattern: '^k ' } }, field: _tmp.kind, value: k }
  - group:
      if: { equals: { field: _tmp.kind, value: k } }
      processors:
        - grok: { tag: k line, patterns: ['^k %{WORD:a} %{INT:b:int}$'] }
        - set: { if: { exists: b }, field: c, value: 'b={{b}}' }
        - drop: { if: { equals: { field: a, value: gone } } }
  - set: { field: after, value: true }
  - remove: { fields: [_tmp] }
`;

test('group: runs its processors only when its condition holds, as if they were inline', async () => {
  const set = await setFrom({ 'g.yaml': GROUP_PIPELINE });
  const run = (message: string) => set.process({ message, collectedAt: AT }, { pipeline: 'g' });

  const hit = run('k word 7');
  assert.equal(hit.doc['a'], 'word');
  assert.equal(hit.doc['b'], 7);
  assert.equal(hit.doc['c'], 'b=7');
  assert.equal(hit.doc['after'], true);
  assert.equal(hit.failed, false);

  const miss = run('other text');
  assert.equal(miss.doc['a'], undefined);
  assert.equal(miss.doc['c'], undefined);
  assert.equal(miss.doc['after'], true);
  assert.equal(miss.failed, false);

  // An inner failure is recorded under the inner processor's tag; the group goes on.
  const bad = run('k word notanumber');
  assert.equal(bad.failed, true);
  assert.deepEqual((bad.doc['kiver'] as Record<string, unknown>)['parse_failures'], [
    "k line: no pattern matched field 'message'",
  ]);
  assert.equal(bad.doc['after'], true);

  // A drop inside the group drops the event; nothing after it runs.
  assert.equal(run('k gone 1').dropped, true);
});

test('group: processors are required and validated with file and line', async () => {
  await assert.rejects(
    setFrom({ 'g.yaml': 'name: g\nprocessors:\n  - group: { if: { exists: a } }\n' }),
    /g\.yaml:3: .*'processors' is required/,
  );
  await assert.rejects(
    setFrom({ 'g.yaml': 'name: g\nprocessors:\n  - group:\n      processors:\n        - grokk: {}\n' }),
    /g\.yaml:5: unknown processor 'grokk'/,
  );
  await assert.rejects(
    setFrom({ 'g.yaml': 'name: g\nprocessors:\n  - group: { processors: [] }\n' }),
    /must hold at least one processor/,
  );
});
