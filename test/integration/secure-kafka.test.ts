// The deployables through the stack's secured Kafka listeners (src/stack/kafka-security.ts),
// run as operators run them: `kiver collect` with each Kafka client and `kiver normalize`,
// through SASL_SSL (SCRAM-SHA-512 and PLAIN, with the stack's CA file) and through mutual TLS.
// A wrong password, a certificate from a CA the broker does not know and a server certificate
// we do not trust each end the program within seconds: exit code 2, one sentence, no secret.
//
// Point it at a stack with KIVER_STACK_DIR (plus KIVER_ELASTICSEARCH__URL), else the default
// stack is used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { loadLibrdkafka } from '../../src/collector/producer/select.js';
import { createKafkajsProducer } from '../../src/collector/producer/kafkajs.js';
import { librdkafkaProducerFactory } from '../../src/collector/producer/librdkafka.js';
import type { ProducerFactory } from '../../src/collector/producer/port.js';
import { configFrom } from '../../src/config/index.js';
import type { KiverError } from '../../src/errors.js';
import { RawRecordCodec } from '../../src/schema/raw-record.js';
import { run, settingsFor } from './producer-contract.js';
import { makeCa } from '../../src/stack/tls.js';
import { runKiver, setArgs as sets, spawnKiver, stopKiver as stop, type KiverChild } from '../helpers/cli.js';
import { freePort } from '../helpers/local-port.js';
import {
  createTopic,
  ensureStack,
  secureKafka,
  uniqueName,
  waitFor,
  type SecureKafka,
} from '../helpers/stack.js';

const librdkafka = await loadLibrdkafka();
const clients = ['kafkajs', ...(librdkafka.ok ? ['librdkafka'] : [])] as const;
if (!librdkafka.ok) console.log(`# librdkafka cases skipped: ${librdkafka.reason}`);

let kafka: SecureKafka;
let esUrl: string;
let es: Client;
let secrets: string[];
let foreignCa: { cert: string; key: string };
const children: ChildProcess[] = [];

/** SCRAM-SHA-512 through SASL_SSL, the password from its file. */
function scram(): Record<string, string> {
  const user = kafka.security.users.find((u) => u.mechanism === 'scram-sha-512')!;
  return {
    'kafka.brokers': kafka.saslSsl,
    'kafka.tls.enabled': 'true',
    'kafka.tls.ca_file': kafka.security.caFile,
    'kafka.sasl.mechanism': 'scram-sha-512',
    'kafka.sasl.username': user.username,
    'kafka.sasl.password_file': user.passwordFile,
  };
}

/** PLAIN through SASL_SSL; the password goes in through the environment (see plainEnv). */
function plain(): Record<string, string> {
  const user = kafka.security.users.find((u) => u.mechanism === 'plain')!;
  return {
    'kafka.brokers': kafka.saslSsl,
    'kafka.tls.enabled': 'true',
    'kafka.tls.ca_file': kafka.security.caFile,
    'kafka.sasl.mechanism': 'plain',
    'kafka.sasl.username': user.username,
  };
}

function plainEnv(): Record<string, string> {
  const user = kafka.security.users.find((u) => u.mechanism === 'plain')!;
  return { KIVER_KAFKA__SASL__PASSWORD: readFileSync(user.passwordFile, 'utf8').trim() };
}

/** Mutual TLS: the stack's client certificate, no SASL. */
function mtls(): Record<string, string> {
  return {
    'kafka.brokers': kafka.mtls,
    'kafka.tls.enabled': 'true',
    'kafka.tls.ca_file': kafka.security.caFile,
    'kafka.tls.cert_file': kafka.security.clientCertFile,
    'kafka.tls.key_file': kafka.security.clientKeyFile,
  };
}

function start(args: string[], env: Record<string, string> = {}): KiverChild {
  const c = spawnKiver(args, env);
  children.push(c.child);
  return c;
}

function assertNoSecret(text: string): void {
  for (const s of secrets) assert.ok(!text.includes(s), 'a password appears in the output');
}

before(async () => {
  kafka = await secureKafka();
  esUrl = (await ensureStack()).esUrl;
  es = new Client({ node: esUrl });
  secrets = kafka.security.users.map((u) => readFileSync(u.passwordFile, 'utf8').trim());
  const dir = mkdtempSync(join(tmpdir(), 'kiver-foreign-ca-'));
  foreignCa = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await makeCa(foreignCa.cert, foreignCa.key, 'Not the stack CA');
});

after(async () => {
  await Promise.all(children.map(stop));
  await es?.close();
});

describe('collectors and a worker through the secured listeners', () => {
  for (const listener of ['SASL_SSL', 'mutual TLS'] as const) {
    test(`${clients.join(' and ')} collectors and a worker through ${listener}: every line indexed once`, async () => {
      const base = uniqueName(listener === 'SASL_SSL' ? 'sasl' : 'mtls');
      const namespace = base.replace(/-/g, '_');
      const topic = `${base}-raw`;
      await createTopic(kafka.plainBrokers, topic, 2);
      const work = mkdtempSync(join(tmpdir(), `kiver-${base}-`));
      const common = {
        'kafka.topic': topic,
        'kafka.dlq_topic': `${base}-dlq`,
        'elasticsearch.url': esUrl,
        'elasticsearch.namespace': namespace,
        'metrics.listen': '',
      };
      const collectorSecurity = listener === 'SASL_SSL' ? scram() : mtls();
      // The worker uses PLAIN (password from the environment) where the collectors use SCRAM.
      const workerSecurity = listener === 'SASL_SSL' ? plain() : mtls();
      const workerEnv = listener === 'SASL_SSL' ? plainEnv() : {};
      const lines = 50;
      const procs = clients.map((client) => {
        const root = join(work, client);
        mkdirSync(root, { recursive: true });
        for (let i = 0; i < lines; i++)
          appendFileSync(join(root, 'app.log'), `${base} ${client} line ${i}\n`);
        return start([
          'collect',
          ...sets({
            ...common,
            ...collectorSecurity,
            'kafka.client': client,
            'collector.roots': root,
            'collector.checkpoint_dir': join(work, `${client}-state`),
            'collector.batch_linger_ms': '20',
          }),
        ]);
      });
      const worker = start(
        ['normalize', ...sets({ ...common, ...workerSecurity, 'normalizer.group_id': `${base}-group` })],
        workerEnv,
      );
      const index = `logs-*-${namespace}*`;
      const total = lines * clients.length;
      await waitFor(
        async () => {
          await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
          const { count } = await es.count({ index, ignore_unavailable: true, allow_no_indices: true });
          return count >= total;
        },
        { timeoutMs: 90_000, intervalMs: 1000, message: `${total} documents in ${index}` },
      );
      await es.indices.refresh({ index });
      const found = await es.search<{ message?: string }>({
        index,
        size: total + 10,
        query: { match_all: {} },
      });
      const messages = found.hits.hits.map((h) => h._source?.message ?? '');
      assert.equal(messages.length, total, 'one document per line');
      for (const client of clients)
        for (let i = 0; i < lines; i++)
          assert.ok(messages.includes(`${base} ${client} line ${i}`), `${client} line ${i} indexed`);
      for (const p of [...procs, worker]) {
        assert.equal(await stop(p.child), 0, `clean exit:\n${p.output().slice(-2000)}`);
        assertNoSecret(p.output());
      }
    });
  }
});

/** Runs a deployable that must refuse to start; returns its output and how long it took. */
async function refused(
  command: 'collect' | 'normalize',
  pairs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<{ line: string; ms: number }> {
  const work = mkdtempSync(join(tmpdir(), 'kiver-refused-'));
  const t0 = Date.now();
  const r = await runKiver(
    [
      command,
      ...sets({
        'collector.roots': work,
        'collector.checkpoint_dir': join(work, 'state'),
        'elasticsearch.url': esUrl,
        'metrics.listen': '',
        ...pairs,
      }),
    ],
    { env, timeoutMs: 30_000 },
  );
  const ms = Date.now() - t0;
  const lines = r.stderr.trim().split('\n');
  assert.equal(r.code, 2, `exit code 2, got ${r.code}: ${r.stderr.slice(-1000)}`);
  assert.ok(ms < 15_000, `ended within seconds, took ${ms} ms`);
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assertNoSecret(r.stdout + r.stderr);
  return { line: lines[0]!, ms };
}

describe('refusals end the program: exit 2, one sentence, within seconds, no secret', () => {
  for (const client of clients) {
    test(`collect (${client}): a wrong SCRAM password`, async () => {
      const { line } = await refused('collect', {
        ...scram(),
        'kafka.client': client,
        'kafka.sasl.password_file': '',
        'kafka.sasl.password': 'not-the-password',
      });
      assert.match(
        line,
        /^kiver collect: Kafka \(127\.0\.0\.1:\d+\) refused the SCRAM-SHA-512 credentials of user 'kiver-scram'\./,
      );
      assert.ok(!line.includes('not-the-password'));
    });

    test(`collect (${client}): the broker's certificate checked against a CA that did not sign it`, async () => {
      const { line } = await refused('collect', {
        ...scram(),
        'kafka.client': client,
        'kafka.tls.ca_file': foreignCa.cert,
      });
      assert.match(
        line,
        /^kiver collect: Kafka's certificate \(127\.0\.0\.1:\d+\) is not trusted by the CA in .*ca\.crt: self-signed certificate in certificate chain\. Set kafka\.tls\.ca_file/,
      );
    });
  }

  test('normalize: a wrong PLAIN password (from the environment)', async () => {
    const { line } = await refused('normalize', plain(), {
      KIVER_KAFKA__SASL__PASSWORD: 'wrong-plain-password',
    });
    assert.match(
      line,
      /^kiver normalize: Kafka \(127\.0\.0\.1:\d+\) refused the PLAIN credentials of user 'kiver-plain'\./,
    );
  });

  test('normalize: an untrusted broker certificate', async () => {
    const { line } = await refused('normalize', { ...mtls(), 'kafka.tls.ca_file': foreignCa.cert });
    assert.match(line, /^kiver normalize: Kafka's certificate .* is not trusted/);
  });

  test('normalize: mutual TLS without a client certificate', async () => {
    const { 'kafka.tls.cert_file': _c, 'kafka.tls.key_file': _k, ...noCert } = mtls();
    const { line } = await refused('normalize', noCert);
    assert.match(
      line,
      /^kiver normalize: Kafka \(127\.0\.0\.1:\d+\) refused a connection without a client certificate\./,
    );
  });

  test('collect: mutual TLS with a client certificate from a CA the broker does not know', async () => {
    const { line } = await refused('collect', {
      ...mtls(),
      'kafka.tls.cert_file': foreignCa.cert,
      'kafka.tls.key_file': foreignCa.key,
    });
    assert.match(
      line,
      /^kiver collect: Kafka \(127\.0\.0\.1:\d+\) refused the client certificate .*ca\.crt\./,
    );
  });
});

/**
 * The refusal as each producer sees it, past the start-up check (credentials revoked or a
 * certificate replaced while a collector runs): reported once through `accessRefused`, on
 * which `kiver collect` stops with exit code 2.
 */
describe('each producer reports a refusal itself', () => {
  const factories: [string, () => ProducerFactory][] = [['kafkajs', () => createKafkajsProducer]];
  if (librdkafka.ok) factories.push(['librdkafka', () => librdkafkaProducerFactory(librdkafka.module)]);
  const cases: [string, () => Record<string, string>, RegExp][] = [
    [
      'a wrong password',
      () => ({ ...scram(), 'kafka.sasl.password_file': '', 'kafka.sasl.password': 'nope-nope' }),
      /refused the SCRAM-SHA-512 credentials/,
    ],
    [
      'an untrusted broker certificate',
      () => ({ ...scram(), 'kafka.tls.ca_file': foreignCa.cert }),
      /is not trusted by the CA in/,
    ],
    [
      'a client certificate the broker does not know',
      () => ({ ...mtls(), 'kafka.tls.cert_file': foreignCa.cert, 'kafka.tls.key_file': foreignCa.key }),
      /refused the client certificate/,
    ],
  ];
  for (const [client, factory] of factories) {
    for (const [what, security, expected] of cases) {
      test(`${client}: ${what}`, async () => {
        const topic = uniqueName('refused');
        const kafkaConfig = configFrom(
          {},
          Object.entries(security()).map(([k, v]) => `${k}=${v}`),
        ).kafka;
        const t0 = Date.now();
        const reports: KiverError[] = [];
        let reportedAfterMs = Infinity;
        const producer = factory()<number>(
          // password_file is already read into password by the loader.
          settingsFor({ ...kafkaConfig, sasl: { ...kafkaConfig.sasl, password_file: null }, topic }),
          { acknowledged: () => undefined, reshape: () => null },
          {
            batchAcknowledged: () => undefined,
            sendFailed: () => undefined,
            sendRetried: () => undefined,
            kafkaStateChanged: () => undefined,
            eventCutToFit: () => undefined,
            accessRefused: (e) => {
              reports.push(e);
              reportedAfterMs = Math.min(reportedAfterMs, Date.now() - t0);
            },
          },
        );
        const codec = new RawRecordCodec();
        try {
          producer.send({ topic, key: 'k', value: run('k', 0, 1), headers: codec.headers, events: 1 }, 1);
          await waitFor(() => reports.length > 0, { timeoutMs: 15_000, message: 'accessRefused' });
          // Retries go on meanwhile; the report does not repeat.
          await new Promise((r) => setTimeout(r, 1500));
        } finally {
          await producer.close();
        }
        assert.equal(reports.length, 1, 'reported once');
        assert.match(reports[0]!.message, expected);
        assert.equal(reports[0]!.exitCode, 2);
        assertNoSecret(reports[0]!.toUserString());
        assert.ok(reportedAfterMs < 10_000, `reported after ${reportedAfterMs} ms`);
      });
    }
  }
});

describe('kiver collect stops when Kafka starts refusing after the start-up check', () => {
  for (const client of clients) {
    test(`${client}: unreachable at start, then a wrong password: exit 2 within seconds`, async () => {
      // The start-up check finds nothing listening (an outage, waited out); then a plain TCP
      // forwarder to the SASL_SSL listener opens on that port, and the producer meets the refusal.
      const port = await freePort();
      const [host, target] = kafka.saslSsl.split(':') as [string, string];
      const work = mkdtempSync(join(tmpdir(), 'kiver-late-refusal-'));
      appendFileSync(join(work, 'app.log'), 'one line\n');
      const p = start([
        'collect',
        ...sets({
          ...scram(),
          'kafka.brokers': `127.0.0.1:${port}`,
          'kafka.client': client,
          'kafka.sasl.password_file': '',
          'kafka.sasl.password': 'not-the-password',
          'collector.roots': work,
          'collector.checkpoint_dir': join(work, 'state'),
          'metrics.listen': '',
        }),
      ]);
      await waitFor(() => /reading into the buffer meanwhile/.test(p.output()), {
        timeoutMs: 20_000,
        message: 'the start-up check to find Kafka unreachable',
      });
      const forwarder = createServer((socket) => {
        const upstream = connect(Number(target), host);
        socket.pipe(upstream).pipe(socket);
        const end = () => (socket.destroy(), upstream.destroy());
        socket.on('error', end);
        upstream.on('error', end);
      });
      await new Promise<void>((r) => forwarder.listen(port, '127.0.0.1', () => r()));
      const t0 = Date.now();
      try {
        const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
        assert.equal(code, 2, p.output().slice(-2000));
        assert.ok(Date.now() - t0 < 20_000, `exited ${Date.now() - t0} ms after Kafka answered`);
        assert.match(
          p.output(),
          /kiver collect: Kafka \(127\.0\.0\.1:\d+\) refused the SCRAM-SHA-512 credentials of user 'kiver-scram'\./,
        );
        assert.ok(!p.output().includes('not-the-password'));
        assertNoSecret(p.output());
      } finally {
        forwarder.close();
      }
    });
  }
});
