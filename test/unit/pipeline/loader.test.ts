import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PipelineError } from '../../../src/errors.js';
import { setFrom } from './helpers.js';

async function loadError(text: string): Promise<string> {
  try {
    await setFrom({ 'bad.yaml': text });
  } catch (error) {
    assert.ok(error instanceof PipelineError, String(error));
    return error.message;
  }
  assert.fail('expected a PipelineError');
}

test('unknown processor names file and line', async () => {
  const message = await loadError(
    'name: bad\nprocessors:\n  - set: { field: a, value: 1 }\n  - grokk: { patterns: [x] }\n',
  );
  assert.match(message, /bad\.yaml:4: unknown processor 'grokk'/);
});

test('bad grok pattern names the line of the pattern', async () => {
  const message = await loadError(
    "name: bad\nprocessors:\n  - grok:\n      patterns:\n        - '^ok$'\n        - '^%{NOPE:x}$'\n",
  );
  assert.match(message, /bad\.yaml:6: grok: unknown grok pattern %\{NOPE\}/);
});

test('bad regular expression', async () => {
  const message = await loadError("name: bad\nprocessors:\n  - regex: { pattern: '(?<a>x' }\n");
  assert.match(message, /bad\.yaml:3: regex: 'pattern' is not a valid regular expression/);
});

test('bad date format and bad zone', async () => {
  assert.match(
    await loadError("name: bad\nprocessors:\n  - date: { field: t, formats: ['yyyy-QQ'] }\n"),
    /bad\.yaml:3: date: 'formats' has a bad date format/,
  );
  assert.match(
    await loadError(
      'name: bad\nprocessors:\n  - date: { field: t, formats: [ISO8601], timezone: Mars/Base }\n',
    ),
    /bad\.yaml:3: .*'Mars\/Base' is not a known time zone/,
  );
});

test('unknown option, unknown top-level key, bad condition, invalid YAML', async () => {
  assert.match(
    await loadError('name: bad\nprocessors:\n  - set: { field: a, value: 1, overide: false }\n'),
    /bad\.yaml:3: set: unknown option 'overide'/,
  );
  assert.match(
    await loadError('name: bad\nprocesors: []\n'),
    /bad\.yaml:2: pipeline: unknown option 'procesors'/,
  );
  assert.match(
    await loadError('name: bad\nprocessors:\n  - set: { field: a, value: 1, if: { exist: a } }\n'),
    /bad\.yaml:3: unknown condition 'exist'/,
  );
  assert.match(await loadError('name: bad\nprocessors: [\n'), /bad\.yaml:\d+: invalid YAML/);
  assert.match(
    await loadError('name: bad\ntests:\n  - name: no input\n'),
    /bad\.yaml:3: .*'input' is required/,
  );
});

test('duplicate pipeline names are refused', async () => {
  await assert.rejects(
    setFrom({ 'a.yaml': 'name: same\n', 'b.yaml': 'name: same\n' }),
    /already used by a\.yaml/,
  );
});
