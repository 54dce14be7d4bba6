import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { processBatch } from '../../../src/normalizer/batch-run.js';
import { BulkIndexer, type BulkTransport } from '../../../src/normalizer/indexer/bulk.js';
import { createNormalizerMetrics } from '../../../src/normalizer/metrics.js';
import { createRegistry } from '../../../src/observability/metrics-server.js';
import { RawRecordCodec, upgradeV1, type RawRecordV1 as RawRecord } from '../../../src/schema/raw-record.js';
import { setFrom } from '../pipeline/helpers.js';

const PIPELINES = {
  'noisy.yaml': `
name: noisy
match: { sniff: '^(DEBUG|INFO) ' }
processors:
  - drop: { if: { matches: { field: message, pattern: '^DEBUG ' } } }
`,
};

function record(i: number, message: string): RawRecord {
  return {
    schema_version: 1,
    message,
    host: 'h',
    path: '/var/log/app.log',
    file: { dev: '1', inode: '2', fingerprint: 'f' },
    offset: i * 100,
    length: 100,
    collected_at: Date.parse('2026-11-25T10:00:00Z'),
    fields: {},
    flags: [],
  };
}

test('events a pipeline drops are counted in kiver_normalizer_documents_dropped_total, settled and not sent', async () => {
  const engine = await setFrom(PIPELINES);
  const registry = createRegistry();
  const metrics = createNormalizerMetrics(registry);
  const codec = new RawRecordCodec();
  const sent: string[] = [];
  const transport: BulkTransport = {
    async send(body) {
      sent.push(body);
      return { errors: false };
    },
  };
  const indexer = new BulkIndexer(transport, {
    maxBytes: 1 << 20,
    maxDocs: 100,
    concurrency: 1,
    backoff: { initialMs: 1, maxMs: 2 },
    events: metrics,
  });
  const texts = ['DEBUG a', 'INFO b', 'DEBUG c', 'DEBUG d', 'INFO e'];
  const messages: KafkaMessage[] = texts.map((t, i) => ({
    key: null,
    value: codec.encode(upgradeV1(record(i, t))),
    headers: { ...codec.headers },
    offset: String(i),
    timestamp: '0',
    attributes: 0,
  }));
  const settlement = await processBatch(
    {
      codec,
      engine,
      indexer,
      deadLetters: { send: async () => true },
      events: metrics,
      mode: 'index',
      namespace: 'test',
      groupId: 'g',
      maxBulkBytes: 1 << 20,
      maxBulkDocs: 100,
    },
    { topic: 't', partition: 0, messages },
    { signal: new AbortController().signal, progress: () => {}, shouldStop: () => false },
  );
  assert.equal(settlement.complete, true, 'dropped records are settled, so the batch commits');
  const dropped = await registry.getSingleMetric('kiver_normalizer_documents_dropped_total')!.get();
  assert.deepEqual(
    dropped.values.map((v) => ({ pipeline: v.labels['pipeline'], value: v.value })),
    [{ pipeline: 'noisy', value: 3 }],
  );
  const body = sent.join('');
  assert.equal(body.trim().split('\n').length, 4, 'two documents (action + source each) sent');
  assert.doesNotMatch(body, /DEBUG/);
  const indexed = await registry.getSingleMetric('kiver_normalizer_documents_indexed_total')!.get();
  assert.equal(
    indexed.values.reduce((a, v) => a + v.value, 0),
    2,
  );
});
