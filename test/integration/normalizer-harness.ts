/**
 * Shared pieces of the normalizer integration tests (test/integration/normalizer*.test.ts):
 * producing raw Avro records, a test-owned pipeline folder (so tests do not depend on the
 * shipped pipelines' evolution), workers in-process or as child processes, and counting
 * documents in Elasticsearch by marker and by _id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Consumer, type Message } from 'kafkajs';
import { prepareKafkajs } from '../../src/config/kafkajs-setup.js';
import { configFrom } from '../../src/config/index.js';
import type { KiverConfig } from '../../src/config/types.js';
import {
  loadSchemaVersions,
  RawRecordCodec,
  type RawRecordV1 as RawRecord,
} from '../../src/schema/raw-record.js';
import { packRuns } from '../helpers/runs.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const TEST_DATASET = 'kivertest.app';

/** A pipeline that claims lines starting `KT `, and can produce a mapping conflict (pid=abc). */
export function testPipelinesDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kiver-norm-pipelines-'));
  writeFileSync(
    path.join(dir, 'kt.yaml'),
    [
      'name: kt',
      'description: Kiver normalizer integration tests',
      `dataset: ${TEST_DATASET}`,
      'match:',
      "  sniff: '^KT '",
      'processors:',
      '  - regex:',
      "      pattern: '^KT (?<log__level>\\w+) pid=(?<process__pid>\\S+) (?<message>.*)$'",
      'tests:',
      '  - name: basic',
      "    input: 'KT info pid=12 hello'",
      '    expect:',
      '      log.level: info',
      '      message: hello',
      '',
    ].join('\n'),
  );
  return dir;
}

export interface Names {
  topic: string;
  dlq: string;
  group: string;
  /** No '-': it is part of logs-<dataset>-<namespace>. */
  namespace: string;
}

export function uniqueNames(prefix: string): Names {
  const base = uniqueName(prefix);
  return {
    topic: `${base}-raw`,
    dlq: `${base}-dlq`,
    group: `${base}-group`,
    namespace: base.replace(/-/g, '_'),
  };
}

export function settings(
  names: Names,
  brokers: string[],
  esUrl: string,
  pipelinesDir: string,
  extra: string[] = [],
): string[] {
  return [
    `kafka.brokers=${brokers.join(',')}`,
    `kafka.topic=${names.topic}`,
    `kafka.dlq_topic=${names.dlq}`,
    `elasticsearch.url=${esUrl}`,
    `elasticsearch.namespace=${names.namespace}`,
    `normalizer.group_id=${names.group}`,
    `normalizer.pipelines_dir=${pipelinesDir}`,
    'normalizer.retry_initial_ms=100',
    'normalizer.retry_max_ms=1000',
    'metrics.listen=',
    ...extra,
  ];
}

export function configFor(sets: string[]): KiverConfig {
  return configFrom({}, sets);
}

export function kafkaFor(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'kiver-norm-test', brokers, logLevel: logLevel.NOTHING });
}

/** Topics that accept 16 MiB records (the 5 MiB test) — the broker default is 1 MB. */
export async function createTopics(
  brokers: string[],
  topics: { name: string; partitions: number }[],
): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } catch {
    // best effort
  } finally {
    await admin.disconnect();
  }
}

export function rawRecord(marker: string, i: number, overrides: Partial<RawRecord> = {}): RawRecord {
  return {
    schema_version: 1,
    message: `KT info pid=${1000 + (i % 7)} event ${i} ${marker}`,
    host: 'test-host',
    path: `/app/log/c${i % 5}/app.log`,
    file: { dev: '2049', inode: String(5000 + (i % 5)), fingerprint: marker },
    offset: i * 100,
    length: 100,
    collected_at: Date.now(),
    fields: { container_id: `c${i % 5}` },
    flags: [],
    ...overrides,
  };
}

export interface ProduceOptions {
  /** Records per produce request. */
  batchSize?: number;
  /**
   * Events per raw record: consecutive records of one file are packed into v2 runs of up to
   * this many events (default 1: one event per record).
   */
  runLength?: number;
  /** Write schema version 1 bytes, as 0.1 collectors did (one event per record). */
  schemaVersion?: 1 | 2;
  /** Compress produce requests with this kafkajs codec (lz4 and zstd are registered first). */
  compression?: CompressionTypes;
  /** Kafka timestamp (ms) of every message, as if a collector had sent them then. */
  timestamp?: number;
}

export async function produce(
  brokers: string[],
  topic: string,
  records: (RawRecord | { raw: Buffer })[],
  options: ProduceOptions = {},
): Promise<void> {
  const { batchSize = 500, runLength = 1, schemaVersion = 2, compression = CompressionTypes.None } = options;
  const timestamp = options.timestamp === undefined ? {} : { timestamp: String(options.timestamp) };
  prepareKafkajs();
  const codec = schemaVersion === 1 ? new RawRecordCodec(loadSchemaVersions(), 1) : new RawRecordCodec();
  const messages: Message[] = [];
  const pending: RawRecord[] = [];
  const flushPending = (): void => {
    for (const run of packRuns(pending.splice(0), runLength)) {
      messages.push({
        key: `${run.host}:${run.file.inode}`,
        value: codec.encode(run),
        headers: { ...codec.headers },
        ...timestamp,
      });
    }
  };
  for (const r of records) {
    if ('raw' in r) {
      flushPending();
      messages.push({ key: 'poison', value: r.raw });
    } else pending.push(r);
  }
  flushPending();
  const producer = kafkaFor(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, compression, messages: messages.slice(i, i + batchSize) });
    }
  } finally {
    await producer.disconnect();
  }
}

export function esClient(esUrl: string): Client {
  return new Client({ node: esUrl });
}

/** Index names of a test namespace (never a wildcard delete: destructive_requires_name). */
export async function indicesOf(es: Client, namespace: string): Promise<string[]> {
  const rows = await es.cat.indices({
    index: `logs-*-${namespace}-*`,
    format: 'json',
    h: 'index',
    expand_wildcards: 'all',
  });
  return rows.map((r) => r.index!).filter(Boolean);
}

export async function cleanUp(es: Client, namespace: string): Promise<void> {
  const names = await indicesOf(es, namespace).catch(() => []);
  for (const index of names) await es.indices.delete({ index }).catch(() => undefined);
}

export interface Counts {
  docs: number;
  distinctIds: number;
  distinctMarkers: number;
}

/** Counts documents whose message contains one of the markers `event <i> <marker>`. */
export async function count(es: Client, namespace: string, marker: string): Promise<Counts> {
  const index = `logs-*-${namespace}-*`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const res = await es.search({
    index,
    // Up to 10000 hits: enough for these tests, and _id has no aggregations by default.
    size: 10_000,
    _source: false,
    track_total_hits: true,
    query: { match: { message: marker } },
    docvalue_fields: ['log.offset'],
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
  const ids = new Set(res.hits.hits.map((h) => h._id));
  // Exact, unlike a cardinality aggregation: each test event has its own offset.
  const offsets = new Set(
    res.hits.hits.map((h) => String((h.fields?.['log.offset'] as unknown[] | undefined)?.[0])),
  );
  return { docs: total, distinctIds: ids.size, distinctMarkers: offsets.size };
}

/** Reads every dead letter of a topic into an array (the consumer keeps filling it). */
export async function readDeadLetters(
  brokers: string[],
  topic: string,
): Promise<{ letters: Record<string, unknown>[]; consumer: Consumer }> {
  const letters: Record<string, unknown>[] = [];
  const consumer = kafkaFor(brokers).consumer({
    groupId: uniqueName('dlq-reader'),
    maxBytesPerPartition: 16 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      letters.push(JSON.parse(message.value!.toString('utf8')) as Record<string, unknown>);
    },
  });
  return { letters, consumer };
}

export interface ChildWorker {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `kiver normalize` as a child process, the way operators run it. */
export function spawnWorker(sets: string[], env: NodeJS.ProcessEnv = {}): ChildWorker {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'normalize', ...sets.flatMap((s) => ['--set', s])];
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, KIVER_LOG__LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

export async function waitForLog(worker: ChildWorker, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => pattern.test(worker.output()), {
    timeoutMs,
    message: `worker log ${pattern}\n${worker.output().slice(-2000)}`,
  });
}
