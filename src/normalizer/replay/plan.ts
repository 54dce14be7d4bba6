/**
 * What a replay reads: per partition of the raw topic, the offsets from the first record at or
 * after `--from` up to (not including) the first record at or after `--to`, or up to the high
 * watermark seen at start. Pure, so the edge cases (empty partitions, a window past the end,
 * retention that deleted the start) are unit tested without a broker.
 */
import { UsageError } from '../../errors.js';

/** Offsets as kafkajs gives them: decimal strings. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  start: bigint;
  /** First offset not to read. */
  end: bigint;
}

export interface ReplayWindow {
  fromMs: number;
  /** Absent: up to what the topic holds when the replay starts. */
  toMs?: number | undefined;
}

/** Refuses a window that selects nothing by construction. */
export function checkWindow(window: ReplayWindow, now: number): void {
  if (window.toMs !== undefined && window.toMs <= window.fromMs) {
    throw new UsageError(
      `--to (${new Date(window.toMs).toISOString()}) is not after --from (${new Date(window.fromMs).toISOString()}).`,
      'Give a --to later than --from, or leave --to out to replay up to now.',
    );
  }
  if (window.fromMs > now) {
    throw new UsageError(
      `--from (${new Date(window.fromMs).toISOString()}) is in the future.`,
      'Give a time in the past, for example --from 2h or --from yesterday.',
    );
  }
}

/**
 * One range per partition that has something to read, ascending by partition. `starts` come
 * from offsets-for-times at `--from` and `ends` from offsets-for-times at `--to` (or the high
 * watermarks); kafkajs answers the high watermark where no record is that late, so a window
 * past the end is an empty range, never an error. `lows` (the log start offsets) clamp a start
 * that retention has deleted meanwhile.
 */
export function partitionRanges(
  starts: readonly PartitionOffset[],
  ends: readonly PartitionOffset[],
  lows: readonly PartitionOffset[] = [],
): PartitionRange[] {
  const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.offset)]));
  const lowOf = new Map(lows.map((l) => [l.partition, BigInt(l.offset)]));
  const ranges: PartitionRange[] = [];
  for (const s of [...starts].sort((a, b) => a.partition - b.partition)) {
    const end = endOf.get(s.partition);
    if (end === undefined) continue;
    const low = lowOf.get(s.partition) ?? 0n;
    const start = BigInt(s.offset) < low ? low : BigInt(s.offset);
    if (start < end) ranges.push({ partition: s.partition, start, end });
  }
  return ranges;
}

/** Records the ranges hold (an upper bound: compaction or transactions leave gaps). */
export function recordCount(ranges: readonly PartitionRange[]): number {
  return ranges.reduce((sum, r) => sum + Number(r.end - r.start), 0);
}

/** The part of a fetched batch inside the range, and whether the range is finished with it. */
export function clip<T extends { offset: string }>(
  range: PartitionRange,
  messages: readonly T[],
  nextOffset: bigint,
): { inRange: T[]; done: boolean } {
  const inRange = messages.filter((m) => {
    const o = BigInt(m.offset);
    return o >= range.start && o < range.end;
  });
  return { inRange, done: nextOffset >= range.end };
}
