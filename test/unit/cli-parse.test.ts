/** `kiver parse` and `kiver pipelines` as child processes: NDJSON out, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'corpus');

function kiver(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const docs = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('parses stdin line by line with event.original, exit 0 despite parse failures', async () => {
  const input =
    '2023-06-12 14:02:07.315  INFO 7120 --- [           main] o.e.b.X                                  : demo\n\tat not.a.Header(X.java:1)\n';
  const { code, stdout } = await kiver(
    ['parse', '--pipeline', 'middleware', '--collected-at', '2024-05-01T10:00:00Z', '-'],
    input,
  );
  assert.equal(code, 0);
  const out = docs(stdout);
  assert.equal(out.length, 2);
  assert.equal((out[0]?.['event'] as Record<string, unknown>)['original'], input.split('\n')[0]);
  assert.equal((out[0]?.['log'] as Record<string, unknown>)['level'], 'info');
});

test('--multiline joins a stack trace into one event', async () => {
  const { code, stdout } = await kiver(['parse', '--multiline', join(FIXTURES, 'middleware', 'tomcat.log')]);
  assert.equal(code, 0);
  const out = docs(stdout);
  assert.equal(out.length, 5);
  assert.equal((out[1]?.['error'] as Record<string, unknown>)['type'], 'java.lang.IllegalArgumentException');
  assert.equal((out[0]?.['event'] as Record<string, unknown>)['dataset'], 'middleware.tomcat');
});

test('bad arguments exit 2 with one line', async () => {
  for (const args of [
    ['parse', '--no-such-option'],
    ['parse', '--pipeline', 'nope', '-'],
    ['parse', '--timezone', 'Mars/Base', '-'],
    ['parse', '--collected-at', 'yesterday', '-'],
    ['parse', '/no/such/file.log'],
    ['parse', '--multiline-start', '^x', '-'],
  ]) {
    const { code, stderr } = await kiver(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /^kiver parse: /);
  }
});

test('--help and pipelines list/test', async () => {
  assert.equal((await kiver(['parse', '--help'])).code, 0);
  const list = await kiver(['pipelines', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /middleware/);
  const run = await kiver(['pipelines', 'test', 'generic', 'json']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /cases passed in 2 pipelines/);
  assert.equal((await kiver(['pipelines', 'test', 'nope'])).code, 2);
});
