import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  elasticsearchRefusal,
  kafkajsRefusal,
  librdkafkaRefusal,
} from '../../../src/config/access-refusal.js';
import { configFrom } from '../../../src/config/index.js';
import { AccessRefusedError } from '../../../src/errors.js';

const kafka = configFrom({}, [
  'kafka.brokers=b1:9094',
  'kafka.tls.enabled=true',
  'kafka.tls.ca_file=/etc/ca.crt',
  'kafka.sasl.mechanism=scram-sha-512',
  'kafka.sasl.username=svc',
  'kafka.sasl.password=s3cret-value',
]).kafka;

/** kafkajs' shapes: a retry wrapper around a connection error carrying Node's TLS code. */
function wrapped(inner: object): Error {
  return Object.assign(new Error('wrapper'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: inner });
}

test('kafkajs: a failed SASL exchange names user and mechanism, never the password', () => {
  const e = kafkajsRefusal(
    { name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM SHA512 authentication failed' },
    kafka,
  );
  assert.ok(e instanceof AccessRefusedError);
  assert.equal(e.exitCode, 2);
  assert.equal(e.message, "Kafka (b1:9094) refused the SCRAM-SHA-512 credentials of user 'svc'.");
  assert.match(e.hint ?? '', /kafka\.sasl\.password_file or KIVER_KAFKA__SASL__PASSWORD/);
  assert.ok(!e.toUserString().includes('s3cret-value'));
});

test('kafkajs: an untrusted server certificate, found through the wrapping errors', () => {
  const e = kafkajsRefusal(
    wrapped({
      name: 'KafkaJSConnectionError',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      message: 'Connection error: self-signed certificate in certificate chain',
    }),
    kafka,
  );
  assert.equal(
    e?.message,
    "Kafka's certificate (b1:9094) is not trusted by the CA in /etc/ca.crt: self-signed certificate in certificate chain.",
  );
  const noCa = { ...kafka, tls: { ...kafka.tls, ca_file: null } };
  assert.match(
    kafkajsRefusal(wrapped({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'altname' }), noCa)?.message ??
      '',
    /not trusted by the system's CAs \(kafka\.tls\.ca_file is not set\)/,
  );
});

test('kafkajs: the broker refusing our client certificate (TLS alert)', () => {
  const e = kafkajsRefusal(
    wrapped({
      code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      message: 'SSL routines:ssl3_read_bytes:sslv3 alert bad certificate',
    }),
    kafka,
  );
  assert.equal(e?.message, 'Kafka (b1:9094) refused a connection without a client certificate.');
});

test('kafkajs: outages are not refusals', () => {
  assert.equal(
    kafkajsRefusal(wrapped({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }), kafka),
    null,
  );
  assert.equal(
    kafkajsRefusal({ name: 'KafkaJSConnectionClosedError', message: 'Closed connection' }, kafka),
    null,
  );
  assert.equal(kafkajsRefusal(undefined, kafka), null);
});

test('librdkafka: log lines and codes', () => {
  assert.match(
    librdkafkaRefusal(
      -1,
      'sasl_ssl://b1:9094/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials',
      kafka,
    )?.message ?? '',
    /refused the SCRAM-SHA-512 credentials of user 'svc'/,
  );
  assert.match(
    librdkafkaRefusal(
      -1,
      'SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified',
      kafka,
    )?.message ?? '',
    /is not trusted by the CA in \/etc\/ca\.crt: certificate verify failed/,
  );
  assert.match(
    librdkafkaRefusal(
      -1,
      'Receive failed: error:0A000412:SSL routines::sslv3 alert bad certificate: SSL alert number 42',
      kafka,
    )?.message ?? '',
    /refused a connection without a client certificate/,
  );
  assert.match(librdkafkaRefusal(58, 'x', kafka)?.message ?? '', /refused the SCRAM-SHA-512 credentials/);
  assert.equal(librdkafkaRefusal(-195, 'broker transport failure', kafka), null);
  assert.equal(
    librdkafkaRefusal(-1, 'Connect to ipv4#127.0.0.1:9094 failed: Connection refused', kafka),
    null,
  );
});

test('Elasticsearch: 401 names the user or the API key, 403 the privileges, TLS the CA', () => {
  const base = configFrom({}, ['elasticsearch.url=https://es:9200', 'elasticsearch.tls.ca_file=/etc/ca.crt']);
  const user = configFrom({}, [
    'elasticsearch.url=https://es:9200',
    'elasticsearch.auth.username=svc',
    'elasticsearch.auth.password=pw-secret',
  ]).elasticsearch;
  const key = configFrom({}, [
    'elasticsearch.url=https://es:9200',
    'elasticsearch.auth.api_key=a2V5LXNlY3JldA==',
  ]).elasticsearch;
  const response = (statusCode: number) => ({
    name: 'ResponseError',
    message: 'security_exception',
    meta: { statusCode },
  });
  const e401 = elasticsearchRefusal(response(401), user);
  assert.equal(
    e401?.message,
    "Elasticsearch at https://es:9200 refused the credentials of user 'svc' (HTTP 401).",
  );
  assert.equal(e401?.exitCode, 2);
  assert.ok(!e401?.toUserString().includes('pw-secret'));
  assert.equal(
    elasticsearchRefusal(response(401), key)?.message,
    'Elasticsearch at https://es:9200 refused the API key (HTTP 401).',
  );
  assert.ok(!elasticsearchRefusal(response(401), key)?.toUserString().includes('a2V5LXNlY3JldA=='));
  assert.match(
    elasticsearchRefusal(response(403), user)?.message ?? '',
    /accepted the credentials of user 'svc' but refused the request \(HTTP 403\)/,
  );
  assert.equal(
    elasticsearchRefusal(
      { name: 'ConnectionError', message: 'self-signed certificate in certificate chain' },
      base.elasticsearch,
    )?.message,
    "Elasticsearch's certificate (https://es:9200) is not trusted by the CA in /etc/ca.crt: self-signed certificate in certificate chain.",
  );
  assert.equal(
    elasticsearchRefusal({ name: 'ConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:9200' }, user),
    null,
  );
  assert.equal(elasticsearchRefusal(response(500), user), null);
  assert.equal(elasticsearchRefusal(undefined, user), null);
});
