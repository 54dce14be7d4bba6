import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AT, setFrom } from './helpers.js';

const FILES = {
  'high.yaml': "name: high\npriority: 10\nmatch: { paths: ['**/app/*.log'], sniff: '^HIGH' }\n",
  'low.yaml': "name: low\npriority: 1\nmatch: { sniff: '^(HIGH|LOW)', fields: { service: 'low-*' } }\n",
  'outer.yaml': `
name: outer
priority: 5
match: { sniff: '^OUTER ' }
processors:
  - grok: { patterns: ['^OUTER %{NOTSPACE:host.name} %{GREEDYDATA:message}$'] }
  - reroute: {}
`,
  'inner.yaml': `
name: inner
dataset: inner.ds
match: { sniff: '^\\d{4}-' }
processors:
  - grok: { patterns: ['^(?<_t>\\S+) %{NOTSPACE:host.name} %{GREEDYDATA:message}$'] }
  - date: { field: _t, formats: [ISO8601] }
  - remove: { fields: [_t] }
`,
};

test('selection: path, priority, sniff, fields, generic fallback', async () => {
  const set = await setFrom(FILES);
  assert.equal(set.process({ message: 'LOW x', collectedAt: AT }).pipeline, 'low');
  assert.equal(set.process({ message: 'HIGH x', collectedAt: AT }).pipeline, 'high');
  assert.equal(
    set.process({ message: 'anything', path: '/srv/app/a.log', collectedAt: AT }).pipeline,
    'high',
  );
  assert.equal(
    set.process({ message: 'anything', fields: { service: 'low-api' }, collectedAt: AT }).pipeline,
    'low',
  );
  const generic = set.process({ message: 'nobody claims me', collectedAt: AT });
  assert.equal(generic.pipeline, 'generic');
  assert.equal(generic.dataset, 'generic');
});

test('finishing: original, path, offset, host, container id, service, labels, flags', async () => {
  const set = await setFrom(FILES);
  const { doc } = set.process({
    message: 'x',
    path: '/app/log/c1/a.log',
    host: 'node-a',
    offset: 42,
    collectedAt: AT,
    fields: { container_id: 'c1', service: 'billing', team: 'ops' },
    flags: ['truncated', 'invalid_utf8', 'multiline'],
  });
  assert.deepEqual(doc['event'], { dataset: 'generic', original: 'x' });
  assert.deepEqual(doc['log'], { file: { path: '/app/log/c1/a.log' }, offset: 42, flags: ['multiline'] });
  assert.deepEqual(doc['host'], { name: 'node-a' });
  assert.deepEqual(doc['container'], { id: 'c1' });
  assert.deepEqual(doc['service'], { name: 'billing' });
  assert.deepEqual(doc['labels'], { team: 'ops' });
  assert.deepEqual(doc['tags'], ['_truncated', '_invalid_utf8', '_no_timestamp']);
  assert.equal(doc['@timestamp'], '2024-05-01T10:00:00.000Z');
});

test('reroute: inner fields win except host.name; exact inner time wins', async () => {
  const set = await setFrom(FILES);
  const out = set.process({
    message: 'OUTER outer-host 2024-01-02T03:04:05Z inner-host inner text',
    collectedAt: AT,
  });
  assert.equal(out.pipeline, 'outer');
  assert.equal(out.doc['message'], 'inner text');
  assert.deepEqual(out.doc['host'], { name: 'outer-host' });
  assert.equal(out.doc['@timestamp'], '2024-01-02T03:04:05.000Z');
  assert.equal(out.dataset, 'inner.ds');
});

test('long messages are cut on a character boundary and tagged; garbage never throws', async () => {
  const set = await setFrom(FILES, { maxMessageBytes: 100 });
  const out = set.process({ message: 'é'.repeat(80), collectedAt: AT });
  assert.equal(Buffer.byteLength(out.doc['message'] as string), 100);
  assert.ok((out.doc['tags'] as string[]).includes('_truncated'));
  const odd = set.process({ message: 'é'.repeat(49) + 'ab', collectedAt: AT });
  assert.equal(Buffer.byteLength(odd.doc['message'] as string), 100);
  for (const message of ['\u0000\uFFFD\uD800', '{"log":', '{'.repeat(5000), '\n\n\n', '']) {
    const result = set.process({ message, collectedAt: AT });
    assert.equal(typeof result.doc['@timestamp'], 'string');
  }
  // @ts-expect-error - a caller bug (non-string message) still yields a document
  const wrong = set.process({ message: 12, collectedAt: AT });
  assert.equal(wrong.doc['message'], '12');
});

test('test runner reports diffs per case', async () => {
  const set = await setFrom({
    't.yaml':
      'name: t\nprocessors:\n  - set: { field: a, value: x }\ntests:\n  - name: good\n    input: hi\n    expect: { a: x }\n  - name: bad\n    input: hi\n    expect: { a: y }\n    absent: [a]\n',
  });
  const report = set.runTests();
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 1);
  assert.deepEqual(report.pipelines[0]?.cases[1]?.diffs, [
    'a: expected "y", got "x"',
    'a: expected absent, got "x"',
  ]);
});

test('a message over max_message_bytes: message and event.original are both cut to the bound, tagged _truncated', async () => {
  const bound = 64 * 1024;
  const set = await setFrom(
    {
      'copy.yaml': `
name: copy
match: { sniff: '^COPY ' }
processors:
  - set: { field: event.original, value: '{{message}}{{message}}' }
`,
    },
    { maxMessageBytes: bound },
  );
  const huge = 'é'.repeat(3 * 1024 * 1024); // 6 MiB of two-byte characters
  const cases = [
    { message: `plain ${huge}`, keep: true },
    { message: `{"log":"${huge}\\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}`, keep: true },
  ];
  for (const { message } of cases) {
    const out = set.process({ message, collectedAt: AT });
    const original = (out.doc['event'] as { original: string }).original;
    assert.ok(Buffer.byteLength(original) <= bound, `event.original ${Buffer.byteLength(original)} bytes`);
    assert.ok(Buffer.byteLength(String(out.doc['message'])) <= bound);
    assert.ok((out.doc['tags'] as string[]).includes('_truncated'));
    assert.ok(!original.includes('\uFFFD'), 'cut on a character boundary');
    assert.ok(
      Buffer.byteLength(JSON.stringify(out.doc)) <= 2 * bound + 4096,
      'the whole document is bounded',
    );
  }
  // Without keep_event_original, an event.original a pipeline writes itself is bounded too.
  const noKeep = await setFrom(
    {
      'copy.yaml': `
name: copy
match: { sniff: '^COPY ' }
processors:
  - set: { field: event.original, value: '{{message}}{{message}}' }
`,
    },
    { maxMessageBytes: bound, keepEventOriginal: false },
  );
  const out = noKeep.process({ message: `COPY ${huge}`, collectedAt: AT });
  const original = (out.doc['event'] as { original: string }).original;
  assert.ok(Buffer.byteLength(original) <= bound, `event.original ${Buffer.byteLength(original)} bytes`);
  assert.ok((out.doc['tags'] as string[]).includes('_truncated'));
});

const LAYERED = {
  'hdr.yaml': `
name: hdr
match: { sniff: '^[A-Z][a-z]{2} ' }
processors:
  - syslog: { format: rfc3164 }
  - reroute: { if: { matches: { field: message, pattern: '^clock ' } }, pipeline: clock }
  - reroute: { if: { matches: { field: message, pattern: '^nowhere ' } }, pipeline: missing }
  - reroute: { if: { not: { matches: { field: message, pattern: '^(?:clock|nowhere) ' } } } }
`,
  'yearless.yaml': `
name: yearless
match: { sniff: '^t=' }
processors:
  - grok: { patterns: ['^t=(?<_t>[A-Z][a-z]{2} +\\d+ [\\d:.]+) %{GREEDYDATA:message}$'] }
  - date: { field: _t, formats: ['MMM d HH:mm:ss.S'] }
  - remove: { fields: [_t] }
`,
  'clock.yaml': `
name: clock
processors:
  - grok: { patterns: ['^clock (?<_t>[\\d:.]+) %{GREEDYDATA:message}$'] }
  - date: { field: _t, formats: ['HH:mm:ss.S'] }
  - remove: { fields: [_t] }
`,
};

test('reroute: a partial inner time is completed from the header, not from the collection time', async () => {
  const set = await setFrom(LAYERED);
  const weekLater = Date.parse('2024-03-10T12:00:00Z');
  const yearless = set.process({
    message: 'Mar  3 08:14:02 h p[1]: t=Mar  3 08:14:02.118 x',
    collectedAt: weekLater,
  });
  assert.equal(yearless.doc['@timestamp'], '2024-03-03T08:14:02.118Z', 'finer inner time, header year');
  const newYear = set.process({
    message: 'Dec 31 23:59:59 h p[1]: t=Jan  1 00:00:00.2 x',
    collectedAt: Date.parse('2024-01-01T00:05:00Z'),
  });
  assert.equal(newYear.doc['@timestamp'], '2024-01-01T00:00:00.200Z', 'inner just past new year');
  const clock = set.process({
    message: 'Mar  4 00:00:00 h p[1]: clock 23:59:59.9 x',
    collectedAt: weekLater,
  });
  assert.equal(clock.doc['@timestamp'], '2024-03-03T23:59:59.900Z', 'named pipeline, date from the header');
  assert.equal(clock.doc['message'], 'x');
  const missing = set.process({ message: 'Mar  4 00:00:00 h p[1]: nowhere x', collectedAt: weekLater });
  assert.ok(missing.failed, 'a reroute to a pipeline that does not exist is a visible failure');
  assert.equal(missing.doc['@timestamp'], '2024-03-04T00:00:00.000Z', 'the header time is kept');
});
