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
import { itemOutcome, type BulkItemResult, type DeadLetterClass } from './item-outcome.js';
import {
  backoffDelay,
  BOUNDED_ITEM_ATTEMPTS,
  requestDecision,
  type BackoffPolicy,
  type RequestFailure,
} from './retry.js';

/** One document ready to send. `ref` is the caller's handle (position in its batch). */
export interface BulkItem {
  ref: number;
  index: string;
  id: string;
  /** The two NDJSON lines (action + source), each ending in `\n`. */
  payload: string;
  bytes: number;
}

export type BulkItemFinal =
  | { ref: number; kind: 'indexed'; duplicate: boolean }
  | {
      ref: number;
      kind: 'dead-letter';
      status: number;
      errorType: string;
      reason: string;
      class: DeadLetterClass;
    }
  /** Shutdown gave up waiting: not settled, must not be committed. */
  | { ref: number; kind: 'aborted' };

/** Thrown by a transport when a request did not get a usable `_bulk` response. */
export class BulkRequestFailure extends Error {
  constructor(readonly failure: RequestFailure) {
    super(failure.kind === 'unreachable' ? failure.detail : `HTTP ${failure.status}: ${failure.detail}`);
  }
}

export interface BulkResponse {
  errors: boolean;
  items?: Record<string, BulkItemResult>[];
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
  const action = actionPrefix(index) + (plainId ? '"' + id + '"' : JSON.stringify(id)) + '}}\n';
  // Counted piece by piece: measuring the concatenation would flatten (copy) it once more
  // before the request body is joined.
  const bytes =
    lastPrefixBytes +
    (plainId ? id.length + 5 : Buffer.byteLength(action, 'utf8') - lastPrefixBytes) +
    Buffer.byteLength(source, 'utf8') +
    1;
  return { ref, index, id, payload: action + source + '\n', bytes };
}

const PLAIN_ID = /^[A-Za-z0-9_-]*$/;

// `{"create":{"_index":"<index>","_id":` per index: a worker writes to a handful of indices,
// usually the same one many times in a row.
const actionPrefixes = new Map<string, { prefix: string; bytes: number }>();
let lastIndex: string | undefined;
let lastPrefix = '';
let lastPrefixBytes = 0;
/** The action line's start for `index`; sets `lastPrefixBytes` to its length in bytes. */
function actionPrefix(index: string): string {
  if (index === lastIndex) return lastPrefix;
  let entry = actionPrefixes.get(index);
  if (entry === undefined) {
    const prefix = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
    entry = { prefix, bytes: Buffer.byteLength(prefix, 'utf8') };
    if (actionPrefixes.size > 10_000) actionPrefixes.clear();
    actionPrefixes.set(index, entry);
  }
  lastIndex = index;
  lastPrefix = entry.prefix;
  lastPrefixBytes = entry.bytes;
  return lastPrefix;
}

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
    let pending = items;
    let retry = 0;
    // Halves waiting their turn after a 413 split.
    const later: BulkItem[][] = [];
    while (pending.length > 0 || later.length > 0) {
      if (pending.length === 0) pending = later.shift() ?? [];
      if (signal.aborted) break;
      let bytes = 0;
      const parts = new Array<string>(pending.length);
      for (let k = 0; k < pending.length; k++) {
        const item = pending[k] as BulkItem;
        parts[k] = item.payload;
        bytes += item.bytes;
      }
      const body = parts.join('');
      const started = performance.now();
      let response: BulkResponse;
      try {
        response = await this.transport.send(body, signal);
      } catch (error) {
        if (signal.aborted) break;
        if (!(error instanceof BulkRequestFailure)) throw error;
        this.#options.events.requestCompleted(
          (performance.now() - started) / 1000,
          pending.length,
          bytes,
          'failed',
        );
        const decision = requestDecision(error.failure);
        if (decision.kind === 'retry') {
          if (decision.unreachable) this.#options.events.reachability(false);
          this.#options.events.retried(decision.cause, pending.length);
          retry += 1;
          if (!(await this.#pause(retry, signal))) break;
          continue;
        }
        if (decision.kind === 'split' && pending.length > 1) {
          const half = Math.ceil(pending.length / 2);
          later.unshift(pending.slice(half));
          pending = pending.slice(0, half);
          continue;
        }
        const reason =
          decision.kind === 'dead-letter'
            ? decision.reason
            : 'the document alone exceeds the request size Elasticsearch accepts (HTTP 413)';
        const status = error.failure.kind === 'status' ? error.failure.status : 0;
        for (const item of pending) {
          finals.push({
            ref: item.ref,
            kind: 'dead-letter',
            status,
            errorType: 'request_refused',
            reason,
            class: decision.kind === 'split' ? 'too_large' : 'rejected',
          });
        }
        pending = [];
        continue;
      }
      this.#options.events.reachability(true);
      const again: BulkItem[] = [];
      const results = response.items ?? [];
      for (const [i, item] of pending.entries()) {
        const result = response.errors ? firstValue(results[i]) : undefined;
        if (!response.errors) {
          finals.push({ ref: item.ref, kind: 'indexed', duplicate: false });
          continue;
        }
        const outcome = result
          ? itemOutcome(result)
          : { kind: 'retry' as const, status: 0, errorType: 'missing_item', bounded: true };
        if (outcome.kind === 'indexed') {
          finals.push({ ref: item.ref, kind: 'indexed', duplicate: outcome.duplicate });
        } else if (outcome.kind === 'dead-letter') {
          finals.push({ ref: item.ref, ...outcome, kind: 'dead-letter' });
        } else {
          const tries = (attempts.get(item.ref) ?? 1) + 1;
          attempts.set(item.ref, tries);
          if (outcome.bounded && tries > BOUNDED_ITEM_ATTEMPTS) {
            finals.push({
              ref: item.ref,
              kind: 'dead-letter',
              status: outcome.status,
              errorType: outcome.errorType,
              reason: `still failing with HTTP ${outcome.status} (${outcome.errorType}) after ${BOUNDED_ITEM_ATTEMPTS} attempts`,
              class: 'retries_exhausted',
            });
          } else {
            again.push(item);
          }
        }
      }
      this.#options.events.requestCompleted(
        (performance.now() - started) / 1000,
        pending.length,
        bytes,
        again.length === 0 ? 'ok' : 'partial',
      );
      pending = again;
      if (again.length > 0) {
        this.#options.events.retried('item', again.length);
        retry += 1;
        if (!(await this.#pause(retry, signal))) break;
      } else {
        retry = 0;
      }
    }
    const settled = new Set(finals.map((f) => f.ref));
    for (const item of items) if (!settled.has(item.ref)) finals.push({ ref: item.ref, kind: 'aborted' });
    return finals;
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

function firstValue(entry: Record<string, BulkItemResult> | undefined): BulkItemResult | undefined {
  if (!entry) return undefined;
  for (const key in entry) return entry[key];
  return undefined;
}
