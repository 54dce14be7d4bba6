/** The configuration each shipper is started with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flumePom } from '../../../bench/peers/shippers/flume-classpath.js';
import { flumeConfig } from '../../../bench/peers/shippers/flume.js';
import { kiverConfig } from '../../../bench/peers/shippers/kiver.js';
import { rsyslogConfig } from '../../../bench/peers/shippers/rsyslog.js';
import type { RunContext } from '../../../bench/peers/shippers/types.js';

const ctx: RunContext = {
  topic: 'bench-t1',
  codec: 'lz4',
  root: '/data/flat',
  workDir: '/run/w',
  brokers: ['127.0.0.1:9092'],
  core: '0',
};

test('rsyslog: acks=all is a topic setting, the codec a client one, the template the raw line', () => {
  const conf = rsyslogConfig(ctx, 'resubmit');
  assert.match(conf, /topicConfParam=\["acks=all"\]/);
  assert.match(conf, /confParam=\["compression\.codec=lz4"\]/);
  assert.doesNotMatch(conf, /confParam=\[[^\]]*acks/);
  assert.match(conf, /resubmitOnFailure="on"/);
  assert.match(conf, /string="%msg%"/);
  assert.match(conf, /file="\/data\/flat\/\*\.log"/);
  assert.match(conf, /workDirectory="\/run\/w\/work"/);
  assert.doesNotMatch(rsyslogConfig(ctx, 'defaults'), /resubmitOnFailure/);
});

test('Flume: TAILDIR on the folder, memory channel, Kafka sink with acks=all, the codec and batches of 1000', () => {
  const conf = flumeConfig(ctx);
  assert.match(conf, /^agent\.sources\.r1\.type = TAILDIR$/m);
  // A Java properties file: `\\.` reads as the regex `\.`.
  assert.ok(conf.includes('agent.sources.r1.filegroups.g1 = /data/flat/.*\\\\.log\n'));
  assert.match(conf, /^agent\.channels\.c1\.type = memory$/m);
  assert.match(conf, /^agent\.sinks\.k1\.type = org\.apache\.flume\.sink\.kafka\.KafkaSink$/m);
  assert.match(conf, /^agent\.sinks\.k1\.kafka\.producer\.acks = all$/m);
  assert.match(conf, /^agent\.sinks\.k1\.kafka\.producer\.compression\.type = lz4$/m);
  assert.match(conf, /^agent\.sinks\.k1\.flumeBatchSize = 1000$/m);
  assert.match(conf, /^agent\.sinks\.k1\.kafka\.topic = bench-t1$/m);
});

test("Flume's pom names the agent, the source, the sink and a log4j binding", () => {
  const pom = flumePom();
  for (const a of [
    'flume-ng-node',
    'flume-taildir-source',
    'flume-ng-kafka-sink',
    'log4j-slf4j-impl',
    'log4j-core',
  ]) {
    assert.match(pom, new RegExp(`<artifactId>${a}</artifactId>`));
  }
  assert.match(pom, /<packaging>pom<\/packaging>/);
});

test('kiver: the client, the codec and the events per record from the set', () => {
  const yaml = kiverConfig({ ...ctx, recordMaxEvents: 1 }, 'kafkajs', 9464);
  assert.match(yaml, /^ {2}client: kafkajs$/m);
  assert.match(yaml, /^ {2}compression: lz4$/m);
  assert.match(yaml, /^ {2}record_max_events: 1$/m);
  assert.match(yaml, /^ {2}roots: \[\/data\/flat\]$/m);
  assert.match(yaml, /^ {2}start_at: beginning$/m);
  assert.match(kiverConfig(ctx, 'librdkafka', 9464), /record_max_events: 512/);
});
