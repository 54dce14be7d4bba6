import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StackError } from '../../../src/errors.js';
import { parseJavaMajor, pickEsJava, pickKafkaJava, type JavaInstall } from '../../../src/stack/java.js';
import { stackDirHash, stackLayout } from '../../../src/stack/layout.js';
import { assertPortsFree } from '../../../src/stack/ports.js';
import { isOurs, parseProcStat, readProcStat } from '../../../src/stack/process.js';

test('Java major versions are read from the release file', () => {
  assert.equal(parseJavaMajor('IMPLEMENTOR="x"\nJAVA_VERSION="17.0.12"\n'), 17);
  assert.equal(parseJavaMajor('JAVA_VERSION="25"\n'), 25);
  assert.equal(parseJavaMajor('JAVA_VERSION="21.0.1+12"\n'), 21);
  assert.equal(parseJavaMajor('JAVA_VERSION="1.8.0_402"\n'), 8);
  assert.equal(parseJavaMajor('nothing here'), undefined);
});

const jdk = (major: number): JavaInstall => ({
  home: `/jvm/${major}`,
  major,
  java: `/jvm/${major}/bin/java`,
});

test('Kafka gets the lowest Java >= 17; ES the newest up to 25', () => {
  const installs = [jdk(25), jdk(11), jdk(17), jdk(26)];
  assert.equal(pickKafkaJava(installs, 17, {}).major, 17);
  assert.equal(pickEsJava(installs, 17, {}).major, 25);
  assert.equal(pickEsJava([jdk(26)], 17, {}).major, 26);
});

test('no suitable Java is a StackError that says what to install', () => {
  assert.throws(
    () => pickKafkaJava([jdk(11)], 17, {}),
    (e: unknown) =>
      e instanceof StackError && /apt-get install openjdk-17-jdk-headless/.test(e.toUserString()),
  );
});

test('as root, ES files live under /var/lib/kiver-stack (the ES user cannot enter /root)', () => {
  const root = stackLayout('/root/.cache/kiver/stack', '/root/.cache/kiver/artifacts', true);
  assert.ok(root.esHome.startsWith('/var/lib/kiver-stack/dist/'));
  assert.equal(root.esRuntimeDir, `/var/lib/kiver-stack/stacks/${stackDirHash('/root/.cache/kiver/stack')}`);
  assert.equal(root.esUser, 'kiver-es');
  assert.equal(root.kafkaDataDir, '/root/.cache/kiver/stack/kafka/data');
  assert.equal(root.esLog, '/root/.cache/kiver/stack/logs/elasticsearch.log');
  const user = stackLayout('/home/u/.cache/kiver/stack', '/home/u/.cache/kiver/artifacts', false);
  assert.equal(user.esRuntimeDir, '/home/u/.cache/kiver/stack/elasticsearch');
  assert.equal(user.esUser, undefined);
  assert.notEqual(stackDirHash('/a'), stackDirHash('/b'));
});

test('/proc/<pid>/stat parsing survives spaces and parentheses in the command name', () => {
  const line = '4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 30 0 987654 1 2 3';
  assert.deepEqual(parseProcStat(line), { state: 'S', ppid: 1, startTicks: 987654 });
});

test('a recycled pid (different start time) is never taken for ours', () => {
  const me = readProcStat(process.pid);
  assert.ok(me);
  assert.equal(isOurs({ pid: process.pid, startTicks: me.startTicks, marker: 'node' }), true);
  assert.equal(isOurs({ pid: process.pid, startTicks: me.startTicks + 1, marker: 'node' }), false);
  assert.equal(
    isOurs({ pid: process.pid, startTicks: me.startTicks, marker: 'not-in-my-cmdline-xyz' }),
    false,
  );
});

test('the same port for two roles is a StackError naming both flags', async () => {
  await assert.rejects(
    assertPortsFree([
      { port: 19999, role: 'Kafka client listener', flag: '--kafka-port' },
      { port: 19999, role: 'Elasticsearch HTTP', flag: '--es-port' },
    ]),
    (e: unknown) =>
      e instanceof StackError && /--kafka-port/.test(e.toUserString()) && /--es-port/.test(e.toUserString()),
  );
});
