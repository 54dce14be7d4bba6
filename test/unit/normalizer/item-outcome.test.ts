import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError, itemOutcome } from '../../../src/normalizer/indexer/item-outcome.js';

test('201 is indexed, 409 on create is an earlier copy (still success)', () => {
  assert.deepEqual(itemOutcome({ status: 201 }), { kind: 'indexed', duplicate: false });
  assert.deepEqual(
    itemOutcome({
      status: 409,
      error: { type: 'version_conflict_engine_exception', reason: 'document already exists' },
    }),
    { kind: 'indexed', duplicate: true },
  );
});

test('429 and 502/503/504 are retried without bound', () => {
  for (const status of [429, 502, 503, 504]) {
    const o = itemOutcome({ status, error: { type: 'es_rejected_execution_exception' } });
    assert.equal(o.kind, 'retry');
    assert.equal(o.kind === 'retry' && o.bounded, false);
  }
});

test('a 500 is retried a bounded number of times', () => {
  const o = itemOutcome({ status: 500, error: { type: 'null_pointer_exception' } });
  assert.deepEqual(o, { kind: 'retry', status: 500, errorType: 'null_pointer_exception', bounded: true });
});

test('write blocks wait for the operator instead of dead-lettering', () => {
  const o = itemOutcome({
    status: 403,
    error: {
      type: 'cluster_block_exception',
      reason: 'index [x] blocked by: [FORBIDDEN/8/index write (api)]',
    },
  });
  assert.equal(o.kind, 'retry');
});

test('mapping conflicts are dead-lettered with the reason and its cause', () => {
  const o = itemOutcome({
    status: 400,
    error: {
      type: 'document_parsing_exception',
      reason: '[1:40] failed to parse field [process.pid] of type [long]',
      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
    },
  });
  assert.equal(o.kind, 'dead-letter');
  assert.equal(o.kind === 'dead-letter' && o.class, 'mapping');
  assert.match(
    o.kind === 'dead-letter' ? o.reason : '',
    /process\.pid.*caused by illegal_argument_exception: For input string/,
  );
});

test('other refusals are dead-lettered as rejected; too-large ones as too_large', () => {
  assert.equal(
    (
      itemOutcome({ status: 400, error: { type: 'action_request_validation_exception', reason: 'bad' } }) as {
        class: string;
      }
    ).class,
    'rejected',
  );
  assert.equal(
    (
      itemOutcome({
        status: 400,
        error: {
          type: 'illegal_argument_exception',
          reason:
            'Document contains at least one immense term ... bytes can be at most 32766 in length; got 40000',
        },
      }) as { class: string }
    ).class,
    'too_large',
  );
});

test('describeError is bounded', () => {
  assert.ok(describeError({ type: 't', reason: 'x'.repeat(10000) }).length <= 4096);
  assert.equal(describeError(undefined), 'no error detail');
});
