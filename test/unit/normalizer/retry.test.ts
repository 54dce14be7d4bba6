import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, requestDecision } from '../../../src/normalizer/indexer/retry.js';

const policy = { initialMs: 200, maxMs: 30_000 };

test('backoff doubles from the initial delay, with equal jitter', () => {
  assert.equal(backoffDelay(1, policy, 0), 100);
  assert.equal(backoffDelay(1, policy, 0.999999), 200);
  assert.equal(backoffDelay(2, policy, 0), 200);
  assert.equal(backoffDelay(4, policy, 1), 1600);
});

test('backoff is capped at the maximum, however many attempts', () => {
  assert.equal(backoffDelay(50, policy, 1), 30_000);
  assert.equal(backoffDelay(10_000, policy, 0), 15_000);
  for (let attempt = 1; attempt < 100; attempt++) {
    const d = backoffDelay(attempt, policy);
    assert.ok(d >= 100 && d <= 30_000, `attempt ${attempt}: ${d}`);
  }
});

test('unreachable, 429 and 5xx are retried; unreachable and 503 pause the partitions', () => {
  assert.deepEqual(requestDecision({ kind: 'unreachable', detail: 'ECONNREFUSED' }), {
    kind: 'retry',
    cause: 'unreachable',
    unreachable: true,
  });
  assert.deepEqual(requestDecision({ kind: 'status', status: 429, detail: '' }), {
    kind: 'retry',
    cause: 'overloaded',
    unreachable: false,
  });
  assert.deepEqual(requestDecision({ kind: 'status', status: 503, detail: '' }), {
    kind: 'retry',
    cause: 'server_error',
    unreachable: true,
  });
  assert.deepEqual(requestDecision({ kind: 'status', status: 500, detail: '' }), {
    kind: 'retry',
    cause: 'server_error',
    unreachable: false,
  });
});

test('auth failures wait for the fix; 413 splits; other 4xx dead-letter', () => {
  assert.equal(requestDecision({ kind: 'status', status: 401, detail: '' }).kind, 'retry');
  assert.deepEqual(requestDecision({ kind: 'status', status: 413, detail: '' }), { kind: 'split' });
  const d = requestDecision({ kind: 'status', status: 400, detail: 'malformed' });
  assert.equal(d.kind, 'dead-letter');
});
