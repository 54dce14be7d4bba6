/**
 * What one `_bulk` item's result means for us, decided by a pure function over the response
 * (style guide §5, Vector's `retry.rs`). The elasticsearch-js helper retries only 429 per item
 * and drops the rest; we also retry transient 5xx and cluster blocks, because dropping is not
 * an option (guarantee 1), and send only permanent refusals to the dead-letter topic.
 */

/** The shape of one item of a `_bulk` response, as far as we read it. */
export interface BulkItemResult {
  status: number;
  _id?: string | null;
  error?: BulkItemError;
}

export interface BulkItemError {
  type: string;
  reason?: string | null;
  caused_by?: { type?: string; reason?: string | null } | null;
  [key: string]: unknown;
}

/** Bounded set of reasons a document can be dead-lettered for (a metric label). */
export type DeadLetterClass =
  'decode' | 'pipeline_error' | 'mapping' | 'too_large' | 'rejected' | 'retries_exhausted' | 'serialize';

export type ItemOutcome =
  | { kind: 'indexed'; duplicate: boolean }
  | { kind: 'retry'; status: number; errorType: string; bounded: boolean }
  | { kind: 'dead-letter'; status: number; errorType: string; reason: string; class: DeadLetterClass };

const MAPPING_ERRORS = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
  'illegal_argument_exception',
]);

/** One line for the dead-letter record and the log: the error and its cause. */
export function describeError(error: BulkItemError | undefined): string {
  if (!error) return 'no error detail';
  const head = `${error.type}: ${error.reason ?? ''}`.trim();
  const cause = error.caused_by?.reason
    ? ` (caused by ${error.caused_by.type ?? 'error'}: ${error.caused_by.reason})`
    : '';
  return (head + cause).slice(0, 4096);
}

/** Per-item classification. `attempt` counts the tries so far for this document (1 = first). */
export function itemOutcome(item: BulkItemResult): ItemOutcome {
  const { status } = item;
  if (status >= 200 && status < 300) return { kind: 'indexed', duplicate: false };
  const errorType = item.error?.type ?? 'unknown';
  // `create` with our deterministic id: the document is already there.
  if (status === 409 && (errorType === 'version_conflict_engine_exception' || errorType === 'unknown')) {
    return { kind: 'indexed', duplicate: true };
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return { kind: 'retry', status, errorType, bounded: false };
  }
  // A write block (read-only index, closed index, flood-stage disk) lifts when an operator
  // acts: wait for it rather than dead-letter every document meanwhile.
  if (errorType === 'cluster_block_exception' || errorType === 'index_closed_exception') {
    return { kind: 'retry', status, errorType, bounded: false };
  }
  // A 500 on one item is usually transient (a shard failing over) but can be a bug that
  // repeats forever: retry a few times, then dead-letter so one document cannot stall a partition.
  if (status >= 500) return { kind: 'retry', status, errorType, bounded: true };
  const reason = describeError(item.error);
  if (
    status === 413 ||
    /too large|too_long|immense term|exceeds.*(length|size)|max_content_length/i.test(reason)
  ) {
    return { kind: 'dead-letter', status, errorType, reason, class: 'too_large' };
  }
  if (MAPPING_ERRORS.has(errorType))
    return { kind: 'dead-letter', status, errorType, reason, class: 'mapping' };
  return { kind: 'dead-letter', status, errorType, reason, class: 'rejected' };
}
