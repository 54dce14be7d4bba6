import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStatusTable, parseStackArgs } from '../../../src/cli/stack.js';
import { UsageError } from '../../../src/errors.js';
import { kafkaListeners, kafkaSecurityInfo } from '../../../src/stack/kafka-security.js';
import { tlsFiles } from '../../../src/stack/tls.js';

test('up with every option', () => {
  const a = parseStackArgs([
    'up',
    '--dir',
    '/s',
    '--kafka-port',
    '19092',
    '--es-port',
    '19200',
    '--timeout',
    '90',
    '--json',
    '--secure',
  ]);
  assert.equal(a.command, 'up');
  assert.equal(a.json, true);
  assert.deepEqual(a.options, {
    dir: '/s',
    kafkaPort: 19092,
    kafkaControllerPort: 19093,
    kafkaSaslSslPort: 19094,
    kafkaMtlsPort: 19095,
    esPort: 19200,
    esTransportPort: 19300,
    esSecurePort: 19201,
    esSecureTransportPort: 19301,
    secure: true,
    timeoutMs: 90_000,
  });
});

test('defaults are left to the stack module', () => {
  assert.deepEqual(parseStackArgs(['status']), { command: 'status', options: {}, json: false, help: false });
  assert.equal(parseStackArgs(['--help']).help, true);
  assert.equal(parseStackArgs(['down', '-h']).help, true);
});

test('bad arguments are UsageErrors', () => {
  for (const argv of [
    [],
    ['start'],
    ['up', 'down'],
    ['up', '--kafka-port', 'abc'],
    ['up', '--kafka-port', '70000'],
    ['up', '--kafka-port', '65533'],
    ['up', '--es-port', '0'],
    ['up', '--timeout', '-1'],
    ['up', '--bogus'],
    ['up', '--dir', ''],
  ]) {
    assert.throws(() => parseStackArgs(argv), UsageError, argv.join(' '));
  }
});

test('the status table shows address, pids, running and answers, and where the logs are', () => {
  const table = formatStatusTable({
    dir: '/s',
    logsDir: '/s/logs',
    healthy: false,
    services: [
      {
        name: 'kafka',
        address: '127.0.0.1:9092',
        pids: [10],
        running: true,
        answers: true,
        logFile: '/s/logs/kafka.log',
      },
      {
        name: 'elasticsearch',
        address: 'http://127.0.0.1:9200',
        pids: [],
        running: false,
        answers: false,
        logFile: '',
      },
    ],
    kafkaListeners: kafkaListeners(9092, { saslSslPort: 9094, mtlsPort: 9095 }),
    kafkaSecurity: kafkaSecurityInfo('/s', tlsFiles('/s')),
  });
  const lines = table.split('\n');
  assert.match(lines[0]!, /^SERVICE\s+ADDRESS\s+PIDS\s+RUNNING\s+ANSWERS$/);
  assert.match(lines[1]!, /^kafka\s+127\.0\.0\.1:9092\s+10\s+yes\s+yes$/);
  assert.match(lines[2]!, /^elasticsearch\s+http:\/\/127\.0\.0\.1:9200\s+-\s+no\s+no$/);
  assert.match(table, /logs: \/s\/logs/);
  // Every Kafka listener with its address and security protocol, and the files a client needs.
  assert.match(table, /^KAFKA LISTENER\s+ADDRESS\s+SECURITY\s+AUTHENTICATION$/m);
  assert.match(table, /^PLAINTEXT\s+127\.0\.0\.1:9092\s+PLAINTEXT\s+none$/m);
  assert.match(table, /^SASL_SSL\s+127\.0\.0\.1:9094\s+SASL_SSL\s+SCRAM-SHA-512, PLAIN$/m);
  assert.match(table, /^MTLS\s+127\.0\.0\.1:9095\s+SSL\s+client certificate$/m);
  assert.match(table, /^CA: \/s\/tls\/ca\.crt$/m);
  assert.match(table, /^client certificate: \/s\/tls\/client\.crt \(key \/s\/tls\/client\.key\)$/m);
  assert.match(
    table,
    /^user kiver-scram \(scram-sha-512\): password in \/s\/secrets\/kafka-scram\.password$/m,
  );
  assert.match(table, /^user kiver-plain \(plain\): password in \/s\/secrets\/kafka-plain\.password$/m);
});

test('kill and start name one service; kill takes a signal (KILL by default, SIG prefix optional)', () => {
  assert.deepEqual(parseStackArgs(['kill', 'kafka']), {
    command: 'kill',
    service: 'kafka',
    signal: 'KILL',
    options: {},
    json: false,
    help: false,
  });
  assert.equal(parseStackArgs(['kill', 'elasticsearch', '--signal', 'sigstop']).signal, 'STOP');
  assert.equal(parseStackArgs(['kill', 'elasticsearch', '--signal', 'CONT']).signal, 'CONT');
  const start = parseStackArgs(['start', 'elasticsearch', '--dir', '/s', '--timeout', '60']);
  assert.equal(start.command, 'start');
  assert.equal(start.service, 'elasticsearch');
  assert.equal(start.signal, undefined);
  assert.deepEqual(start.options, { dir: '/s', timeoutMs: 60_000 });
});

test('kill and start refuse a missing or unknown service, an unknown signal, and --signal elsewhere', () => {
  for (const argv of [
    ['kill'],
    ['kill', 'zookeeper'],
    ['kill', 'kafka', 'elasticsearch'],
    ['kill', 'kafka', '--signal', 'HUP'],
    ['start', 'kafka', '--signal', 'KILL'],
    ['up', '--signal', 'KILL'],
    ['status', 'kafka'],
  ]) {
    assert.throws(() => parseStackArgs(argv), UsageError, argv.join(' '));
  }
});
