/**
 * Retry decisions for whole `_bulk` requests, and the backoff schedule, as pure functions.
 * Attempts are unbounded for anything that says "later" (unreachable, 429, 5xx, auth while an
 * operator fixes it): a worker that gives up would lose data or stall anyway, and its
 * partitions are paused meanwhile so nothing piles up in memory.
 */

export type RequestFailure =
  { kind: 'unreachable'; detail: string } | { kind: 'status'; status: number; detail: string };

export type RequestDecision =
  /** Try the same request again after a backoff. `unreachable` pauses the partitions. */
  | { kind: 'retry'; cause: 'unreachable' | 'overloaded' | 'server_error' | 'auth'; unreachable: boolean }
  /** The request is too large for the server: split it in two (one document: dead-letter). */
  | { kind: 'split' }
  /** The request itself is refused for a reason retrying cannot fix: dead-letter its documents. */
  | { kind: 'dead-letter'; reason: string };

export function requestDecision(failure: RequestFailure): RequestDecision {
  if (failure.kind === 'unreachable') return { kind: 'retry', cause: 'unreachable', unreachable: true };
  const { status } = failure;
  if (status === 429) return { kind: 'retry', cause: 'overloaded', unreachable: false };
  if (status >= 500)
    return {
      kind: 'retry',
      cause: 'server_error',
      unreachable: status === 502 || status === 503 || status === 504,
    };
  // Credentials or privileges: every document would fail the same way, so dead-lettering them
  // all would turn an operator's typo into a flood. Wait, loudly, for the fix.
  if (status === 401 || status === 403) return { kind: 'retry', cause: 'auth', unreachable: true };
  if (status === 413) return { kind: 'split' };
  return {
    kind: 'dead-letter',
    reason: `_bulk request refused with HTTP ${status}: ${failure.detail}`.slice(0, 4096),
  };
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random, so
 * workers that failed together do not retry together, yet a retry never comes immediately.
 * `attempt` is 1 for the first retry. `random` in [0, 1) is injected for tests.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number = Math.random()): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/** Per-item 5xx retries before the document is dead-lettered (see item-outcome.ts). */
export const BOUNDED_ITEM_ATTEMPTS = 8;
