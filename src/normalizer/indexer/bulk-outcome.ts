/**
 * What one `_bulk` attempt means for its items, as pure functions of the items and the answer:
 * which are final (indexed, dead-lettered) and which go again. The driver in bulk.ts only
 * sends, waits and loops; these decide. Unit tests drive them with scripted responses the way
 * elasticsearch-js tests its bulk helper.
 */
import { itemOutcome, type BulkItemResult, type DeadLetterClass } from './item-outcome.js';
import { BOUNDED_ITEM_ATTEMPTS, requestDecision, type RequestFailure } from './retry.js';

/** What the outcome functions need of an item. */
export interface Attempted {
  readonly ref: number;
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

export interface BulkResponse {
  errors: boolean;
  items?: Record<string, BulkItemResult>[];
}

/** An answered request: what is final, and what to send again after a backoff. */
export interface ResponseOutcome<T extends Attempted> {
  finals: BulkItemFinal[];
  again: T[];
}

/**
 * Sorts the items of an answered request. `attempts` counts, per ref, the attempts so far of
 * items that failed with a bounded retriable status (5xx on the item); it is updated.
 */
export function responseOutcome<T extends Attempted>(
  items: readonly T[],
  response: BulkResponse,
  attempts: Map<number, number>,
): ResponseOutcome<T> {
  const finals: BulkItemFinal[] = [];
  const again: T[] = [];
  if (!response.errors) {
    for (const item of items) finals.push({ ref: item.ref, kind: 'indexed', duplicate: false });
    return { finals, again };
  }
  const results = response.items ?? [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const result = firstValue(results[i]);
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
  return { finals, again };
}

/** A request that got no usable answer: retry it, split it, or dead-letter its items. */
export type FailureOutcome<T extends Attempted> =
  | { kind: 'retry'; cause: string; unreachable: boolean }
  | { kind: 'split'; first: T[]; second: T[] }
  | { kind: 'final'; finals: BulkItemFinal[] };

export function failureOutcome<T extends Attempted>(
  items: readonly T[],
  failure: RequestFailure,
): FailureOutcome<T> {
  const decision = requestDecision(failure);
  if (decision.kind === 'retry') {
    return { kind: 'retry', cause: decision.cause, unreachable: decision.unreachable };
  }
  if (decision.kind === 'split' && items.length > 1) {
    const half = Math.ceil(items.length / 2);
    return { kind: 'split', first: items.slice(0, half), second: items.slice(half) };
  }
  const reason =
    decision.kind === 'dead-letter'
      ? decision.reason
      : 'the document alone exceeds the request size Elasticsearch accepts (HTTP 413)';
  const status = failure.kind === 'status' ? failure.status : 0;
  const cls: DeadLetterClass = decision.kind === 'split' ? 'too_large' : 'rejected';
  return {
    kind: 'final',
    finals: items.map((item) => ({
      ref: item.ref,
      kind: 'dead-letter' as const,
      status,
      errorType: 'request_refused',
      reason,
      class: cls,
    })),
  };
}

function firstValue(entry: Record<string, BulkItemResult> | undefined): BulkItemResult | undefined {
  if (!entry) return undefined;
  for (const key in entry) return entry[key];
  return undefined;
}
