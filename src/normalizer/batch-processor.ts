/**
 * One Kafka batch (one partition) from raw bytes to settled records: decode (Avro), run the
 * pipelines, serialise with a deterministic id, index through the bulk driver, dead-letter
 * what cannot be indexed, and report the settled prefix so the caller can commit it.
 *
 * Memory stays bounded: documents are serialised as they are made and handed to the bulk
 * driver request by request; at most `bulk_concurrency` requests are in flight plus the one
 * being filled, and the batch itself is bounded by the consumer's fetch sizes.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import {
  FINGERPRINT_HEADER,
  headerString,
  type RawRecord,
  type RawRecordCodec,
} from '../schema/raw-record.js';
import {
  buildDeadLetter,
  deadLetterMessage,
  type DeadLetterCause,
  type DeadLetterWriter,
} from './dead-letter.js';
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
import { Settlement } from './settlement.js';

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

/** A dead letter waiting for Kafka's acknowledgement before its record counts as settled. */
interface Letter {
  ref: number;
  cls: DeadLetterClass;
  message: Message;
}

/** Per record: what we know when its document's fate is decided. */
interface Pending {
  message: KafkaMessage;
  dataset: string;
  pipeline: string;
  index: string;
  id: string;
  collectedAt: number;
}

export async function processBatch(
  ctx: BatchContext,
  batch: BatchInput,
  hooks: BatchHooks,
): Promise<Settlement> {
  const { messages } = batch;
  const settlement = new Settlement(messages.map((m) => m.offset));
  const builder = new RequestBuilder(ctx.maxBulkBytes, ctx.maxBulkDocs);
  // Indexed by ref (position in the batch): cheaper than a Map for a dense range of keys.
  const pending: (Pending | undefined)[] = new Array<Pending | undefined>(messages.length);
  const inFlight: Promise<void>[] = [];
  let letters: Letter[] = [];
  ctx.events.consumed(batch.topic, messages.length);

  const letterFor = (ref: number, message: KafkaMessage, cause: DeadLetterCause): Letter => {
    const fingerprint = headerString(message.headers?.[FINGERPRINT_HEADER]) ?? null;
    const letter = buildDeadLetter(
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key ?? null,
        value: message.value ?? null,
        schemaFingerprint: fingerprint,
      },
      cause,
      ctx.groupId,
    );
    return { ref, cls: cause.class, message: deadLetterMessage(letter, message.key ?? null) };
  };
  const deadLetter = (ref: number, message: KafkaMessage, cause: DeadLetterCause): void => {
    letters.push(letterFor(ref, message, cause));
  };

  const settleLetters = async (batchOfLetters: Letter[]): Promise<void> => {
    if (batchOfLetters.length === 0) return;
    if (
      await ctx.deadLetters.send(
        batchOfLetters.map((l) => l.message),
        hooks.signal,
      )
    ) {
      for (const l of batchOfLetters) {
        settlement.settle(l.ref);
        ctx.events.deadLettered(l.cls, 1);
      }
    }
  };

  const onFinals = async (finals: BulkItemFinal[], early: Letter[]): Promise<void> => {
    const byDataset = new Map<string, { count: number; duplicates: number }>();
    const now = Date.now();
    const late: Letter[] = [];
    for (const final of finals) {
      const p = pending[final.ref];
      if (!p) continue;
      if (final.kind === 'indexed') {
        settlement.settle(final.ref);
        const stats = byDataset.get(p.dataset) ?? { count: 0, duplicates: 0 };
        stats.count += 1;
        if (final.duplicate) stats.duplicates += 1;
        byDataset.set(p.dataset, stats);
        ctx.events.endToEndDelay((now - p.collectedAt) / 1000);
        pending[final.ref] = undefined;
      } else if (final.kind === 'dead-letter') {
        late.push(
          letterFor(final.ref, p.message, {
            class: final.class,
            reason: final.reason,
            status: final.status,
            errorType: final.errorType,
            pipeline: p.pipeline,
            dataset: p.dataset,
            index: p.index,
            documentId: p.id,
          }),
        );
        pending[final.ref] = undefined;
      }
      // 'aborted': stays unsettled and uncommitted; a later run replays it.
    }
    for (const [dataset, stats] of byDataset) ctx.events.indexed(dataset, stats.count, stats.duplicates);
    await settleLetters([...early, ...late]);
    hooks.progress(settlement);
  };

  const submit = async (items: BulkItem[] | null): Promise<void> => {
    const early = letters;
    letters = [];
    if (!items) {
      if (early.length > 0) inFlight.push(settleLetters(early).then(() => hooks.progress(settlement)));
      return;
    }
    // Backpressure: do not build the next request before one of the in-flight ones finishes.
    await ctx.indexer.capacity();
    inFlight.push(ctx.indexer.submit(items, hooks.signal).then((finals) => onFinals(finals, early)));
  };

  for (let ref = 0; ref < messages.length; ref++) {
    if (hooks.shouldStop() || hooks.signal.aborted) break;
    const message = messages[ref] as KafkaMessage;
    let record: RawRecord;
    try {
      record = ctx.codec.decode(message.value, headerString(message.headers?.[FINGERPRINT_HEADER]));
    } catch (error) {
      deadLetter(ref, message, { class: 'decode', reason: (error as Error).message });
      continue;
    }
    const collectedAt = Number(record.collected_at);
    // Interim: runs of one event only (what collectors of this commit write); the worker
    // learns runs of several events next.
    const event = record.events.length === 1 ? record.events[0]! : null;
    if (!event) {
      deadLetter(ref, message, { class: 'decode', reason: `a run of ${record.events.length} events` });
      continue;
    }
    let result;
    try {
      result = ctx.engine.process({
        message: event.message,
        path: record.path,
        host: record.host,
        collectedAt,
        offset: Number(event.offset),
        fields: record.fields,
        flags: event.flags,
      });
    } catch (error) {
      // The engine promises not to throw; if it does, the record still has to go somewhere.
      deadLetter(ref, message, {
        class: 'pipeline_error',
        reason: `pipeline engine failed: ${String((error as Error)?.message ?? error)}`,
      });
      continue;
    }
    if (result.dropped) {
      ctx.events.dropped(result.pipeline);
      settlement.settle(ref);
      continue;
    }
    if (result.failed) ctx.events.parseFailed(result.pipeline);
    const index = targetIndex(ctx.mode, {
      dataset: result.dataset,
      namespace: ctx.namespace,
      timestamp: result.doc['@timestamp'],
      collectedAt,
    });
    const id = documentId(record.host, record.file, Number(event.offset));
    const item = prepareItem(ref, index, id, result.doc);
    if ('error' in item) {
      deadLetter(ref, message, {
        class: 'serialize',
        reason: item.error,
        pipeline: result.pipeline,
        dataset: result.dataset,
        index,
        documentId: id,
      });
      continue;
    }
    pending[ref] = { message, dataset: result.dataset, pipeline: result.pipeline, index, id, collectedAt };
    const full = builder.add(item);
    if (full) await submit(full);
  }
  await submit(builder.flush());
  await Promise.all(inFlight);
  hooks.progress(settlement);
  return settlement;
}
