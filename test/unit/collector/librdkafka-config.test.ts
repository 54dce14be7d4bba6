// The pure part of the librdkafka producer: settings -> librdkafka properties (TLS and SASL
// from the one Kafka client configuration), error classification, the plan after a size
// refusal, and the client choice (`kafka.client`) with an injected loader.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyError,
  classifyEventError,
  librdkafkaProperties,
  planAfterRefusal,
  queueKbytes,
  RdCode,
  securityProperties,
} from '../../../src/collector/producer/librdkafka-config.js';
import type { ProducerSettings } from '../../../src/collector/producer/port.js';
import { chooseProducer, loadLibrdkafka } from '../../../src/collector/producer/select.js';
import type { LibrdkafkaModule } from '../../../src/collector/producer/librdkafka.js';
import { configFrom } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

function settings(
  over: Record<string, unknown> = {},
  collector: Record<string, unknown> = {},
): ProducerSettings {
  const c = configFrom({ kafka: over, collector, metrics: { listen: '' } });
  return {
    kafka: c.kafka,
    maxInFlightBytes: c.collector.max_in_flight_bytes,
    batchMaxBytes: c.collector.batch_max_bytes,
    batchMaxEvents: c.collector.batch_max_events,
    batchLingerMs: c.collector.batch_linger_ms,
    maxInFlightBatches: c.collector.max_in_flight_batches,
  };
}

const noFile = (file: string): string => assert.fail(`read ${file}`);

describe('librdkafka properties', () => {
  test('defaults: idempotent, acks=all, murmur2, no delivery timeout, our codec, bounded queue', () => {
    const p = librdkafkaProperties(settings({ brokers: ['a:9092', 'b:9093'], compression: 'lz4' }), noFile);
    assert.equal(p['bootstrap.servers'], 'a:9092,b:9093');
    assert.equal(p['client.id'], 'kiver-collector');
    assert.equal(p['enable.idempotence'], true);
    assert.equal(p.acks, 'all');
    assert.equal(p.partitioner, 'murmur2_random');
    assert.equal(p['message.timeout.ms'], 0);
    assert.equal(p['compression.codec'], 'lz4');
    assert.equal(p['security.protocol'], 'plaintext');
    assert.equal(p.dr_cb, true);
    // 16 MiB in flight + two 512 KiB batches, in KiB; far below librdkafka's 1 GB default.
    assert.equal(p['queue.buffering.max.kbytes'], 16 * 1024 + 1024);
    assert.equal(p['batch.size'], 512 * 1024);
    assert.equal(p['message.max.bytes'], 1_000_000);
    assert.equal(p['linger.ms'], 50);
  });

  test('every codec maps to librdkafka’s own; collector bounds map to batch and queue sizes', () => {
    for (const codec of ['none', 'gzip', 'lz4', 'zstd'] as const) {
      assert.equal(
        librdkafkaProperties(settings({ compression: codec }), noFile)['compression.codec'],
        codec,
      );
    }
    const p = librdkafkaProperties(
      settings(
        {},
        { batch_max_bytes: 2 * 1024 * 1024, max_in_flight_bytes: 4 * 1024 * 1024, batch_linger_ms: 5 },
      ),
      noFile,
    );
    assert.equal(p['batch.size'], 2 * 1024 * 1024);
    assert.equal(p['message.max.bytes'], 2 * 1024 * 1024 + 64);
    assert.equal(p['queue.buffering.max.kbytes'], 8 * 1024);
    assert.equal(p['linger.ms'], 5);
    assert.equal(queueKbytes({ maxInFlightBytes: 1000, batchMaxBytes: 12 }), 1);
  });

  test('TLS: ssl with CA, client certificate and key; verification off maps to both switches', () => {
    const tls = {
      enabled: true,
      ca_file: '/ca.pem',
      cert_file: '/c.pem',
      key_file: '/k.pem',
      reject_unauthorized: true,
    };
    const sasl = { mechanism: null, username: null, password: null, password_file: null };
    assert.deepEqual(securityProperties({ tls, sasl }, noFile), {
      'security.protocol': 'ssl',
      'ssl.ca.location': '/ca.pem',
      'ssl.certificate.location': '/c.pem',
      'ssl.key.location': '/k.pem',
      'enable.ssl.certificate.verification': true,
      'ssl.endpoint.identification.algorithm': 'https',
    });
    const loose = securityProperties(
      { tls: { ...tls, ca_file: null, cert_file: null, key_file: null, reject_unauthorized: false }, sasl },
      noFile,
    );
    assert.deepEqual(loose, {
      'security.protocol': 'ssl',
      'enable.ssl.certificate.verification': false,
      'ssl.endpoint.identification.algorithm': 'none',
    });
  });

  test('SASL: each mechanism, over plaintext and over TLS; the password from its file', () => {
    const off = { enabled: false, ca_file: null, cert_file: null, key_file: null, reject_unauthorized: true };
    const cases = [
      ['plain', 'PLAIN'],
      ['scram-sha-256', 'SCRAM-SHA-256'],
      ['scram-sha-512', 'SCRAM-SHA-512'],
    ] as const;
    for (const [mechanism, name] of cases) {
      const p = securityProperties(
        { tls: off, sasl: { mechanism, username: 'u', password: 'p', password_file: null } },
        noFile,
      );
      assert.deepEqual(p, {
        'security.protocol': 'sasl_plaintext',
        'sasl.mechanisms': name,
        'sasl.username': 'u',
        'sasl.password': 'p',
      });
    }
    const read: string[] = [];
    const p = securityProperties(
      {
        tls: { ...off, enabled: true },
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: null, password_file: '/run/secret' },
      },
      (file) => (read.push(file), 'from-file\n'),
    );
    assert.equal(p['security.protocol'], 'sasl_ssl');
    assert.equal(p['sasl.password'], 'from-file');
    assert.deepEqual(read, ['/run/secret']);
  });

  test('the same TLS and SASL reach the producer’s properties from the Kafka configuration', () => {
    const p = librdkafkaProperties(
      settings({
        tls: { enabled: true, ca_file: '/ca.pem' },
        sasl: { mechanism: 'plain', username: 'u', password: 'p' },
      }),
      noFile,
    );
    assert.equal(p['security.protocol'], 'sasl_ssl');
    assert.equal(p['ssl.ca.location'], '/ca.pem');
    assert.equal(p['sasl.mechanisms'], 'PLAIN');
  });
});

describe('librdkafka errors', () => {
  test('codes', () => {
    assert.equal(classifyError(RdCode.QUEUE_FULL), 'queue-full');
    assert.equal(classifyError(RdCode.MSG_SIZE_TOO_LARGE), 'too-large');
    assert.equal(classifyError(RdCode.ALL_BROKERS_DOWN), 'down');
    assert.equal(classifyError(RdCode.TRANSPORT), 'down');
    assert.equal(classifyError(RdCode.PURGE_QUEUE), 'closed');
    assert.equal(classifyError(RdCode.SASL_AUTHENTICATION_FAILED), 'fatal');
    assert.equal(classifyError(6 /* NOT_LEADER_OR_FOLLOWER */), 'retriable');
    assert.equal(classifyError(6, true), 'fatal');
  });

  test('event errors carry only a message (code -1): the message decides', () => {
    assert.equal(classifyEventError(-1, 'all broker connections are down'), 'down');
    assert.equal(classifyEventError(-1, 'Local: All broker connections are down'), 'down');
    assert.equal(classifyEventError(-1, 'broker transport failure'), 'retriable');
    assert.equal(classifyEventError(-1, 'SASL authentication error: Authentication failed'), 'fatal');
    assert.equal(classifyEventError(RdCode.ALL_BROKERS_DOWN, 'whatever'), 'down');
  });

  test('after a size refusal: halve the batch cap once, reshape what went alone', () => {
    assert.deepEqual(planAfterRefusal(512 * 1024, [300 * 1024, 100]), {
      cap: 256 * 1024,
      reshape: [true, false],
    });
    // Every refused record at or above the cap: it is the records, not the batch.
    assert.deepEqual(planAfterRefusal(64 * 1024, [70 * 1024]), { cap: 64 * 1024, reshape: [true] });
    assert.equal(planAfterRefusal(1500, [100]).cap, 1024, 'never below 1 KiB');
  });
});

describe('kafka.client', () => {
  const fake = {
    Producer: class {},
    librdkafkaVersion: '2.15.1',
    features: [],
  } as unknown as LibrdkafkaModule;
  const warnings: string[] = [];
  const log = { warn: (msg: string) => void warnings.push(msg) };

  test('auto takes librdkafka when it loads, silently', async () => {
    warnings.length = 0;
    const c = await chooseProducer({ client: 'auto' }, log, async () => ({ ok: true, module: fake }));
    assert.equal(c.client, 'librdkafka');
    assert.equal(c.version, '2.15.1');
    assert.deepEqual(warnings, []);
  });

  test('auto falls back to kafkajs with ONE warning that says why and how to get the fast path', async () => {
    warnings.length = 0;
    const c = await chooseProducer({ client: 'auto' }, log, async () => ({
      ok: false,
      reason: 'it is not installed',
    }));
    assert.equal(c.client, 'kafkajs');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /because it is not installed/);
    assert.match(warnings[0]!, /CKJS_LINKING=dynamic npm rebuild @confluentinc\/kafka-javascript/);
    assert.doesNotMatch(warnings[0]!, /\n/);
  });

  test('librdkafka explicitly and not loadable: a ConfigError with the fix', async () => {
    await assert.rejects(
      chooseProducer({ client: 'librdkafka' }, log, async () => ({
        ok: false,
        reason: 'it did not load: bad ELF',
      })),
      (e: unknown) =>
        e instanceof ConfigError &&
        /kafka\.client is 'librdkafka' but it did not load: bad ELF\./.test(e.message) &&
        /npm rebuild/.test(e.toUserString()) &&
        /'auto' or 'kafkajs'/.test(e.toUserString()),
    );
  });

  test('kafkajs never tries the native module', async () => {
    const c = await chooseProducer({ client: 'kafkajs' }, log, async () => assert.fail('loaded'));
    assert.equal(c.client, 'kafkajs');
  });

  test('a package that is not there is reported as not installed', async () => {
    const r = await loadLibrdkafka('@kiver/definitely-not-installed');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /is not installed/);
  });
});
