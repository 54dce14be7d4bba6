/**
 * `kiver demo` ends by suggesting `kiver search` commands: they must work when typed right
 * after it. The demo runs on this test's stack from a shell where no KIVER_ variable points
 * at it, so the suggestions have to say where Elasticsearch is; each printed command is then
 * run as printed and must find demo events, and the stack must still answer.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { demoSuggestions, shellLine } from '../../src/cli/demo.js';
import { stackStatus } from '../../src/stack/index.js';
import { runKiver } from '../helpers/cli.js';
import { ensureStack, type StackEndpoints } from '../helpers/stack.js';

let stack: StackEndpoints;

before(async () => {
  stack = await ensureStack();
});

/**
 * Which stack the demo must use: the default one when the tests started it, else the one in
 * KIVER_STACK_DIR (the demo's `up` reads that folder's state; without it the default
 * folder could name another stack). `null`: the tests point at a cluster the demo cannot name.
 */
function stackArgs(): string[] | null {
  const dir = process.env.KIVER_STACK_DIR;
  if (!process.env.KIVER_KAFKA__BROKERS && !process.env.KIVER_ELASTICSEARCH__URL) return [];
  if (!dir) return null;
  const kafkaPort = stack.brokers[0]!.split(':').pop()!;
  return ['--dir', dir, '--kafka-port', kafkaPort, '--es-port', new URL(stack.esUrl).port];
}

test(
  'the searches the demo suggests find its events, and the stack is still up afterwards',
  { timeout: 300_000 },
  async (t) => {
    const args = stackArgs();
    if (args === null) {
      t.skip('KIVER_ variables name a cluster without KIVER_STACK_DIR: the demo cannot start or find it');
      return;
    }
    // A shell without KIVER_ settings: a plain `kiver search` would look at the defaults.
    const bare = { KIVER_KAFKA__BROKERS: undefined, KIVER_ELASTICSEARCH__URL: undefined };
    const demo = await runKiver(['demo', '--rounds', '3', ...args], { env: bare, timeoutMs: 240_000 });
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
    const suggestions = demoSuggestions(stack.esUrl, 'http://127.0.0.1:9200');
    for (const s of suggestions) {
      assert.ok(demo.stdout.includes(shellLine(s.args)), `printed: ${shellLine(s.args)}\n${demo.stdout}`);
    }
    assert.match(
      demo.stdout,
      /The stack keeps running.*; stop it with: npx tsx src\/cli\/main\.ts stack down/,
    );

    for (const s of suggestions) {
      const line = shellLine(s.args);
      const result = await runKiver(s.args, { env: bare, timeoutMs: 60_000 });
      assert.equal(result.code, 0, `${line}\n${result.stderr}`);
      if (s.args.includes('--json')) {
        const docs = result.stdout.trim().split('\n').filter(Boolean);
        assert.ok(docs.length > 0, `${line} printed no document`);
        for (const d of docs)
          assert.equal((JSON.parse(d) as { service?: { name?: string } }).service?.name, 'orders');
      } else {
        const shown = /^(\d+) of (\d+) events shown/m.exec(result.stderr);
        assert.ok(shown && Number(shown[1]) > 0, `${line} found nothing:\n${result.stderr}`);
      }
    }
    const dir = process.env.KIVER_STACK_DIR;
    const status = await stackStatus(dir ? { dir } : {});
    assert.ok(status.healthy, 'the stack still runs and answers');
  },
);
