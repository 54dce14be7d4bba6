import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configFrom,
  defaultConfig,
  envNameFor,
  leafPaths,
  loadConfig,
  redactedConfig,
} from '../../../src/config/index.js';
import type {
  CollectorConfig,
  ElasticsearchAuthConfig,
  ElasticsearchConfig,
  KafkaConfig,
  KiverConfig,
  LogConfig,
  MetricsConfig,
  NormalizerConfig,
  SaslConfig,
  TlsConfig,
} from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-config-'));
  const file = join(dir, 'kiver.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('defaults match ARCHITECTURE.md', () => {
  const c = defaultConfig();
  assert.deepEqual(c.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(c.kafka.topic, 'logs.raw');
  assert.equal(c.kafka.dlq_topic, 'logs.dlq');
  assert.equal(c.elasticsearch.url, 'http://127.0.0.1:9200');
  assert.equal(c.elasticsearch.namespace, 'default');
  assert.deepEqual(c.collector.roots, ['/app/log']);
  assert.deepEqual(c.collector.include, ['**/*.log']);
  assert.equal(c.collector.checkpoint_dir, '/var/lib/kiver');
  assert.equal(c.collector.start_at, 'beginning');
  assert.equal(c.collector.max_event_bytes, 256 * 1024);
  assert.equal(c.normalizer.group_id, 'kiver-normalizer');
  assert.equal(c.metrics.listen, '127.0.0.1:9464');
});

test('the result is deeply frozen', () => {
  const c = defaultConfig();
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.kafka.brokers));
  assert.throws(() => {
    (c.kafka as { topic: string }).topic = 'x';
  }, TypeError);
});

test('precedence: --set over environment over file over default', () => {
  const file = yamlFile('kafka:\n  topic: from-file\n  dlq_topic: dlq-file\n  client_id: file-id\n');
  const env = { KIVER_KAFKA__TOPIC: 'from-env', KIVER_KAFKA__DLQ_TOPIC: 'dlq-env' };
  const c = loadConfig({ file, env, sets: ['kafka.topic=from-set'] });
  assert.equal(c.kafka.topic, 'from-set');
  assert.equal(c.kafka.dlq_topic, 'dlq-env');
  assert.equal(c.kafka.client_id, 'file-id');
  assert.equal(c.kafka.request_timeout_ms, 30000);
});

test('environment lists are comma-separated and nested sections use __', () => {
  const c = loadConfig({
    env: {
      KIVER_KAFKA__BROKERS: '10.0.0.1:9092, 10.0.0.2:9092',
      KIVER_KAFKA__SASL__MECHANISM: 'plain',
      KIVER_KAFKA__SASL__USERNAME: 'u',
      KIVER_KAFKA__SASL__PASSWORD: 'pw',
      KIVER_COLLECTOR__LABELS: 'team=core,env=prod',
      KIVER_STACK_DIR: '/ignored/not/ours',
      PATH: '/usr/bin',
    },
  });
  assert.deepEqual(c.kafka.brokers, ['10.0.0.1:9092', '10.0.0.2:9092']);
  assert.equal(c.kafka.sasl.password, 'pw');
  assert.deepEqual(c.collector.labels, { team: 'core', env: 'prod' });
  assert.equal(envNameFor(['collector', 'checkpoint_dir']), 'KIVER_COLLECTOR__CHECKPOINT_DIR');
});

test('sizes and durations accept units', () => {
  const c = loadConfig({
    env: {},
    sets: ['collector.max_event_bytes=512KiB', 'collector.rescan_interval_ms=5s'],
  });
  assert.equal(c.collector.max_event_bytes, 512 * 1024);
  assert.equal(c.collector.rescan_interval_ms, 5000);
});

test('a wrong type is one sentence naming key, value and what is allowed', () => {
  const file = yamlFile('collector:\n  max_open_files: many\n');
  const e = configError(() => loadConfig({ file, env: {} }));
  assert.match(
    e.message,
    /Invalid value "many" for 'collector\.max_open_files' in .*kiver\.yaml: expected a whole number of at least 1\./,
  );
  assert.equal(e.exitCode, 2);
  assert.doesNotMatch(e.toUserString(), /\n/);
});

test('enum values are listed', () => {
  const e = configError(() => loadConfig({ env: {}, sets: ['collector.start_at=middle'] }));
  assert.match(e.message, /'collector\.start_at' \(from --set\): expected one of beginning, end/);
});

test('unknown keys name the nearest valid key', () => {
  const e1 = configError(() => loadConfig({ file: yamlFile('kafka:\n  brokerz: [a:1]\n'), env: {} }));
  assert.match(
    e1.toUserString(),
    /Unknown configuration key 'kafka\.brokerz'.*Did you mean 'kafka\.brokers'\?/,
  );
  const e2 = configError(() => loadConfig({ file: yamlFile('kafka:\n  checkpoint_dir: /x\n'), env: {} }));
  assert.match(e2.toUserString(), /Did you mean 'collector\.checkpoint_dir'\?/);
  const e3 = configError(() => loadConfig({ env: { KIVER_KAFKA__TOPICS: 'x' } }));
  assert.match(e3.toUserString(), /KIVER_KAFKA__TOPICS.*Did you mean 'KIVER_KAFKA__TOPIC'\?/);
  const e4 = configError(() => loadConfig({ file: yamlFile('kafak:\n  topic: x\n'), env: {} }));
  assert.match(e4.toUserString(), /Did you mean 'kafka'/);
});

test('secrets are never printed, not even in errors', () => {
  const secret = 's3cr3t-value';
  const c = loadConfig({
    env: { KIVER_ELASTICSEARCH__AUTH__USERNAME: 'elastic', KIVER_ELASTICSEARCH__AUTH__PASSWORD: secret },
  });
  assert.equal(c.elasticsearch.auth.password, secret);
  assert.doesNotMatch(JSON.stringify(redactedConfig(c)), new RegExp(secret));
  const e = configError(() =>
    loadConfig({ file: yamlFile(`kafka:\n  sasl:\n    password: [${secret}]\n`), env: {} }),
  );
  assert.doesNotMatch(e.toUserString(), new RegExp(secret));
  assert.match(e.toUserString(), /value hidden/);
});

test('secrets can come from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-secret-'));
  writeFileSync(join(dir, 'pw'), 'from-file\n');
  const c = loadConfig({
    env: {},
    sets: ['elasticsearch.auth.username=elastic', `elasticsearch.auth.password_file=${join(dir, 'pw')}`],
  });
  assert.equal(c.elasticsearch.auth.password, 'from-file');
  const e = configError(() =>
    loadConfig({
      env: {},
      sets: ['elasticsearch.auth.username=e', `elasticsearch.auth.password_file=${join(dir, 'none')}`],
    }),
  );
  assert.match(e.message, /Cannot read elasticsearch\.auth\.password_file/);
});

test('cross-field rules', () => {
  assert.throws(
    () => loadConfig({ env: {}, sets: ['kafka.sasl.mechanism=plain'] }),
    /username or kafka\.sasl\.password is missing/,
  );
  assert.throws(
    () =>
      loadConfig({
        env: {},
        sets: [
          'elasticsearch.auth.api_key=k',
          'elasticsearch.auth.username=u',
          'elasticsearch.auth.password=p',
        ],
      }),
    /both an API key and a user name/,
  );
});

test('multiline rules are validated item by item', () => {
  const ok = configFrom({ collector: { multiline: [{ path: '**/java/*.log', start: '^\\d{4}-' }] } });
  assert.equal(ok.collector.multiline[0]?.max_lines, 500);
  assert.throws(
    () => configFrom({ collector: { multiline: [{ path: '**', start: '(' }] } }),
    /valid regular expression/,
  );
  assert.throws(
    () => configFrom({ collector: { multiline: [{ path: '**' }] } }),
    /needs a start or a continuation/,
  );
  assert.match(
    configError(() => configFrom({ collector: { multiline: [{ pth: '**', start: 'x' }] } })).toUserString(),
    /Did you mean 'path'/,
  );
  const viaSet = loadConfig({
    env: {},
    sets: ['collector.multiline=[{path: "**", continuation: "^\\\\s"}]'],
  });
  assert.equal(viaSet.collector.multiline[0]?.continuation, '^\\s');
});

test('bad YAML names the line', () => {
  const e = configError(() => loadConfig({ file: yamlFile('kafka:\n  topic: a\n  topic: b\n'), env: {} }));
  assert.match(e.message, /line 3/);
  const missing = configError(() => loadConfig({ file: '/nonexistent/kiver.yaml', env: {} }));
  assert.match(missing.message, /does not exist/);
});

test('timezone, namespace and url checks', () => {
  assert.throws(() => configFrom({ normalizer: { timezone: 'Mars/Olympus' } }), /IANA time zone/);
  assert.throws(() => configFrom({ elasticsearch: { namespace: 'my-ns' } }), /no -/);
  assert.throws(() => configFrom({ elasticsearch: { url: 'localhost:9200' } }), /http:\/\//);
  assert.throws(() => configFrom({ kafka: { brokers: ['nohost'] } }), /host:port/);
});

test('the spec and the TypeScript types have the same keys', () => {
  // Each table must name every key of its interface and no other (the compiler checks that
  // through Record<keyof T, true>); the test then checks the spec has exactly these keys.
  const tls: Record<keyof TlsConfig, true> = {
    enabled: true,
    ca_file: true,
    cert_file: true,
    key_file: true,
    reject_unauthorized: true,
  };
  const sasl: Record<keyof SaslConfig, true> = {
    mechanism: true,
    username: true,
    password: true,
    password_file: true,
  };
  const kafka: Record<Exclude<keyof KafkaConfig, 'tls' | 'sasl'>, true> = {
    brokers: true,
    topic: true,
    dlq_topic: true,
    client_id: true,
    client: true,
    compression: true,
    connection_timeout_ms: true,
    request_timeout_ms: true,
  };
  const auth: Record<keyof ElasticsearchAuthConfig, true> = {
    username: true,
    password: true,
    password_file: true,
    api_key: true,
    api_key_file: true,
  };
  const es: Record<Exclude<keyof ElasticsearchConfig, 'auth' | 'tls'>, true> = {
    url: true,
    namespace: true,
    mode: true,
    request_timeout_ms: true,
  };
  const esTls: Record<keyof ElasticsearchConfig['tls'], true> = { ca_file: true, reject_unauthorized: true };
  const collector: Record<keyof CollectorConfig, true> = {
    roots: true,
    include: true,
    exclude: true,
    checkpoint_dir: true,
    start_at: true,
    path_templates: true,
    copytruncate_copies: true,
    host_name: true,
    labels: true,
    multiline: true,
    encoding: true,
    topics: true,
    follow_symlinks: true,
    max_event_bytes: true,
    max_open_files: true,
    rescan_interval_ms: true,
    close_inactive_ms: true,
    partial_line_timeout_ms: true,
    checkpoint_interval_ms: true,
    checkpoint_grace_ms: true,
    record_max_events: true,
    record_max_bytes: true,
    batch_max_bytes: true,
    batch_max_events: true,
    batch_linger_ms: true,
    max_in_flight_batches: true,
    max_in_flight_bytes: true,
    shutdown_timeout_ms: true,
    health_max_lag_bytes: true,
  };
  const normalizer: Record<keyof NormalizerConfig, true> = {
    group_id: true,
    pipelines_dir: true,
    timezone: true,
    keep_event_original: true,
    max_message_bytes: true,
    bulk_max_bytes: true,
    bulk_max_docs: true,
    bulk_concurrency: true,
    retry_initial_ms: true,
    retry_max_ms: true,
    shutdown_timeout_ms: true,
    health_max_lag_records: true,
  };
  const metrics: Record<keyof MetricsConfig, true> = { listen: true };
  const log: Record<keyof LogConfig, true> = { level: true };
  const sections: Record<keyof KiverConfig, true> = {
    kafka: true,
    elasticsearch: true,
    collector: true,
    normalizer: true,
    metrics: true,
    log: true,
  };
  const prefixed = (prefix: string, keys: object) => Object.keys(keys).map((k) => `${prefix}.${k}`);
  const fromTypes = [
    ...prefixed('kafka', kafka),
    ...prefixed('kafka.tls', tls),
    ...prefixed('kafka.sasl', sasl),
    ...prefixed('elasticsearch', es),
    ...prefixed('elasticsearch.auth', auth),
    ...prefixed('elasticsearch.tls', esTls),
    ...prefixed('collector', collector),
    ...prefixed('normalizer', normalizer),
    ...prefixed('metrics', metrics),
    ...prefixed('log', log),
  ];
  assert.deepEqual(Object.keys(sections).sort(), Object.keys(defaultConfig()).sort());
  assert.deepEqual(
    fromTypes.sort(),
    leafPaths()
      .map((p) => p.join('.'))
      .sort(),
  );
});
