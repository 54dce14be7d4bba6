/**
 * A fix for kafkajs 2.2.4's idle timer loop, applied once by every module that creates a
 * kafkajs client (collector, normalizer, demo).
 */
import { createRequire } from 'node:module';

interface RequestQueueInternals {
  throttledUntil: number;
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const PATCHED = Symbol.for('kiver.kafkajs.idle-loop-fix');

/**
 * kafkajs 2.2.4 (its last release) re-arms a 1 ms timer forever once a connection has been
 * used, even with nothing pending (`scheduleCheckPendingRequests` with a negative delay;
 * tulios/kafkajs#1556, #1604, #1704, unmerged fixes #1667/#1768). For an idle collector that
 * was ~6% of a core per broker connection: ~870 wake-ups a second. The fix those pull
 * requests propose is applied to kafkajs' RequestQueue once: no timer when nothing is
 * pending and nothing is throttled (a fulfilled request checks the queue anyway). Exported
 * for its test; a kafkajs without that internal is left alone.
 */
export function patchKafkajsIdleLoop(): boolean {
  let RequestQueue: { prototype: RequestQueueInternals & { [PATCHED]?: true } } | undefined;
  try {
    RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js');
  } catch {
    return false;
  }
  const proto = RequestQueue?.prototype;
  if (!proto || typeof proto.scheduleCheckPendingRequests !== 'function') return false;
  if (proto[PATCHED]) return true;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : 10;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  proto[PATCHED] = true;
  return true;
}
