import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { patchKafkajsIdleLoop } from '../../../src/config/kafkajs-idle-patch.js';

test('the kafkajs idle 1 ms timer loop is patched: no timer with nothing pending, 10 ms with something pending', () => {
  assert.equal(patchKafkajsIdleLoop(), true);
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
    prototype: { scheduleCheckPendingRequests(this: unknown): void };
  };
  const idle = { throttledUntil: -1, pending: [], throttleCheckTimeoutId: null, checkPendingRequests() {} };
  RequestQueue.prototype.scheduleCheckPendingRequests.call(idle);
  assert.equal(idle.throttleCheckTimeoutId, null, 'no timer when idle');
  const busy = {
    throttledUntil: -1,
    pending: [1],
    throttleCheckTimeoutId: null as NodeJS.Timeout | null,
    checkPendingRequests() {},
  };
  RequestQueue.prototype.scheduleCheckPendingRequests.call(busy);
  assert.ok(busy.throttleCheckTimeoutId, 'a timer while requests wait');
  clearTimeout(busy.throttleCheckTimeoutId!);
});
