/**
 * Collector against the real Kafka: what is written to files is read back from the topic
 * (kafkajs consumer + RawRecordCodec.decode) and compared line by line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { Collector } from '../../src/collector/index.js';
import { configFrom } from '../../src/config/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';
import { testKafkaClient, TopicReader } from './collector-harness.js';

describe('collector (real Kafka)', () => {
  let brokers: string[];
  let dir: string;
  before(async () => {
    ({ brokers } = await ensureStack());
    dir = mkdtempSync(join(tmpdir(), 'kiver-collect-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function setup(name: string, collector: Record<string, unknown> = {}) {
    const topic = uniqueName(`c-${name}`);
    await createTopic(brokers, topic, 3);
    const root = join(dir, name, 'logs');
    mkdirSync(root, { recursive: true });
    const config = configFrom({
      kafka: { brokers, topic, client: testKafkaClient },
      collector: {
        roots: [root],
        checkpoint_dir: join(dir, name, 'state'),
        path_templates: [`${root}/{container_id}/{service}/**`],
        batch_linger_ms: 20,
        rescan_interval_ms: 2000,
        ...collector,
      },
    });
    const reader = new TopicReader(brokers, topic);
    await reader.start();
    return { root, config, reader, topic };
  }

  test('edge-case files: empty, only newlines, no final newline, invalid UTF-8, GBK, long line, CRLF', async () => {
    const { root, config, reader } = await setup('edge', {
      encoding: [{ path: '**/gbk/*.log', encoding: 'gbk' }],
      partial_line_timeout_ms: 300,
      max_event_bytes: 1024,
    });
    mkdirSync(join(root, 'c1', 'svc'), { recursive: true });
    mkdirSync(join(root, 'gbk'), { recursive: true });
    const p = (n: string) => join(root, 'c1', 'svc', n);
    writeFileSync(p('empty.log'), '');
    writeFileSync(p('newlines.log'), '\n\n\n');
    writeFileSync(p('nofinal.log'), 'first\nlast without newline');
    writeFileSync(
      p('bad.log'),
      Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xfe]), Buffer.from(' end\n')]),
    );
    writeFileSync(join(root, 'gbk', 'cn.log'), iconv.encode('日志一行\n第二行\n', 'gbk'));
    writeFileSync(p('long.log'), 'x'.repeat(5000) + '\nshort\n');
    writeFileSync(p('crlf.log'), 'a\r\nb\r\n');
    const collector = await Collector.create({
      config: config.collector,
      kafka: config.kafka,
      logger: silentLogger(),
    });
    await collector.start();
    try {
      await waitFor(() => reader.records.length >= 12, { timeoutMs: 20000, message: '12 records' });
      assert.deepEqual(reader.byPath(p('empty.log')), []);
      assert.deepEqual(
        reader.byPath(p('newlines.log')).map((r) => [r.message, r.offset, r.length]),
        [
          ['', 0, 1],
          ['', 1, 1],
          ['', 2, 1],
        ],
      );
      const nofinal = reader.byPath(p('nofinal.log'));
      assert.deepEqual(
        nofinal.map((r) => [r.message, r.flags]),
        [
          ['first', []],
          ['last without newline', ['partial']],
        ],
      );
      const bad = reader.byPath(p('bad.log'));
      assert.equal(bad.length, 1);
      assert.equal(bad[0]!.message, 'ok \uFFFD\uFFFD end');
      assert.deepEqual(bad[0]!.flags, ['invalid_utf8']);
      assert.deepEqual(
        reader.byPath(join(root, 'gbk', 'cn.log')).map((r) => r.message),
        ['日志一行', '第二行'],
      );
      const long = reader.byPath(p('long.log'));
      assert.deepEqual(
        long.map((r) => [r.message.length, r.offset, r.length, r.flags]),
        [
          [1024, 0, 5001, ['truncated']],
          [5, 5001, 6, []],
        ],
      );
      assert.deepEqual(
        reader.byPath(p('crlf.log')).map((r) => r.message),
        ['a', 'b'],
      );
      assert.deepEqual(nofinal[0]!.fields, { container_id: 'c1', service: 'svc' });
      assert.ok(nofinal[0]!.host.length > 0);
    } finally {
      await collector.stop();
      await reader.stop();
    }
  });

  test('a Java stack trace arrives as one event; the multiline timeout emits the trailing event', async () => {
    const { root, config, reader } = await setup('java');
    const trace = [
      '2024-05-01 10:00:00,123 ERROR [main] c.e.App - request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.example.App.handle(App.java:42)',
      '\tat com.example.App.main(App.java:10)',
      'Caused by: java.io.IOException: disk',
      '\tat com.example.Disk.write(Disk.java:7)',
      '\t... 2 more',
    ];
    const f = join(root, 'app.log');
    writeFileSync(f, ['2024-05-01 09:59:59,000 INFO [main] c.e.App - start', ...trace].join('\n') + '\n');
    const collector = await Collector.create({
      config: config.collector,
      kafka: config.kafka,
      logger: silentLogger(),
    });
    await collector.start();
    try {
      // The trace is the last thing in the file: only the flush timeout can emit it.
      await waitFor(() => reader.records.length >= 2, { timeoutMs: 15000, message: '2 events' });
      const recs = reader.byPath(f);
      assert.equal(recs.length, 2);
      assert.equal(recs[1]!.message, trace.join('\n'));
      assert.ok(recs[1]!.flags.includes('multiline'));
      appendFileSync(f, '2024-05-01 10:00:01,000 INFO [main] c.e.App - next\n');
      await waitFor(() => reader.records.length >= 3, { timeoutMs: 15000, message: 'third event' });
    } finally {
      await collector.stop();
      await reader.stop();
    }
  });
});
