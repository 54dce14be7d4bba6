/**
 * Reference for bench/collector.bench.ts: kafkajs alone, producing records shaped like the
 * collector's (a ~300-byte value, a `<host>/<dev>:<ino>` key, the two schema headers) in
 * batches of 2,000 with acks=all to the local Kafka, nothing else. What one core can do
 * through kafkajs is the collector's ceiling.
 *
 *   taskset -c 1 node --import tsx bench/collector-kafkajs-ceiling.ts [records] [gzip|none] [files] [bare]
 *
 * `bare` leaves out key and headers (what a plain encoder benchmark measures).
 */
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, CompressionTypes } = kafkajs;
const N = Number(process.argv[2] ?? 200_000);
const compression = process.argv[3] === 'none' ? CompressionTypes.None : CompressionTypes.GZIP;
const FILES = Number(process.argv[4] ?? 100);
const bare = process.argv[5] === 'bare';
const brokers = (process.env.KIVER_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'kiver-bench-ceiling', brokers, logLevel: logLevel.NOTHING });
const topic = `bench-ceiling-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const headers = { 'kiver.schema.fingerprint': 'f'.repeat(64), 'kiver.schema.version': '1' };
const value = Buffer.alloc(300, 'v');
const BATCH = 2000;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let sent = 0; sent < N; sent += BATCH) {
  const messages = [];
  for (let i = 0; i < BATCH; i++)
    messages.push(bare ? { value } : { key: `host/2049:${1000 + ((sent + i) % FILES)}`, value, headers });
  await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1, compression });
}
const s = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    records: N,
    compression: process.argv[3] ?? 'gzip',
    bare,
    seconds: Math.round(s * 100) / 100,
    recordsPerSecond: Math.round(N / s),
    cpuSecondsPerMillion: Math.round(((cpu.user + cpu.system) / 1e6 / N) * 1e6 * 100) / 100,
  }),
);
await producer.disconnect();
