import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKiver } from '../../helpers/cli.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kiver-check-')), 'kiver.yaml');
  writeFileSync(file, text);
  return file;
}

test('kiver check on a wrong type prints one clear sentence and exits 2', async () => {
  const file = configFile('collector:\n  max_open_files: lots\n');
  const result = await runKiver(['check', '--config', file]);
  assert.equal(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${result.stderr}`);
  assert.match(
    lines[0]!,
    /^kiver check: Invalid value "lots" for 'collector\.max_open_files' in .*: expected a whole number/,
  );
  assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
});

test('kiver check on an unknown key names the nearest valid one', async () => {
  const result = await runKiver(['check', '--config', configFile('normalizer:\n  groupid: x\n')]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Did you mean 'normalizer\.group_id'\?/);
});

test('kiver check validates configuration and shipped pipelines, exit 0', async () => {
  const result = await runKiver(['check', '--config', configFile('kafka:\n  topic: logs.raw\n')]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /configuration valid .*; \d+ pipelines valid .*; kafkajs codecs: gzip/);
});

test('secrets never appear in output, not with --print nor in --help', async () => {
  const secret = 'hunter2-very-secret';
  const env = { KIVER_ELASTICSEARCH__AUTH__USERNAME: 'elastic', KIVER_ELASTICSEARCH__AUTH__PASSWORD: secret };
  const printed = await runKiver(['check', '--print', '--no-pipelines'], { env });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /"password": "\(hidden\)"/);
  assert.doesNotMatch(printed.stdout + printed.stderr, new RegExp(secret));
  for (const command of ['check', 'collect', 'normalize', 'search', 'parse', 'stack']) {
    const help = await runKiver([command, '--help'], { env });
    assert.doesNotMatch(help.stdout + help.stderr, new RegExp(secret), command);
  }
});

test('an unknown command and a bad option exit 2 with usage', async () => {
  const unknown = await runKiver(['colect']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'colect'/);
  const bad = await runKiver(['check', '--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--frobnicate'/);
});
