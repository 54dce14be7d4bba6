/**
 * The partition of a key is the same through both producers (ARCHITECTURE.md, "Kafka
 * clients"): kafkajs' DefaultPartitioner and librdkafka's `murmur2_random` both take
 * Java-compatible murmur2 over the key bytes, `& 0x7fffffff`, modulo the partition count.
 *
 * librdkafka's partitioner is native and needs a broker's metadata to run, so this test
 * compares kafkajs against a line-by-line port of librdkafka's `rd_murmur2`
 * (src/rdmurmur2.c) and `rd_kafka_msg_partitioner_murmur2` (src/rdkafka_msg.c), checked on
 * the test vectors of librdkafka's own unit test and of Kafka's Java UtilsTest. The
 * integration test (test/integration/producer-partitions.test.ts) then produces the same
 * keys through both clients to a real multi-partition topic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { librdkafkaProperties } from '../../../src/collector/producer/librdkafka-config.js';
import { configFrom } from '../../../src/config/index.js';

/** librdkafka's rd_murmur2 (seed 0x9747b28c, m 0x5bd1e995, r 24), as unsigned 32 bits. */
function rdMurmur2(key: Buffer): number {
  const m = 0x5bd1e995;
  let len = key.length;
  let h = (0x9747b28c ^ len) >>> 0;
  let i = 0;
  while (len >= 4) {
    let k = key.readUInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
    i += 4;
    len -= 4;
  }
  // The C switch falls through from 3 to 1.
  if (len >= 3) h ^= key[i + 2]! << 16;
  if (len >= 2) h ^= key[i + 1]! << 8;
  if (len >= 1) {
    h ^= key[i]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

/** rd_kafka_msg_partitioner_murmur2: (rd_murmur2(key) & 0x7fffffff) % partition_cnt. */
const rdPartition = (key: Buffer, partitions: number): number => (rdMurmur2(key) & 0x7fffffff) % partitions;

function kafkajsPartition(key: Buffer, partitions: number): number {
  return Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata: Array.from({ length: partitions }, (_, id) => ({
      partitionId: id,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

test('the port of rd_murmur2 gives librdkafka unit-test values', () => {
  // librdkafka 2.15 src/rdmurmur2.c, unittest_murmur2 (its source ships in the package's deps/).
  const unaligned = 'PreAmbleWillBeRemoved,ThePrePartThatIs';
  const cases: [string, number][] = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    ['1234', 0x9fc97b14],
    ['234', 0xe7c009ca],
    ['34', 0x873930da],
    ['4', 0x5a4b5ca1],
    [unaligned, 0x78424f1c],
    [unaligned.slice(1), 0x4a62b377],
    [unaligned.slice(2), 0xe0e4e09e],
    [unaligned.slice(3), 0x62b8b43f],
    ['', 0x106e08d9],
  ];
  for (const [key, want] of cases) assert.equal(rdMurmur2(Buffer.from(key)), want, key);
});

test('the port of rd_murmur2 gives the Java client values (Kafka UtilsTest.testMurmur2)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, want] of cases) assert.equal(rdMurmur2(Buffer.from(key)) | 0, want, key);
});

test('kafkajs DefaultPartitioner and librdkafka murmur2 pick the same partition for 20,000 keys', () => {
  const keys: Buffer[] = [];
  // Keys as the collector writes them (<host>/<dev>:<inode>), and random bytes of every length up to 64.
  for (let i = 0; i < 10_000; i++)
    keys.push(Buffer.from(`node-${i % 97}.example/${2049 + (i % 3)}:${1_000_000 + i * 7919}`));
  for (let i = 0; i < 10_000; i++) keys.push(randomBytes(i % 65));
  for (const partitions of [1, 2, 3, 6, 12, 50, 64, 100, 1000]) {
    for (const key of keys) {
      const a = kafkajsPartition(key, partitions);
      const b = rdPartition(key, partitions);
      if (a !== b)
        assert.fail(`${key.toString('hex')} on ${partitions} partitions: kafkajs ${a}, librdkafka ${b}`);
    }
  }
});

test('the librdkafka producer is configured with murmur2_random, not its default consistent_random', () => {
  const config = configFrom({ metrics: { listen: '' } });
  const props = librdkafkaProperties(
    {
      kafka: config.kafka,
      maxInFlightBytes: config.collector.max_in_flight_bytes,
      batchMaxBytes: config.collector.batch_max_bytes,
      batchMaxEvents: config.collector.batch_max_events,
      batchLingerMs: config.collector.batch_linger_ms,
      maxInFlightBatches: config.collector.max_in_flight_batches,
    },
    () => '',
  );
  assert.equal(props.partitioner, 'murmur2_random');
});
