/**
 * The demo's closing suggestions as printed: they name the demo's Elasticsearch only when a
 * plain `kiver search` in this shell would look elsewhere, and they survive a POSIX shell.
 * (test/integration/demo.test.ts runs them against a real demo.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { demoSuggestions, KIVER, shellLine } from '../../../src/cli/demo.js';

test('suggestions carry --set elasticsearch.url only when search would look elsewhere', () => {
  const same = demoSuggestions('http://127.0.0.1:9200', 'http://127.0.0.1:9200');
  assert.ok(same.every((s) => !s.args.includes('--set')));
  const other = demoSuggestions('http://127.0.0.1:49200', 'http://127.0.0.1:9200');
  for (const s of other)
    assert.deepEqual(s.args.slice(-2), ['--set', 'elasticsearch.url=http://127.0.0.1:49200']);
  assert.deepEqual(
    other.map((s) => s.args[0]),
    other.map(() => 'search'),
  );
});

test('a printed line gives back its arguments in a shell', () => {
  const args = [
    'search',
    '--dataset',
    'ceph.*',
    'it\'s a "demo"',
    'a b',
    '--set',
    'elasticsearch.url=http://x:1',
  ];
  const line = shellLine(args);
  assert.ok(line.startsWith(`${KIVER} search --dataset 'ceph.*' `), line);
  const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${line.slice(KIVER.length + 1)}`], {
    encoding: 'utf8',
  });
  assert.deepEqual(echoed.trimEnd().split('\n'), args);
});
