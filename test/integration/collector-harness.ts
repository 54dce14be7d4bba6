/** Shared by the collector integration tests: a topic reader and a config builder. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { configFrom, type KiverConfig } from '../../src/config/index.js';
import type { KafkaClientKind } from '../../src/config/types.js';
import { loadLibrdkafka } from '../../src/collector/producer/select.js';
import {
  RawRecordCodec,
  FINGERPRINT_HEADER,
  downgradeToV1,
  headerString,
  type RawRecord,
  type RawRecordV1,
} from '../../src/schema/raw-record.js';
import { createTopic, uniqueName } from '../helpers/stack.js';

const codec = new RawRecordCodec();
const repo = join(import.meta.dirname, '..', '..');

/**
 * The collector's Kafka client under test: `KIVER_TEST_KAFKA_CLIENT=kafkajs|librdkafka|auto`
 * (default `auto`: librdkafka where its native module loads). Every scenario and every
 * spawned `kiver collect` gets it as `kafka.client`.
 */
export const testKafkaClient: KafkaClientKind = (() => {
  const v = process.env.KIVER_TEST_KAFKA_CLIENT ?? 'auto';
  if (v !== 'auto' && v !== 'kafkajs' && v !== 'librdkafka')
    throw new Error(`KIVER_TEST_KAFKA_CLIENT must be auto, kafkajs or librdkafka, not ${v}`);
  return v;
})();

/** What `testKafkaClient` resolves to here, printed once in the test log. */
export const effectiveKafkaClient: 'kafkajs' | 'librdkafka' =
  testKafkaClient === 'kafkajs' ? 'kafkajs' : (await loadLibrdkafka()).ok ? 'librdkafka' : 'kafkajs';
console.log(`# collector tests: kafka.client ${testKafkaClient} -> ${effectiveKafkaClient}`);

/** The `kafka.client` line for a YAML configuration a test writes for a spawned collector. */
export const kafkaClientYaml = `  client: ${testKafkaClient}`;

/**
 * Reads a topic from the beginning and decodes every record, as another team would.
 * `records` holds every event on its own (in the one-event shape of schema v1, with its run's
 * host, path, file identity and fields), in Kafka order; `runs` holds the records as they came,
 * and `landed` each with the partition and key it landed under.
 */
export class TopicReader {
  readonly records: RawRecordV1[] = [];
  readonly runs: RawRecord[] = [];
  readonly landed: { partition: number; key: string; run: RawRecord }[] = [];
  readonly #consumer: Consumer;
  constructor(
    brokers: string[],
    readonly topic: string,
  ) {
    this.#consumer = new Kafka({
      clientId: 'kiver-test-reader',
      brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId: uniqueName('reader'),
    });
  }
  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.#consumer.run({
      eachMessage: async ({ partition, message }) => {
        const run = codec.decode(message.value, headerString(message.headers?.[FINGERPRINT_HEADER]));
        this.runs.push(run);
        this.landed.push({ partition, key: message.key?.toString() ?? '', run });
        for (const event of run.events) this.records.push(downgradeToV1(run, event));
      },
    });
  }
  byPath(path: string): RawRecordV1[] {
    return this.records.filter((r) => r.path === path);
  }
  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}

export interface Scenario {
  base: string;
  root: string;
  topic: string;
  config: KiverConfig;
  reader: TopicReader;
}

export async function scenario(
  brokers: string[],
  name: string,
  collector: Record<string, unknown> = {},
): Promise<Scenario> {
  const base = mkdtempSync(join(tmpdir(), `kiver-${name}-`));
  const topic = uniqueName(`c-${name}`);
  await createTopic(brokers, topic, 3);
  const root = join(base, 'logs');
  mkdirSync(root, { recursive: true });
  const config = configFrom({
    kafka: { brokers, topic, client: testKafkaClient },
    collector: {
      roots: [root],
      checkpoint_dir: join(base, 'state'),
      batch_linger_ms: 20,
      rescan_interval_ms: 2000,
      checkpoint_interval_ms: 200,
      ...collector,
    },
    metrics: { listen: '' },
  });
  const reader = new TopicReader(brokers, topic);
  await reader.start();
  return { base, root, topic, config, reader };
}

/** Messages of one file identity (dev:inode), in Kafka order. */
export function byFile(records: RawRecordV1[]): Map<string, RawRecordV1[]> {
  const m = new Map<string, RawRecordV1[]>();
  for (const r of records) {
    const k = `${r.file.dev}:${r.file.inode}`;
    const list = m.get(k) ?? [];
    list.push(r);
    m.set(k, list);
  }
  return m;
}

/** The YAML configuration of a spawned `kiver collect` for a scenario (extra collector lines). */
export function writeConfig(brokers: string[], s: Scenario, collector: string[], listen = "''"): string {
  const file = join(s.base, 'kiver.yaml');
  writeFileSync(
    file,
    [
      'kafka:',
      `  brokers: [${brokers.join(', ')}]`,
      kafkaClientYaml,
      `  topic: ${s.topic}`,
      'collector:',
      `  roots: [${s.root}]`,
      '  include: ["*.log"]',
      `  checkpoint_dir: ${join(s.base, 'state')}`,
      '  batch_linger_ms: 20',
      ...collector.map((l) => `  ${l}`),
      'metrics:',
      `  listen: ${listen}`,
    ].join('\n'),
  );
  return file;
}

/** `kiver collect --config FILE` as a child process; `output()` is the tail of what it printed. */
export function startCollector(configFile: string): ChildProcess & { output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'collect', '--config', configFile],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  return Object.assign(child, { output: () => out });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Prometheus text -> { 'name{labels}': value }. */
export function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}
