/**
 * The `_bulk` driver: documents are serialised once into NDJSON, grouped into requests bounded
 * in bytes and documents, sent with at most `bulk_concurrency` requests in flight (p-queue),
 * and retried per request and per item until each document has a final outcome: indexed
 * (201, or 409 on `create` = already there) or dead-lettered with Elasticsearch's reason.
 * Nothing is dropped: retriable failures are retried without limit, and only an abort
 * (shutdown timeout) leaves documents unsettled, which the caller then does not commit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { failureOutcome, responseOutcome, type BulkItemFinal, type BulkResponse } from './bulk-outcome.js';
import { backoffDelay, type BackoffPolicy, type RequestFailure } from './retry.js';

export type { BulkItemFinal, BulkResponse } from './bulk-outcome.js';

/** One document ready to send. `ref` is the caller's handle (position in its batch). */
export interface BulkItem {
  ref: number;
  index: string;
  id: string;
  /** The two NDJSON lines (action + source), each ending in `\n`. */
  payload: string;
  bytes: number;
}

/** Thrown by a transport when a request did not get a usable `_bulk` response. */
export class BulkRequestFailure extends Error {
  constructor(readonly failure: RequestFailure) {
    super(failure.kind === 'unreachable' ? failure.detail : `HTTP ${failure.status}: ${failure.detail}`);
  }
}

/** Sends one NDJSON body to `_bulk`; throws BulkRequestFailure when there is no usable response. */
export interface BulkTransport {
  send(body: string, signal: AbortSignal): Promise<BulkResponse>;
}

export interface BulkEvents {
  requestCompleted(seconds: number, docs: number, bytes: number, result: 'ok' | 'partial' | 'failed'): void;
  retried(cause: string, docs: number): void;
  reachability(reachable: boolean): void;
}

export interface BulkOptions {
  maxBytes: number;
  maxDocs: number;
  concurrency: number;
  backoff: BackoffPolicy;
  events: BulkEvents;
  /** For tests: deterministic jitter. */
  random?: () => number;
}

/** Builds one bulk item; a document that cannot be serialised is reported, not thrown. */
export function prepareItem(
  ref: number,
  index: string,
  id: string,
  doc: Record<string, unknown>,
): BulkItem | { ref: number; error: string } {
  let source: string;
  try {
    source = JSON.stringify(doc);
  } catch (error) {
    return { ref, error: `document cannot be serialised to JSON: ${String(error)}` };
  }
  // Our ids are base64url (nothing to escape): quote them directly; anything else goes through JSON.
  const plainId = PLAIN_ID.test(id);
  const prefix = actionPrefixes.of(index);
  const action = prefix.text + (plainId ? '"' + id + '"' : JSON.stringify(id)) + '}}\n';
  // Counted piece by piece: measuring the concatenation would flatten (copy) it once more
  // before the request body is joined.
  const bytes =
    prefix.bytes +
    (plainId ? id.length + 5 : Buffer.byteLength(action, 'utf8') - prefix.bytes) +
    Buffer.byteLength(source, 'utf8') +
    1;
  return { ref, index, id, payload: action + source + '\n', bytes };
}

const PLAIN_ID = /^[A-Za-z0-9_-]*$/;

/**
 * `{"create":{"_index":"<index>","_id":` and its length in bytes, per index: a worker writes
 * to a handful of indices, usually the same one many times in a row, so the last one is kept
 * at hand and the others in a bounded map.
 */
class ActionPrefixes {
  readonly #byIndex = new Map<string, { text: string; bytes: number }>();
  #lastIndex: string | undefined;
  #last = { text: '', bytes: 0 };

  of(index: string): { text: string; bytes: number } {
    if (index === this.#lastIndex) return this.#last;
    let entry = this.#byIndex.get(index);
    if (entry === undefined) {
      const text = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
      entry = { text, bytes: Buffer.byteLength(text, 'utf8') };
      if (this.#byIndex.size > 10_000) this.#byIndex.clear();
      this.#byIndex.set(index, entry);
    }
    this.#lastIndex = index;
    this.#last = entry;
    return entry;
  }
}

const actionPrefixes = new ActionPrefixes();

/** Groups items into requests; a single item larger than the byte bound travels alone. */
export class RequestBuilder {
  #items: BulkItem[] = [];
  #bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxDocs: number,
  ) {}

  /** Adds an item; returns a full request when adding it would overflow the current one. */
  add(item: BulkItem): BulkItem[] | null {
    let full: BulkItem[] | null = null;
    if (
      this.#items.length > 0 &&
      (this.#bytes + item.bytes > this.maxBytes || this.#items.length >= this.maxDocs)
    ) {
      full = this.flush();
    }
    this.#items.push(item);
    this.#bytes += item.bytes;
    return full;
  }

  flush(): BulkItem[] | null {
    if (this.#items.length === 0) return null;
    const out = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return out;
  }
}

export class BulkIndexer {
  readonly #queue: PQueue;
  readonly #options: BulkOptions;
  readonly #random: () => number;

  constructor(
    private readonly transport: BulkTransport,
    options: BulkOptions,
  ) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  /** Resolves when another request may be queued without exceeding the in-flight bound. */
  async capacity(): Promise<void> {
    await this.#queue.onSizeLessThan(1);
  }

  /** Sends one request's items until each is final (or `signal` aborts). */
  submit(items: BulkItem[], signal: AbortSignal): Promise<BulkItemFinal[]> {
    return this.#queue.add(() => this.#deliver(items, signal));
  }

  async #deliver(items: BulkItem[], signal: AbortSignal): Promise<BulkItemFinal[]> {
    const finals: BulkItemFinal[] = [];
    const attempts = new Map<number, number>();
    // Requests still to send: the items, then halves of a request Elasticsearch found too large.
    const queue: BulkItem[][] = [items];
    let retry = 0;
    while (queue.length > 0 && !signal.aborted) {
      const pending = queue[0] as BulkItem[];
      const answer = await this.#attempt(pending, signal);
      if (answer === 'aborted') break;
      if ('failure' in answer) {
        const outcome = failureOutcome(pending, answer.failure);
        if (outcome.kind === 'retry') {
          if (outcome.unreachable) this.#options.events.reachability(false);
          this.#options.events.retried(outcome.cause, pending.length);
          if (!(await this.#pause(++retry, signal))) break;
        } else if (outcome.kind === 'split') {
          queue.splice(0, 1, outcome.first, outcome.second);
        } else {
          finals.push(...outcome.finals);
          queue.shift();
        }
        continue;
      }
      this.#options.events.reachability(true);
      const outcome = responseOutcome(pending, answer.response, attempts);
      finals.push(...outcome.finals);
      this.#options.events.requestCompleted(
        answer.seconds,
        pending.length,
        answer.bytes,
        outcome.again.length === 0 ? 'ok' : 'partial',
      );
      if (outcome.again.length === 0) {
        queue.shift();
        retry = 0;
        continue;
      }
      queue[0] = outcome.again;
      this.#options.events.retried('item', outcome.again.length);
      if (!(await this.#pause(++retry, signal))) break;
    }
    const settled = new Set(finals.map((f) => f.ref));
    for (const item of items) if (!settled.has(item.ref)) finals.push({ ref: item.ref, kind: 'aborted' });
    return finals;
  }

  /** Sends one request body; a failed request is counted here, an answered one by the caller. */
  async #attempt(
    pending: readonly BulkItem[],
    signal: AbortSignal,
  ): Promise<
    { response: BulkResponse; seconds: number; bytes: number } | { failure: RequestFailure } | 'aborted'
  > {
    let bytes = 0;
    const parts = new Array<string>(pending.length);
    for (let k = 0; k < pending.length; k++) {
      const item = pending[k] as BulkItem;
      parts[k] = item.payload;
      bytes += item.bytes;
    }
    const started = performance.now();
    try {
      const response = await this.transport.send(parts.join(''), signal);
      return { response, seconds: (performance.now() - started) / 1000, bytes };
    } catch (error) {
      if (signal.aborted) return 'aborted';
      if (!(error instanceof BulkRequestFailure)) throw error;
      this.#options.events.requestCompleted(
        (performance.now() - started) / 1000,
        pending.length,
        bytes,
        'failed',
      );
      return { failure: error.failure };
    }
  }

  /** Waits the backoff for retry number `retry`; false when aborted meanwhile. */
  async #pause(retry: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(backoffDelay(retry, this.#options.backoff, this.#random()), undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  async idle(): Promise<void> {
    await this.#queue.onIdle();
  }
}
