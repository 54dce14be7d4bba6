/**
 * The bench's side of Kafka: a fresh topic per run (broker-stamped LogAppendTime, so the
 * moment the last line arrived is read from the topic itself rather than from a poll), end
 * offsets, and a reader that goes through every record once the shipper has stopped.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { registerKafkajsCodecs } from '../../src/config/kafkajs-codecs.js';

export const PARTITIONS = 3;

export class BenchKafka {
  readonly #kafka: Kafka;
  #admin: Admin | null = null;

  constructor(readonly brokers: string[]) {
    registerKafkajsCodecs(); // lz4 and zstd batches are read back too
    this.#kafka = new Kafka({ clientId: 'kiver-bench-peers', brokers, logLevel: logLevel.NOTHING });
  }

  async admin(): Promise<Admin> {
    if (!this.#admin) {
      this.#admin = this.#kafka.admin();
      await this.#admin.connect();
    }
    return this.#admin;
  }

  async createTopic(topic: string): Promise<void> {
    const admin = await this.admin();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: PARTITIONS,
          configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
        },
      ],
      waitForLeaders: true,
    });
  }

  async deleteTopic(topic: string): Promise<void> {
    const admin = await this.admin();
    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
  }

  /** Records in the topic: the sum of (high watermark - low) over its partitions. */
  async records(topic: string): Promise<number> {
    const admin = await this.admin();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  }

  /**
   * Reads every record now in the topic, from the start, and hands each to `onRecord` with
   * the broker's append time (ms). Returns the number of records read.
   */
  async readAll(
    topic: string,
    onRecord: (value: Buffer | null, headers: Record<string, string>, appendedAt: number) => void,
  ): Promise<number> {
    const admin = await this.admin();
    const ends = new Map<number, number>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (Number(o.high) > Number(o.low)) ends.set(o.partition, Number(o.high));
    }
    if (ends.size === 0) return 0;
    const consumer = this.#kafka.consumer({
      groupId: `kiver-bench-peers-reader-${topic}`,
      maxBytes: 64 * 2 ** 20,
      maxBytesPerPartition: 16 * 2 ** 20,
    });
    await consumer.connect();
    let read = 0;
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const remaining = new Set(ends.keys());
        consumer
          .run({
            autoCommit: false,
            partitionsConsumedConcurrently: PARTITIONS,
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) return;
              for (const m of batch.messages) {
                if (Number(m.offset) >= end) break;
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(m.headers ?? {})) {
                  if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
                }
                onRecord(m.value, headers, Number(m.timestamp));
                read++;
              }
              const last = batch.messages[batch.messages.length - 1];
              if (last && Number(last.offset) + 1 >= end) {
                remaining.delete(batch.partition);
                if (remaining.size === 0) resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([`kiver-bench-peers-reader-${topic}`]).catch(() => undefined);
    }
    return read;
  }

  async close(): Promise<void> {
    await this.#admin?.disconnect();
    this.#admin = null;
  }
}
