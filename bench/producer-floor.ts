/**
 * The floor of the collector's produce path, per client: read a file of 1,000,000 lines of
 * 200 bytes in 1 MiB chunks, split the lines, encode runs of up to 512 lines as raw records
 * v2 (the collector's RunWriter), hand them to the producer port (the collector's own
 * kafkajs or librdkafka implementation: idempotent, acks=all) and wait until every record is
 * acknowledged. No discovery, checkpoints, multiline or metrics: what is left for the
 * collector's own work under a CPU budget. CPU is process.cpuUsage() of the whole process
 * (librdkafka's threads included), from the first read to the last acknowledgement.
 *
 * Timed runs share the machine with others: run them only under the bench lock, pinned:
 *
 *   flock /tmp/kiver-bench.lock node --import tsx bench/producer-floor.ts            # all, 3 runs each
 *   taskset -c 0 node --import tsx bench/producer-floor.ts run librdkafka lz4        # one run
 *
 * The driver runs every (client, codec) pair 3 times, each in its own process under
 * `taskset -c 0` (the broker has the other core), interleaved, and writes the medians to
 * bench/results/producer-floor.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { configFrom } from '../src/config/index.js';
import type { KafkaCompression } from '../src/config/types.js';
import type { ProducerFactory, ProducerSettings } from '../src/collector/producer/port.js';
import { encodeRunHeader, RunWriter } from '../src/schema/run-encoder.js';
import { RawRecordCodec } from '../src/schema/raw-record.js';

const LINES = 1_000_000;
const LINE_BYTES = 200;
const RUN_EVENTS = 512;
const RUNS = 3;
const brokers = (process.env.KIVER_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');

/**
 * The input, made once: 1M lines of 200 bytes (199 + newline) that compress about as well as
 * application logs (gzip about 3.5:1, lz4 2.4:1): a timestamp, a level, a thread, a request number, a random
 * hex id and words drawn from a vocabulary of 512 by a seeded generator.
 */
function inputFile(): string {
  const file = join(tmpdir(), `kiver-floor-v2-${LINES}x${LINE_BYTES}.log`);
  if (existsSync(file)) return file;
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const vocabulary = Array.from({ length: 512 }, () => {
    let w = '';
    for (let n = 3 + (next() % 8); n > 0; n--) w += String.fromCharCode(97 + (next() % 26));
    return w;
  });
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const parts: string[] = [];
  for (let i = 0; i < LINES; i++) {
    let line =
      `2026-12-03T06:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z ` +
      `${levels[next() % levels.length]} [worker-${next() % 16}] request=${i} id=${next().toString(16).padStart(8, '0')}`;
    while (line.length < LINE_BYTES - 1) line += ' ' + vocabulary[next() % vocabulary.length];
    parts.push(line.slice(0, LINE_BYTES - 1));
  }
  writeFileSync(file, parts.join('\n') + '\n');
  return file;
}

async function factoryFor(client: 'kafkajs' | 'librdkafka'): Promise<ProducerFactory> {
  if (client === 'kafkajs')
    return (await import('../src/collector/producer/kafkajs.js')).createKafkajsProducer;
  const { loadLibrdkafka } = await import('../src/collector/producer/select.js');
  const loaded = await loadLibrdkafka();
  if (!loaded.ok) throw new Error(loaded.reason);
  return (await import('../src/collector/producer/librdkafka.js')).librdkafkaProducerFactory(loaded.module);
}

interface RunResult {
  client: string;
  compression: string;
  lines: number;
  records: number;
  seconds: number;
  linesPerSecond: number;
  cpuSecondsPerMillionLines: number;
  peakRssMb: number;
}

async function runOnce(client: 'kafkajs' | 'librdkafka', compression: KafkaCompression): Promise<RunResult> {
  const { createTopic } = await import('../test/helpers/stack.js');
  const topic = `bench-floor-${client}-${compression}-${Date.now().toString(36)}`;
  await createTopic(brokers, topic, 3);
  const config = configFrom({ kafka: { brokers, topic, compression }, metrics: { listen: '' } });
  const c = config.collector;
  const settings: ProducerSettings = {
    kafka: config.kafka,
    maxInFlightBytes: c.max_in_flight_bytes,
    batchMaxBytes: c.batch_max_bytes,
    batchMaxEvents: c.batch_max_events,
    batchLingerMs: c.batch_linger_ms,
    maxInFlightBatches: c.max_in_flight_batches,
  };
  const codec = new RawRecordCodec();
  let acked = 0;
  const producer = (await factoryFor(client))<number>(
    settings,
    { acknowledged: (t) => void (acked += t.length), reshape: () => null },
    {
      batchAcknowledged: () => undefined,
      sendFailed: () => undefined,
      sendRetried: () => undefined,
      kafkaStateChanged: () => undefined,
      accessRefused: () => undefined,
      eventCutToFit: () => undefined,
    },
  );
  // Warm up: connect and learn the topic's metadata before the clock starts.
  const warmHeader = encodeRunHeader({
    host: 'bench',
    path: '/warm',
    dev: '1',
    inode: '1',
    fingerprint: '',
    generation: 0,
    fields: {},
  });
  const w = new RunWriter();
  w.begin(warmHeader, Date.now());
  w.add(0, 5, 'warm', 0);
  producer.send({ topic, key: 'bench/1:1', value: w.finish(), headers: codec.headers, events: 1 }, -1);
  if (!(await producer.drain(30_000))) throw new Error('warm-up not acknowledged');
  acked = 0;

  const header = encodeRunHeader({
    host: 'bench',
    path: '/bench/floor.log',
    dev: '2049',
    inode: '4242',
    fingerprint: 'f'.repeat(64),
    generation: 0,
    fields: {},
  });
  const key = 'bench/2049:4242';
  const fd = openSync(inputFile(), 'r');
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  let carry = Buffer.alloc(0);
  let offset = 0;
  let records = 0;
  let lines = 0;
  let peakRss = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    const text = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    let start = 0;
    let nl = text.indexOf(10, start);
    while (nl >= 0) {
      w.begin(header, Date.now());
      while (nl >= 0 && w.events < RUN_EVENTS) {
        w.addUtf8(offset, nl + 1 - start, text, start, nl, 0);
        offset += nl + 1 - start;
        start = nl + 1;
        nl = text.indexOf(10, start);
        lines += 1;
      }
      const events = w.events;
      while (!producer.hasRoom) await producer.waitForRoom();
      producer.send({ topic, key, value: w.finish(), headers: codec.headers, events }, records);
      records += 1;
    }
    carry = Buffer.from(text.subarray(start));
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  closeSync(fd);
  if (!(await producer.drain(120_000))) throw new Error('not drained');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await producer.close();
  await deleteTopic(topic);
  if (acked !== records) throw new Error(`acknowledged ${acked} of ${records}`);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    client,
    compression,
    lines,
    records,
    seconds: round(seconds, 3),
    linesPerSecond: Math.round(lines / seconds),
    cpuSecondsPerMillionLines: round((cpuSeconds / lines) * 1e6, 2),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
}

/** The run's own topic goes once the run is measured. */
async function deleteTopic(topic: string): Promise<void> {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const admin = new Kafka({ clientId: 'kiver-bench-floor', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function driver(): void {
  inputFile();
  const pairs: ['kafkajs' | 'librdkafka', KafkaCompression][] = [
    ['kafkajs', 'gzip'],
    ['librdkafka', 'gzip'],
    ['kafkajs', 'lz4'],
    ['librdkafka', 'lz4'],
  ];
  const runs: RunResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [client, codec] of pairs) {
      const out = spawnSync(
        'taskset',
        ['-c', '0', process.execPath, '--import', 'tsx', 'bench/producer-floor.ts', 'run', client, codec],
        { encoding: 'utf8', cwd: join(import.meta.dirname, '..') },
      );
      if (out.status !== 0) throw new Error(`${client} ${codec}: ${out.stderr}`);
      const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as RunResult;
      console.log(JSON.stringify(result));
      runs.push(result);
    }
  }
  const require = createRequire(import.meta.url);
  const version = (name: string): string => (require(`${name}/package.json`) as { version: string }).version;
  let librdkafka = 'not loaded';
  try {
    librdkafka = (require('@confluentinc/kafka-javascript') as { librdkafkaVersion: string })
      .librdkafkaVersion;
  } catch {
    // reported as not loaded
  }
  const summary = pairs.map(([client, compression]) => {
    const mine = runs.filter((r) => r.client === client && r.compression === compression);
    return {
      client,
      compression,
      runs: mine.length,
      linesPerSecond: median(mine.map((r) => r.linesPerSecond)),
      cpuSecondsPerMillionLines: median(mine.map((r) => r.cpuSecondsPerMillionLines)),
      peakRssMb: median(mine.map((r) => r.peakRssMb)),
      linesPerSecondRange: [
        Math.min(...mine.map((r) => r.linesPerSecond)),
        Math.max(...mine.map((r) => r.linesPerSecond)),
      ],
      cpuRange: [
        Math.min(...mine.map((r) => r.cpuSecondsPerMillionLines)),
        Math.max(...mine.map((r) => r.cpuSecondsPerMillionLines)),
      ],
    };
  });
  const kafkaVersion = (() => {
    try {
      return execFileSync('node', ['dist/src/cli/main.js', 'stack', 'status'], { encoding: 'utf8' }).includes(
        'kafka',
      )
        ? 'kiver stack (Kafka 4.4)'
        : 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  const result = {
    benchmark:
      'producer floor: read, split, encode runs, produce through the producer port, all acknowledged',
    command: 'flock /tmp/kiver-bench.lock node --import tsx bench/producer-floor.ts',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      pinnedTo: 'taskset -c 0 (the broker on the other core, shared machine)',
    },
    versions: {
      node: process.version,
      kafkajs: version('kafkajs'),
      '@confluentinc/kafka-javascript': version('@confluentinc/kafka-javascript'),
      librdkafka,
      broker: kafkaVersion,
    },
    settings: {
      lines: LINES,
      input:
        'timestamp, level, thread, request number, random hex id, words from a 512-word vocabulary (gzip about 3.5:1, lz4 2.4:1)',
      lineBytes: LINE_BYTES,
      runEvents: RUN_EVENTS,
      readChunkBytes: 1024 * 1024,
      partitions: 3,
      acks: 'all',
      idempotent: true,
      defaults:
        'collector defaults (batch_max_bytes 512 KiB, batch_linger_ms 50, max_in_flight_bytes 16 MiB)',
      cpu: 'process.cpuUsage() of the producing process, first read to last acknowledgement',
    },
    medianOf: RUNS,
    summary,
    runs,
  };
  writeFileSync(
    join(import.meta.dirname, 'results', 'producer-floor.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
  for (const s of summary)
    console.log(
      `${s.client.padEnd(10)} ${s.compression.padEnd(4)} ${String(s.linesPerSecond).padStart(9)} lines/s  ` +
        `${s.cpuSecondsPerMillionLines.toFixed(2)} CPU-s per M lines  ${s.peakRssMb} MB peak RSS`,
    );
}

if (process.argv[2] === 'run') {
  const client = process.argv[3] as 'kafkajs' | 'librdkafka';
  const compression = (process.argv[4] ?? 'gzip') as KafkaCompression;
  const result = await runOnce(client, compression);
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  driver();
}
