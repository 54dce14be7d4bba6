/**
 * Reads the replay's offset ranges and hands each batch to the worker's batch runner. It is a
 * consumer group of its own (kafkajs has no group-less assignment), with a name used once and
 * never committed to, so the workers' group, its members and its offsets are never touched.
 * Each partition is sought to its range's start, clipped at its end and paused there; when
 * every range is read the reader is done.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../../observability/logger.js';
import { processBatch, type BatchContext } from '../batch-run.js';
import { clip, type PartitionRange } from './plan.js';

const HEARTBEAT_MS = 3000;

export interface ReaderOptions {
  groupId: string;
  topic: string;
  maxBytesPerPartition: number;
  maxBytes: number;
  /** Records of a batch are all in Elasticsearch or the dead-letter topic (for the progress line). */
  settled?(records: number): void;
}

export class ReplayReader {
  readonly #consumer: Consumer;
  /** Next offset to read, by partition, for the ranges not finished yet. */
  readonly #next = new Map<number, bigint>();
  readonly #ranges: Map<number, PartitionRange>;
  readonly #abort = new AbortController();
  #finished!: () => void;
  readonly #done = new Promise<void>((resolve) => (this.#finished = resolve));
  #joins = 0;

  constructor(
    kafka: Kafka,
    private readonly options: ReaderOptions,
    ranges: readonly PartitionRange[],
    private readonly context: BatchContext,
    private readonly logger: Logger,
  ) {
    this.#ranges = new Map(ranges.map((r) => [r.partition, r]));
    for (const r of ranges) this.#next.set(r.partition, r.start);
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxBytes: options.maxBytes,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    // A rejoin (say after a long Elasticsearch outage) resets positions: seek again to where we are.
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
      if (++this.#joins > 1) this.#seekAll();
    });
    // kafkajs skips eachBatch for a batch of control records only (a transaction's end): if
    // one closes a range, this is the only sign that the range is read.
    this.#consumer.on(this.#consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const range = this.#ranges.get(payload.partition);
      if (payload.batchSize !== 0 || !range || !this.#next.has(payload.partition)) return;
      if (BigInt(payload.lastOffset) + 1n >= range.end) this.#finish(payload.partition);
    });
  }

  /** Resolves when every range is read, or when `abort()` was called (the batch in hand ends first). */
  async read(): Promise<void> {
    if (this.#next.size === 0) return;
    await this.#consumer.connect();
    try {
      await this.#consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.#eachBatch(payload),
      });
      this.#seekAll();
      await this.#done;
    } finally {
      await this.#consumer.disconnect().catch(() => undefined);
    }
  }

  abort(): void {
    this.#abort.abort();
    this.#finished();
  }

  #seekAll(): void {
    for (const [partition, offset] of this.#next) {
      this.#consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
    }
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isStale } = payload;
    const range = this.#ranges.get(batch.partition);
    if (this.#abort.signal.aborted) return;
    if (!range || !this.#next.has(batch.partition)) {
      // Nothing (more) to read here: stop fetching it rather than be handed the same batch again.
      this.#consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      return;
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    const { inRange, done } = clip(range, batch.messages, next);
    const beat = setInterval(() => heartbeat().catch(() => undefined), HEARTBEAT_MS);
    try {
      const settlement = await processBatch(
        this.context,
        { topic: batch.topic, partition: batch.partition, messages: inRange },
        {
          signal: this.#abort.signal,
          shouldStop: () => isStale(),
          // Only moves this consumer's fetch position; nothing is committed (autoCommit off).
          progress: (s) => {
            const last = s.lastSettledOffset();
            if (last !== null) resolveOffset(last);
          },
        },
      );
      if (!settlement.complete) return;
      this.options.settled?.(inRange.length);
      resolveOffset(batch.lastOffset());
      this.#next.set(batch.partition, next);
      if (done) this.#finish(batch.partition);
    } finally {
      clearInterval(beat);
    }
  }

  #finish(partition: number): void {
    this.#next.delete(partition);
    this.#consumer.pause([{ topic: this.options.topic, partitions: [partition] }]);
    this.logger.debug({ partition }, 'replay range read');
    if (this.#next.size === 0) this.#finished();
  }
}
