/**
 * The consumer-group member: kafkajs `eachBatch` with auto-commit and auto-resolve off, so an
 * offset is resolved only for the settled prefix of a batch and committed only after the
 * batch's documents are in Elasticsearch or the dead-letter topic (guarantee 1).
 *
 * What kafkajs users learn the hard way, and this module handles:
 *  - with `autoCommit: false`, `commitOffsetsIfNecessary()` without arguments never commits:
 *    the offsets are passed explicitly;
 *  - a long batch (Elasticsearch down) must heartbeat or the member is evicted and its
 *    partitions handed to another worker mid-batch: a timer heartbeats while a batch is held;
 *  - after a rebalance the old owner's commit may fail; the new owner replays from the last
 *    commit and the deterministic ids turn the replay into 409s, not duplicates;
 *  - `isStale()` (a seek) means the rest of the batch must not be started.
 */
import { type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { processBatch, type BatchContext } from './batch-run.js';
import type { WorkerEvents } from './metrics.js';

export interface ConsumerOptions {
  groupId: string;
  topic: string;
  /** Bound on one partition's fetch; a single record larger than this is still fetched (KIP-74). */
  maxBytesPerPartition: number;
  maxBytes: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

const HEARTBEAT_MS = 3000;

export class NormalizerConsumer {
  readonly #consumer: Consumer;
  readonly #abort = new AbortController();
  #joined = false;
  #paused = false;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly context: BatchContext,
    private readonly events: WorkerEvents,
    private readonly logger: Logger,
  ) {
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: HEARTBEAT_MS,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxBytes: options.maxBytes,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: options.retryInitialMs, maxRetryTime: options.retryMaxMs, retries: 8 },
    });
    const { GROUP_JOIN, CRASH, DISCONNECT, STOP } = this.#consumer.events;
    this.#consumer.on(GROUP_JOIN, (e) => {
      this.#joined = true;
      this.events.assigned();
      this.logger.info(
        { assignment: e.payload.memberAssignment, memberId: e.payload.memberId },
        'joined the consumer group',
      );
    });
    this.#consumer.on(CRASH, (e) => {
      this.#joined = false;
      this.logger.error({ error: e.payload.error.message, restart: e.payload.restart }, 'consumer crashed');
    });
    this.#consumer.on(DISCONNECT, () => (this.#joined = false));
    this.#consumer.on(STOP, () => (this.#joined = false));
  }

  get joined(): boolean {
    return this.#joined;
  }

  /** Aborted when shutdown runs out of time: in-flight waits end, nothing unsettled is committed. */
  get abortSignal(): AbortSignal {
    return this.#abort.signal;
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Stops fetching from every partition (Elasticsearch unreachable); the batch in hand goes on. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#consumer.pause([{ topic: this.options.topic }]);
    this.events.paused(true);
    this.logger.warn('Elasticsearch unreachable: partitions paused until it answers again');
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#consumer.resume([{ topic: this.options.topic }]);
    this.events.paused(false);
    this.logger.info('Elasticsearch answers again: partitions resumed');
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isStale } = payload;
    if (batch.isEmpty()) return;
    const { topic, partition } = batch;
    this.events.lag(topic, partition, Number(batch.offsetLag()));
    let rebalancing = false;
    const beat = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        // The group is rebalancing: finish and commit this batch (allowed during the rebalance
        // timeout), then kafkajs rejoins on its next heartbeat.
        rebalancing = true;
        this.logger.debug({ error: String(error) }, 'heartbeat during a batch failed');
      });
    }, HEARTBEAT_MS);
    try {
      const settlement = await processBatch(
        this.context,
        { topic, partition, messages: batch.messages },
        {
          signal: this.#abort.signal,
          shouldStop: () => isStale(),
          progress: (s) => {
            const last = s.lastSettledOffset();
            if (last !== null) resolveOffset(last);
          },
        },
      );
      const commit = settlement.commitOffset();
      if (commit !== null && !isStale()) {
        try {
          await commitOffsetsIfNecessary({
            topics: [{ topic, partitions: [{ partition, offset: commit }] }],
          });
        } catch (error) {
          this.logger.warn(
            { topic, partition, offset: commit, rebalancing, error: String(error) },
            'offset commit failed; the next owner of the partition replays from the last commit (ids make that harmless)',
          );
          throw error;
        }
        this.events.lag(topic, partition, Math.max(0, Number(batch.highWatermark) - Number(commit)));
      }
      if (!settlement.complete) {
        this.logger.warn(
          { topic, partition, settled: settlement.settledPrefix, total: batch.messages.length },
          'batch left unfinished (shutdown or seek); the rest is replayed later',
        );
      }
    } finally {
      clearInterval(beat);
    }
  }

  /** Finishes the batch in hand (or gives up at `abortAfterMs`), commits, leaves the group. */
  async stop(abortAfterMs: number): Promise<void> {
    const timer = setTimeout(() => this.#abort.abort(), abortAfterMs);
    try {
      await this.#consumer.stop();
      await this.#consumer.disconnect();
    } finally {
      clearTimeout(timer);
    }
  }
}
