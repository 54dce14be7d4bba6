import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  failureOutcome,
  responseOutcome,
  type BulkResponse,
} from '../../../src/normalizer/indexer/bulk-outcome.js';
import { BOUNDED_ITEM_ATTEMPTS } from '../../../src/normalizer/indexer/retry.js';

const items = (n: number): { ref: number }[] => Array.from({ length: n }, (_, ref) => ({ ref }));

/** A scripted `_bulk` answer: one `create` result per item, `errors` as Elasticsearch sets it. */
function answer(...results: { status: number; type?: string }[]): BulkResponse {
  return {
    errors: results.some((r) => r.status >= 300),
    items: results.map((r) => ({
      create: {
        status: r.status,
        ...(r.type ? { error: { type: r.type, reason: `${r.type} reason` } } : {}),
      },
    })),
  };
}

test('no errors: every item indexed, nothing again', () => {
  const out = responseOutcome(items(3), { errors: false }, new Map());
  assert.deepEqual(
    out.finals.map((f) => f.kind),
    ['indexed', 'indexed', 'indexed'],
  );
  assert.equal(out.again.length, 0);
});

test('a partial failure: 201, 409 duplicate, 429, mapping conflict, 503 on the item', () => {
  const out = responseOutcome(
    items(5),
    answer(
      { status: 201 },
      { status: 409, type: 'version_conflict_engine_exception' },
      { status: 429, type: 'es_rejected_execution_exception' },
      { status: 400, type: 'mapper_parsing_exception' },
      { status: 503, type: 'unavailable_shards_exception' },
    ),
    new Map(),
  );
  assert.deepEqual(
    out.finals.map((f) => [
      f.ref,
      f.kind,
      f.kind === 'indexed' ? f.duplicate : f.kind === 'dead-letter' ? f.class : '',
    ]),
    [
      [0, 'indexed', false],
      [1, 'indexed', true],
      [3, 'dead-letter', 'mapping'],
    ],
  );
  assert.deepEqual(
    out.again.map((i) => i.ref),
    [2, 4],
    '429 and 503 go again',
  );
});

test('an item missing from the answer goes again; a 5xx item is dead-lettered after the bounded attempts', () => {
  const attempts = new Map<number, number>();
  let again = items(1);
  for (let round = 1; round < BOUNDED_ITEM_ATTEMPTS; round++) {
    const out = responseOutcome(again, answer({ status: 500, type: 'internal' }), attempts);
    assert.equal(out.finals.length, 0, `round ${round}`);
    again = out.again;
  }
  const last = responseOutcome(again, answer({ status: 500, type: 'internal' }), attempts);
  assert.equal(last.finals[0]?.kind, 'dead-letter');
  assert.equal(last.finals[0]?.kind === 'dead-letter' && last.finals[0].class, 'retries_exhausted');
  const missing = responseOutcome(
    items(2),
    { errors: true, items: [{ create: { status: 201 } }] },
    new Map(),
  );
  assert.deepEqual(
    missing.again.map((i) => i.ref),
    [1],
  );
});

test('a request without an answer: 429 and 5xx retry, 413 splits, one document too large or a 400 dead-letter', () => {
  assert.deepEqual(failureOutcome(items(4), { kind: 'status', status: 429, detail: '' }), {
    kind: 'retry',
    cause: 'overloaded',
    unreachable: false,
  });
  assert.deepEqual(failureOutcome(items(4), { kind: 'unreachable', detail: 'ECONNREFUSED' }), {
    kind: 'retry',
    cause: 'unreachable',
    unreachable: true,
  });
  const split = failureOutcome(items(5), { kind: 'status', status: 413, detail: '' });
  assert.equal(split.kind, 'split');
  if (split.kind === 'split') {
    assert.deepEqual(
      [split.first.map((i) => i.ref), split.second.map((i) => i.ref)],
      [
        [0, 1, 2],
        [3, 4],
      ],
    );
  }
  const alone = failureOutcome(items(1), { kind: 'status', status: 413, detail: '' });
  assert.equal(
    alone.kind === 'final' && alone.finals[0]?.kind === 'dead-letter' && alone.finals[0].class,
    'too_large',
  );
  const refused = failureOutcome(items(2), { kind: 'status', status: 400, detail: 'bad body' });
  assert.equal(refused.kind, 'final');
  if (refused.kind === 'final') {
    assert.deepEqual(
      refused.finals.map((f) => (f.kind === 'dead-letter' ? [f.ref, f.class, f.status] : null)),
      [
        [0, 'rejected', 400],
        [1, 'rejected', 400],
      ],
    );
  }
});
