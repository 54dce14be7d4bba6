/**
 * One Kafka batch (one partition) from raw bytes to settled records: decode each record
 * (Avro; v1 is read as a run of one event), run the pipelines on each of its events,
 * serialise with a deterministic id, index through the bulk driver, dead-letter what cannot
 * be indexed — an event alone, with its file coordinates, never its whole record — and
 * report the settled prefix so the caller can commit it. A record is settled once every one
 * of its events is (`EventLedger`).
 *
 * Memory stays bounded: documents are serialised as they are made and handed to the bulk
 * driver request by request; at most `bulk_concurrency` requests are in flight plus the one
 * being filled, and the batch itself is bounded by the consumer's fetch sizes.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import {
  FINGERPRINT_HEADER,
  headerString,
  type RawEvent,
  type RawRecord,
  type RawRecordCodec,
} from '../schema/raw-record.js';
import {
  buildDeadLetter,
  deadLetterMessage,
  type DeadLetterCause,
  type DeadLetterEvent,
  type DeadLetterWriter,
} from './dead-letter.js';
import { EventLedger } from './event-ledger.js';
import { documentId } from './ids.js';
import { targetIndex, type IndexMode } from './index-naming.js';
import {
  prepareItem,
  RequestBuilder,
  type BulkIndexer,
  type BulkItem,
  type BulkItemFinal,
} from './indexer/bulk.js';
import type { DeadLetterClass } from './indexer/item-outcome.js';
import type { WorkerEvents } from './metrics.js';
import type { Engine } from './pipeline-port.js';
import type { Settlement } from './settlement.js';

export interface BatchContext {
  codec: RawRecordCodec;
  engine: Engine;
  indexer: BulkIndexer;
  deadLetters: Pick<DeadLetterWriter, 'send'>;
  events: WorkerEvents;
  mode: IndexMode;
  namespace: string;
  groupId: string;
  maxBulkBytes: number;
  maxBulkDocs: number;
}

export interface BatchInput {
  topic: string;
  partition: number;
  messages: readonly KafkaMessage[];
}

export interface BatchHooks {
  /** Aborts waiting (shutdown timeout): unsettled records stay uncommitted. */
  signal: AbortSignal;
  /** Called whenever the settled prefix grows (resolveOffset, heartbeat). */
  progress(settlement: Settlement): void;
  /** True when the rest of the batch must not be started (a seek made it stale). */
  shouldStop(): boolean;
}

/** A dead letter waiting for Kafka's acknowledgement before what it stands for is settled. */
interface Letter {
  /** Event ref, or the record's position when the record could not be read into events. */
  ref: number;
  wholeRecord: boolean;
  cls: DeadLetterClass;
  message: Message;
}

/** An event sent to Elasticsearch: what its dead letter needs if Elasticsearch refuses it. */
interface SentEvent {
  record: RawRecord;
  event: RawEvent;
  dataset: string;
  pipeline: string;
  index: string;
  id: string;
}

/** Runs one batch to its end; one instance per batch, so its state is its own. */
export class BatchRun {
  readonly #ledger: EventLedger;
  readonly #builder: RequestBuilder;
  /** By event ref: events handed to the bulk driver and not yet decided. */
  readonly #sent: (SentEvent | undefined)[] = [];
  readonly #inFlight: Promise<void>[] = [];
  /** Dead letters not yet handed to the writer; they go with the next request's outcome. */
  #letters: Letter[] = [];

  constructor(
    private readonly ctx: BatchContext,
    private readonly batch: BatchInput,
    private readonly hooks: BatchHooks,
  ) {
    this.#ledger = new EventLedger(batch.messages.map((m) => m.offset));
    this.#builder = new RequestBuilder(ctx.maxBulkBytes, ctx.maxBulkDocs);
  }

  async run(): Promise<Settlement> {
    const { messages } = this.batch;
    this.ctx.events.consumed(this.batch.topic, messages.length);
    let events = 0;
    for (let position = 0; position < messages.length; position++) {
      if (this.hooks.shouldStop() || this.hooks.signal.aborted) break;
      events += await this.#processRecord(position, messages[position] as KafkaMessage);
    }
    this.ctx.events.eventsConsumed(this.batch.topic, events);
    await this.#submit(this.#builder.flush());
    await Promise.all(this.#inFlight);
    this.hooks.progress(this.#ledger.settlement);
    return this.#ledger.settlement;
  }

  /** Decodes one record and hands its events on; returns how many events it held. */
  async #processRecord(position: number, message: KafkaMessage): Promise<number> {
    let record: RawRecord;
    try {
      record = this.ctx.codec.decode(message.value, headerString(message.headers?.[FINGERPRINT_HEADER]));
    } catch (error) {
      this.#letters.push(this.#recordLetter(position, message, (error as Error).message));
      return 0;
    }
    const first = this.#ledger.open(position, record.events.length);
    for (let i = 0; i < record.events.length; i++) {
      const full = this.#processEvent(first + i, message, record, record.events[i] as RawEvent);
      if (full) await this.#submit(full);
    }
    return record.events.length;
  }

  /** Parses one event into a bulk item; returns a full request when adding it closed one. */
  #processEvent(ref: number, message: KafkaMessage, record: RawRecord, event: RawEvent): BulkItem[] | null {
    const collectedAt = Number(record.collected_at);
    const offset = Number(event.offset);
    let result;
    try {
      result = this.ctx.engine.process({
        message: event.message,
        path: record.path,
        host: record.host,
        collectedAt,
        offset,
        fields: record.fields,
        flags: event.flags,
      });
    } catch (error) {
      // The engine promises not to throw; if it does, the event still has to go somewhere.
      const reason = `pipeline engine failed: ${String((error as Error)?.message ?? error)}`;
      this.#letters.push(this.#eventLetter(ref, message, record, event, { class: 'pipeline_error', reason }));
      return null;
    }
    if (result.dropped) {
      this.ctx.events.dropped(result.pipeline);
      this.#ledger.settleEvent(ref);
      return null;
    }
    if (result.failed) this.ctx.events.parseFailed(result.pipeline);
    const index = targetIndex(this.ctx.mode, {
      dataset: result.dataset,
      namespace: this.ctx.namespace,
      timestamp: result.doc['@timestamp'],
      collectedAt,
    });
    const id = documentId(record.host, record.file, offset);
    const item = prepareItem(ref, index, id, result.doc);
    const described = { pipeline: result.pipeline, dataset: result.dataset, index, documentId: id };
    if ('error' in item) {
      this.#letters.push(
        this.#eventLetter(ref, message, record, event, {
          class: 'serialize',
          reason: item.error,
          ...described,
        }),
      );
      return null;
    }
    this.#sent[ref] = { record, event, dataset: result.dataset, pipeline: result.pipeline, index, id };
    return this.#builder.add(item);
  }

  async #submit(items: BulkItem[] | null): Promise<void> {
    const early = this.#letters;
    this.#letters = [];
    if (!items) {
      if (early.length > 0) {
        this.#inFlight.push(
          this.#settleLetters(early).then(() => this.hooks.progress(this.#ledger.settlement)),
        );
      }
      return;
    }
    // Backpressure: do not build the next request before one of the in-flight ones finishes.
    await this.ctx.indexer.capacity();
    this.#inFlight.push(
      this.ctx.indexer.submit(items, this.hooks.signal).then((finals) => this.#onFinals(finals, early)),
    );
  }

  async #onFinals(finals: BulkItemFinal[], early: Letter[]): Promise<void> {
    const byDataset = new Map<string, { count: number; duplicates: number }>();
    const now = Date.now();
    const late: Letter[] = [];
    for (const final of finals) {
      const sent = this.#sent[final.ref];
      if (!sent) continue;
      if (final.kind === 'indexed') {
        this.#ledger.settleEvent(final.ref);
        const stats = byDataset.get(sent.dataset) ?? { count: 0, duplicates: 0 };
        stats.count += 1;
        if (final.duplicate) stats.duplicates += 1;
        byDataset.set(sent.dataset, stats);
        this.ctx.events.endToEndDelay((now - Number(sent.record.collected_at)) / 1000);
        this.#sent[final.ref] = undefined;
      } else if (final.kind === 'dead-letter') {
        const message = this.batch.messages[this.#ledger.recordOf(final.ref)] as KafkaMessage;
        late.push(
          this.#eventLetter(final.ref, message, sent.record, sent.event, {
            class: final.class,
            reason: final.reason,
            status: final.status,
            errorType: final.errorType,
            pipeline: sent.pipeline,
            dataset: sent.dataset,
            index: sent.index,
            documentId: sent.id,
          }),
        );
        this.#sent[final.ref] = undefined;
      }
      // 'aborted': stays unsettled and uncommitted; a later run replays its record.
    }
    for (const [dataset, stats] of byDataset) this.ctx.events.indexed(dataset, stats.count, stats.duplicates);
    await this.#settleLetters([...early, ...late]);
    this.hooks.progress(this.#ledger.settlement);
  }

  async #settleLetters(letters: Letter[]): Promise<void> {
    if (letters.length === 0) return;
    const acknowledged = await this.ctx.deadLetters.send(
      letters.map((l) => l.message),
      this.hooks.signal,
    );
    if (!acknowledged) return;
    for (const l of letters) {
      if (l.wholeRecord) this.#ledger.settleRecord(l.ref);
      else this.#ledger.settleEvent(l.ref);
      this.ctx.events.deadLettered(l.cls, 1);
    }
  }

  /** A record whose bytes are not a raw record: the only case its whole value is dead-lettered. */
  #recordLetter(position: number, message: KafkaMessage, reason: string): Letter {
    const letter = buildDeadLetter(
      {
        ...this.#source(message),
        value: message.value ?? null,
        schemaFingerprint: headerString(message.headers?.[FINGERPRINT_HEADER]) ?? null,
      },
      { class: 'decode', reason },
      null,
      this.ctx.groupId,
    );
    return {
      ref: position,
      wholeRecord: true,
      cls: 'decode',
      message: deadLetterMessage(letter, message.key ?? null),
    };
  }

  /**
   * One event that cannot become a document: its letter carries the event alone, re-encoded as
   * a raw record of one event in the current schema (so a replay decodes it like any record),
   * and its coordinates in the file.
   */
  #eventLetter(
    ref: number,
    message: KafkaMessage,
    record: RawRecord,
    event: RawEvent,
    cause: DeadLetterCause,
  ): Letter {
    const coordinates: DeadLetterEvent = {
      host: record.host,
      path: record.path,
      file: record.file,
      offset: Number(event.offset),
      length: Number(event.length),
    };
    const letter = buildDeadLetter(
      {
        ...this.#source(message),
        value: this.ctx.codec.encode({ ...record, events: [event] }),
        schemaFingerprint: this.ctx.codec.fingerprint,
      },
      cause,
      coordinates,
      this.ctx.groupId,
    );
    return {
      ref,
      wholeRecord: false,
      cls: cause.class,
      message: deadLetterMessage(letter, message.key ?? null),
    };
  }

  #source(message: KafkaMessage): {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string;
    key: Buffer | null;
  } {
    return {
      topic: this.batch.topic,
      partition: this.batch.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ?? null,
    };
  }
}

export function processBatch(ctx: BatchContext, batch: BatchInput, hooks: BatchHooks): Promise<Settlement> {
  return new BatchRun(ctx, batch, hooks).run();
}
