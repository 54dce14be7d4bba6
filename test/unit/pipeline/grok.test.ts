import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrok, GrokError } from '../../../src/normalizer/pipeline/grok/compile.js';

function capture(pattern: string, text: string): Record<string, string> | undefined {
  const grok = compileGrok(pattern);
  const m = grok.regex.exec(text);
  if (!m?.groups) return undefined;
  return Object.fromEntries(
    grok.captures.flatMap((c) => (m.groups?.[c.group] ? [[c.field, m.groups[c.group] as string]] : [])),
  );
}

test('named, typed and unnamed references', () => {
  const grok = compileGrok('^%{INT:process.pid:int} %{WORD} %{GREEDYDATA:message}$');
  assert.deepEqual(
    grok.captures.map((c) => [c.field, c.type]),
    [
      ['process.pid', 'int'],
      ['message', 'string'],
    ],
  );
  assert.deepEqual(capture('^%{INT:a} %{WORD} %{GREEDYDATA:b}$', '42 word rest of it'), {
    a: '42',
    b: 'rest of it',
  });
});

test('GREEDYDATA spans lines (dotAll)', () => {
  assert.deepEqual(capture('^%{WORD:w} %{GREEDYDATA:rest}$', 'head line one\nline two'), {
    w: 'head',
    rest: 'line one\nline two',
  });
});

test('the same group name may appear in two alternatives', () => {
  assert.deepEqual(capture('^(?:a(?<x>\\d+)|b(?<x>\\w+))$', 'bzz'), { x: 'zz' });
  assert.deepEqual(capture('^(?:a(?<x__y>\\d+)|b(?<x__y>\\w+))$', 'a12'), { 'x.y': '12' });
});

test('library timestamps, levels and hosts', () => {
  assert.ok(capture('^%{TIMESTAMP_ISO8601:t}$', '2024-01-02T03:04:05,678+0100'));
  assert.ok(capture('^%{TIMESTAMP_ISO8601:t}$', '2024-01-02 03:04:05.123456789Z'));
  assert.ok(capture('^%{SYSLOGTIMESTAMP:t}$', 'Mar  6 04:05:06'));
  assert.ok(capture('^%{SYSLOGTIMESTAMP:t}$', 'Mar 06 04:05:06.123'));
  assert.deepEqual(capture('^%{LOGLEVEL:l} ', 'WARNING x'), { l: 'WARNING' });
  assert.deepEqual(capture('^%{LOGLEVEL:l} ', 'Warning x'), { l: 'Warning' });
  assert.deepEqual(capture('^%{IP:ip}$', '2001:db8::1'), { ip: '2001:db8::1' });
  assert.deepEqual(capture('^%{IPORHOST:h}:%{PORT:p}$', 'node-a.example:8080'), {
    h: 'node-a.example',
    p: '8080',
  });
  assert.ok(compileGrok('^%{SYSLOGPROG}: ').regex.test('demo-agent[2210]: x'));
  assert.deepEqual(capture('^%{GOFILE:f}\\]', 'reconciler.go:211]'), { f: 'reconciler.go:211' });
  assert.ok(capture('^%{HTTPDATE:t}$', '10/Jan/2024:11:12:13 +0530'));
  assert.ok(capture('^%{UUID:u}$', '00000000-1111-2222-3333-444444444444'));
});

test('pattern definitions, unknown and recursive patterns', () => {
  assert.deepEqual(compileGrok('%{MINE:x}', { MINE: '%{INT}-%{INT}' }).regex.exec('1-2')?.[0], '1-2');
  assert.throws(() => compileGrok('%{NOPE:x}'), GrokError);
  assert.throws(() => compileGrok('%{A}', { A: '%{B}', B: '%{A}' }), /refers to itself/);
  assert.throws(() => compileGrok('(unclosed'), /invalid regular expression/);
});
