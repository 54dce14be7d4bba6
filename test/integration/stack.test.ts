/**
 * The stack's own lifecycle, on a separate stack dir and separate ports so it never touches
 * the shared stack other integration tests use. One up/down cycle only: it is two JVMs on a
 * 2-core machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { StackError } from '../../src/errors.js';
import {
  stackDown,
  stackStatus,
  stackUp,
  type StackOptions,
  type StackUpResult,
} from '../../src/stack/index.js';
import { defaultCacheRoot } from '../../src/stack/layout.js';
import { isListening } from '../../src/stack/ports.js';
import { readProcStat } from '../../src/stack/process.js';

const run = promisify(execFile);
const opts: StackOptions = {
  dir: path.join(defaultCacheRoot(), 'stack-selftest'),
  kafkaPort: 19092,
  kafkaControllerPort: 19093,
  esPort: 19200,
  esTransportPort: 19300,
  timeoutMs: 180_000,
};
// 19094/19095: the SASL_SSL and mutual-TLS listeners, derived from kafkaPort.
const ports = [19092, 19093, 19094, 19095, 19200, 19300];
let first: StackUpResult | undefined;

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const main = path.resolve('src/cli/main.ts');
  try {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      main,
      'stack',
      ...args,
      '--dir',
      opts.dir!,
    ]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '' };
  }
}

function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

before(async () => {
  // A previous crashed run of this test may have left its stack running.
  await stackDown(opts);
});

after(async () => {
  await stackDown(opts);
});

test('a taken port is a StackError that names the port and the flag to move it', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(19200, '127.0.0.1', resolve));
  try {
    await assert.rejects(stackUp(opts), (error: unknown) => {
      assert.ok(error instanceof StackError, String(error));
      assert.match(error.toUserString(), /19200/);
      assert.match(error.toUserString(), /--es-port/);
      return true;
    });
  } finally {
    await new Promise((r) => blocker.close(r));
  }
  assert.equal((await stackStatus(opts)).healthy, false, 'nothing was started');
});

test('up starts both services; status says they answer', async () => {
  first = await stackUp(opts);
  assert.equal(first.alreadyRunning, false);
  assert.deepEqual(first.brokers, ['127.0.0.1:19092']);
  assert.equal(first.esUrl, 'http://127.0.0.1:19200');
  assert.equal(first.elasticsearch.pids.length, 2, 'launcher and server JVM are both recorded');
  assert.ok(existsSync(first.probeFile), 'the cluster probe was saved');
  assert.ok(first.probe && first.probe.modules.length > 0);
  assert.deepEqual(
    first.kafkaListeners.map((l) => `${l.name} ${l.address} ${l.securityProtocol}`),
    ['PLAINTEXT 127.0.0.1:19092 PLAINTEXT', 'SASL_SSL 127.0.0.1:19094 SASL_SSL', 'MTLS 127.0.0.1:19095 SSL'],
  );
  const sec = first.kafkaSecurity;
  for (const file of [
    sec.caFile,
    sec.clientCertFile,
    sec.clientKeyFile,
    ...sec.users.map((u) => u.passwordFile),
  ])
    assert.ok(existsSync(file), `${file} exists`);
  for (const u of sec.users)
    assert.equal(statSync(u.passwordFile).mode & 0o777, 0o600, `${u.passwordFile} is 0600`);

  const status = await stackStatus(opts);
  assert.equal(status.healthy, true, JSON.stringify(status));
  for (const s of status.services) assert.ok(s.running && s.answers, `${s.name} runs and answers`);

  const viaCli = await cli('status', '--json');
  assert.equal(viaCli.code, 0);
  assert.equal((JSON.parse(viaCli.stdout) as { healthy: boolean }).healthy, true);
});

test('up twice is harmless: it reports the running stack and starts nothing', async () => {
  assert.ok(first, 'the previous test started the stack');
  const again = await stackUp(opts);
  assert.equal(again.alreadyRunning, true);
  assert.equal(again.kafka.pid, first.kafka.pid);
  assert.deepEqual(again.elasticsearch.pids, first.elasticsearch.pids);
});

test('down stops every process it started and frees every port', async () => {
  assert.ok(first, 'the stack was started');
  const pids = [first.kafka.pid, ...first.elasticsearch.pids];
  const down = await stackDown(opts);
  assert.deepEqual(down.stopped.map((s) => s.pid).sort(), [...pids].sort());
  for (const s of down.stopped) assert.notEqual(s.outcome, 'not-running', `${s.name} was running until down`);
  for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is gone`);
  for (const port of ports) assert.equal(await isListening(port), false, `nothing listens on ${port}`);

  const status = await stackStatus(opts);
  assert.equal(status.healthy, false);
  assert.equal((await cli('status')).code, 1, 'status exits 1 when the stack is down');
  assert.deepEqual((await stackDown(opts)).stopped, [], 'a second down has nothing to stop');
});
