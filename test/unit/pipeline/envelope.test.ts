import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peelEnvelope } from '../../../src/normalizer/pipeline/envelope/index.js';
import { AT, setFrom } from './helpers.js';

function peeled(message: string) {
  const result = peelEnvelope(message);
  assert.equal(result.kind, 'peeled', JSON.stringify(result));
  return (result as Extract<typeof result, { kind: 'peeled' }>).envelope;
}

test('CRI: F line, P parts joined by concatenation, first part time and stream', () => {
  const one = peeled('2024-04-05T06:07:08.091011121Z stdout F demo started');
  assert.equal(one.text, 'demo started');
  assert.equal(one.stream, 'stdout');
  assert.equal(new Date(one.timeMs as number).toISOString(), '2024-04-05T06:07:08.091Z');
  const joined = peeled(
    '2024-04-05T14:07:08.100000312+08:00 stderr P first half \n2024-04-05T14:07:08.100000999+08:00 stderr F and the rest',
  );
  assert.equal(joined.text, 'first half and the rest');
  assert.equal(new Date(joined.timeMs as number).toISOString(), '2024-04-05T06:07:08.100Z');
  assert.equal(joined.partial, false);
});

test('CRI: full lines of one multi-line event joined with newlines; trailing P is partial', () => {
  const trace = peeled(
    '2024-04-05T06:07:08Z stderr F Exception: x\n2024-04-05T06:07:08Z stderr F \tat a.B(B.java:1)',
  );
  assert.equal(trace.text, 'Exception: x\n\tat a.B(B.java:1)');
  const partial = peeled('2024-04-05T06:07:09.000000001Z stdout P demo chunk without end');
  assert.equal(partial.partial, true);
  assert.equal(partial.text, 'demo chunk without end');
});

test('CRI: old form without tag, empty content, content starting with spaces', () => {
  assert.equal(peeled('2024-04-05T06:07:08Z stdout old style').text, 'old style');
  assert.equal(peeled('2024-04-05T06:07:08Z stdout F').text, '');
  assert.equal(peeled('2024-04-05T06:07:08Z stdout F   indented').text, '  indented');
});

test('Docker: parts without \\n concatenated (16 KiB split), attrs as labels, times with few digits', () => {
  const long = 'x'.repeat(16 * 1024);
  const env = peeled(
    [
      JSON.stringify({ log: long, stream: 'stderr', time: '2024-04-05T06:07:08.1Z', attrs: { tag: 'demo' } }),
      JSON.stringify({ log: 'end\n', stream: 'stderr', time: '2024-04-05T06:07:08.100000312Z' }),
    ].join('\n'),
  );
  assert.equal(env.text, long + 'end');
  assert.equal(env.partial, false);
  assert.deepEqual(env.labels, { tag: 'demo' });
  assert.equal(new Date(env.timeMs as number).toISOString(), '2024-04-05T06:07:08.100Z');
  assert.equal(
    peeled('{"log":"no newline yet","stream":"stdout","time":"2024-04-05T06:07:08Z"}').partial,
    true,
  );
});

test('corrupt envelopes are reported, not thrown', () => {
  assert.equal(peelEnvelope('{"log":"cut in the midd').kind, 'corrupt');
  assert.equal(peelEnvelope('2024-04-05T06:07:08Z stdout F ok\nnot a cri line').kind, 'corrupt');
  assert.equal(peelEnvelope('plain text').kind, 'none');
});

test('engine: envelope time fills in, inner zone-less time loses to it, corrupt envelope tagged', async () => {
  const set = await setFrom({
    'app.yaml': `
name: app
match: { sniff: '^APP ' }
processors:
  - grok: { patterns: ['^APP (?<_t>\\S+ \\S+) %{GREEDYDATA:message}$'], ignore_missing: true }
  - date: { field: _t, formats: ['yyyy-MM-dd HH:mm:ss'], ignore_missing: true }
  - remove: { fields: [_t] }
`,
  });
  const out = set.process({
    message: '2024-04-05T06:07:08.5Z stdout F APP 2024-04-05 08:07:08 hello',
    collectedAt: AT,
  });
  assert.equal(out.pipeline, 'app');
  assert.equal(out.doc['@timestamp'], '2024-04-05T06:07:08.500Z');
  assert.equal(out.doc['stream'], 'stdout');
  assert.equal(out.doc['message'], 'hello');
  const corrupt = set.process({ message: '{"log":"broken', collectedAt: AT });
  assert.ok((corrupt.doc['tags'] as string[]).includes('_envelope_failure'));
  assert.equal(corrupt.doc['message'], '{"log":"broken');
  const partial = set.process({ message: '2024-04-05T06:07:09Z stdout P APP half', collectedAt: AT });
  assert.ok((partial.doc['tags'] as string[]).includes('partial'));
});
