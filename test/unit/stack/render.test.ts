import assert from 'node:assert/strict';
import { test } from 'node:test';
import { esZipPath, renderKafkaPom } from '../../../src/stack/artifacts.js';
import { renderElasticsearchYml } from '../../../src/stack/elasticsearch.js';
import { newClusterId, renderKafkaProperties } from '../../../src/stack/kafka.js';
import {
  PLAIN_USER,
  SCRAM_USER,
  kafkaListeners,
  scramFormatArgs,
} from '../../../src/stack/kafka-security.js';
import { tlsFiles } from '../../../src/stack/tls.js';
import { secureEsLayout } from '../../../src/stack/secure-es.js';
import { stackLayout } from '../../../src/stack/layout.js';
import { KAFKA_LOG4J_VERSION, KAFKA_SLF4J_BINDING, KAFKA_VERSION } from '../../../src/stack/versions.js';

function props(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1)] as [string, string];
      }),
  );
}

test('the Kafka POM adds the SLF4J binding the published POM leaves out, at the pinned log4j version', () => {
  const pom = renderKafkaPom({
    kafkaVersion: '4.4.0',
    log4jVersion: '2.25.5',
    slf4jBinding: 'log4j-slf4j-impl',
  });
  assert.match(pom, /<packaging>pom<\/packaging>/);
  assert.match(pom, /<artifactId>kafka_2\.13<\/artifactId>\s*<version>4\.4\.0<\/version>/);
  assert.match(pom, /<artifactId>log4j-slf4j-impl<\/artifactId>\s*<version>2\.25\.5<\/version>/);
  assert.match(pom, /<artifactId>log4j-core<\/artifactId>\s*<version>2\.25\.5<\/version>/);
  assert.equal((pom.match(/<dependency>/g) ?? []).length, 3);
});

test('pinned versions are consistent: Kafka 4.4 pins slf4j 1.7, so the SLF4J 1 binding is used', () => {
  assert.equal(KAFKA_VERSION, '4.4.0');
  assert.equal(KAFKA_LOG4J_VERSION, '2.25.5');
  assert.equal(KAFKA_SLF4J_BINDING, 'log4j-slf4j-impl');
});

test('Kafka properties: one node, loopback, replication factor 1, no group join delay', () => {
  const p = props(renderKafkaProperties({ kafkaPort: 19092, controllerPort: 19093, dataDir: '/x/data' }));
  assert.equal(p.get('process.roles'), 'broker,controller');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
  assert.equal(p.get('controller.quorum.bootstrap.servers'), '127.0.0.1:19093');
  assert.equal(
    p.get('controller.quorum.voters'),
    undefined,
    'dynamic quorum: format --standalone rejects voters',
  );
  assert.equal(p.get('offsets.topic.replication.factor'), '1');
  assert.equal(p.get('transaction.state.log.replication.factor'), '1');
  assert.equal(p.get('group.initial.rebalance.delay.ms'), '0');
  assert.equal(p.get('log.dirs'), '/x/data');
  assert.ok(![...p.values()].some((v) => v.includes('localhost')), 'never localhost (Node prefers ::1)');
});

test('the secured listeners: SASL_SSL with SCRAM-SHA-512 and PLAIN, mutual TLS requiring a client certificate', () => {
  const tls = tlsFiles('/s');
  const secure = {
    ports: { saslSslPort: 19094, mtlsPort: 19095 },
    tls,
    storePassword: 'store-pw',
    passwords: new Map([
      [SCRAM_USER, 'scram-pw'],
      [PLAIN_USER, 'plain-pw'],
    ]),
  };
  const p = props(
    renderKafkaProperties({ kafkaPort: 19092, controllerPort: 19093, dataDir: '/x/data', secure }),
  );
  const listeners = 'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19094,MTLS://127.0.0.1:19095';
  assert.equal(p.get('listeners'), `${listeners},CONTROLLER://127.0.0.1:19093`);
  assert.equal(p.get('advertised.listeners'), `${listeners},CONTROLLER://127.0.0.1:19093`);
  assert.equal(
    p.get('listener.security.protocol.map'),
    'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL',
  );
  assert.equal(
    p.get('inter.broker.listener.name'),
    'PLAINTEXT',
    'brokers talk PLAINTEXT: no broker credentials',
  );
  assert.equal(p.get('listener.name.sasl_ssl.sasl.enabled.mechanisms'), 'SCRAM-SHA-512,PLAIN');
  assert.equal(p.get('listener.name.mtls.ssl.client.auth'), 'required');
  assert.equal(p.get('listener.name.sasl_ssl.ssl.client.auth'), 'none');
  assert.equal(p.get('ssl.keystore.location'), tls.keystore);
  assert.equal(p.get('ssl.truststore.location'), tls.truststore);
  assert.match(p.get('listener.name.sasl_ssl.plain.sasl.jaas.config') ?? '', /user_kiver-plain="plain-pw";$/);
  assert.ok(
    ![...p.values()].some((v) => v.includes('scram-pw')),
    'the SCRAM password is given at format time only',
  );
  assert.deepEqual(scramFormatArgs(secure.passwords), [
    '--add-scram',
    'SCRAM-SHA-512=[name=kiver-scram,password=scram-pw]',
  ]);
  assert.deepEqual(
    kafkaListeners(19092, secure.ports).map((l) => [l.name, l.address, l.securityProtocol]),
    [
      ['PLAINTEXT', '127.0.0.1:19092', 'PLAINTEXT'],
      ['SASL_SSL', '127.0.0.1:19094', 'SASL_SSL'],
      ['MTLS', '127.0.0.1:19095', 'SSL'],
    ],
  );
  assert.equal(kafkaListeners(19092, undefined).length, 1, 'a state from before the secured listeners');
});

test('Kafka cluster ids look like Uuid.randomUuid(): 22 base64url chars, no leading dash', () => {
  for (let i = 0; i < 200; i++) {
    const id = newClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});

test('elasticsearch.yml: single node on loopback; security setting only when its module exists', () => {
  const base = { httpPort: 19200, transportPort: 19300, dataDir: '/d', logsDir: '/l' };
  const withSec = renderElasticsearchYml({ ...base, hasSecurityModule: true });
  assert.match(withSec, /^discovery\.type: single-node$/m);
  assert.match(withSec, /^network\.host: 127\.0\.0\.1$/m);
  assert.match(withSec, /^http\.port: 19200$/m);
  assert.match(withSec, /^transport\.port: 19300$/m);
  assert.match(withSec, /^path\.data: \/d$/m);
  assert.match(withSec, /^xpack\.security\.enabled: false$/m);
  assert.doesNotMatch(renderElasticsearchYml({ ...base, hasSecurityModule: false }), /xpack/);
  // The secured one (up --secure): HTTPS with the copied stack certificate, security on.
  const secured = renderElasticsearchYml({
    ...base,
    hasSecurityModule: true,
    security: { certificate: 'http.crt', key: 'http.key', ca: 'http-ca.crt' },
  });
  assert.match(secured, /^xpack\.security\.enabled: true$/m);
  assert.match(secured, /^xpack\.security\.http\.ssl\.enabled: true$/m);
  assert.match(secured, /^xpack\.security\.http\.ssl\.certificate: http\.crt$/m);
  assert.match(secured, /^xpack\.security\.http\.ssl\.key: http\.key$/m);
  assert.match(secured, /^xpack\.security\.http\.ssl\.certificate_authorities: \[http-ca\.crt\]$/m);
  assert.doesNotMatch(secured, /xpack\.security\.enabled: false/);
});

test('the secured Elasticsearch has its own runtime dir, pid file and log', () => {
  const layout = stackLayout('/s', '/c', false);
  const secure = secureEsLayout(layout);
  assert.equal(secure.esRuntimeDir, '/s/elasticsearch-secure');
  assert.equal(secure.esServerPidFile, '/s/elasticsearch-secure/server.pid');
  assert.equal(secure.esLog, '/s/logs/elasticsearch-secure.log');
  assert.equal(secure.esHome, layout.esHome, 'the one unzipped distribution');
  assert.notEqual(secure.esDataDir, layout.esDataDir);
});

test('the ES zip is looked up where dependency:get puts it', () => {
  assert.equal(
    esZipPath('/m2', '8.19.21'),
    '/m2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/8.19.21/elasticsearch-8.19.21.zip',
  );
});
