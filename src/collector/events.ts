/**
 * What the collector core reports, as a typed interface it is given (style.md §5): the core
 * never touches metrics or logs directly for these. Names are nouns + past-tense verbs.
 * Hot-path counts are reported per read pass or per batch, never per line.
 */
import type { KiverError } from '../errors.js';
import type { CloseReason, ReleaseReason } from './tail-state.js';

export interface CollectorEvents {
  fileWatched(path: string, resumedAtOffset: number, from: 'checkpoint' | 'beginning' | 'end'): void;
  fileClosed(path: string, reason: CloseReason): void;
  fileReleased(path: string, reason: ReleaseReason, bytesUnread: number): void;
  fileUnreadable(path: string, reason: string): void;
  fileRotated(from: string, to: string | null): void;
  fileTruncated(path: string, sizeNow: number, offsetBefore: number): void;
  /** The copytruncate copy of a truncated file was found; `unreadBytes` of it are read first. */
  copyFound(path: string, copyPath: string, unreadBytes: number): void;
  /**
   * No copy of a truncated file was found: the lines between our last read and the truncation
   * are lost — at least `lostBytes` (what the file was last seen to hold past our offset).
   */
  copyMissing(path: string, lostBytes: number): void;
  inodeReused(path: string): void;
  bytesRead(bytes: number, events: number): void;
  eventsFlagged(truncated: number, invalidUtf8: number, partial: number): void;
  /**
   * Events read again after a restart that the previous run had already handed to Kafka
   * (between its checkpoint's acknowledged offset and its `sent` offset): possible
   * duplicates. Whether Kafka kept the first copy is unknown here.
   */
  eventsResent(count: number): void;
  /** An event too large for the broker was cut to fit (`truncated` flag). */
  eventCutToFit(topic: string, bytesBefore: number, bytesAfter: number): void;
  batchAcknowledged(events: number, bytes: number): void;
  sendFailed(errorType: string, message: string): void;
  sendRetried(): void;
  kafkaStateChanged(up: boolean, reason: string): void;
  /**
   * Kafka refused our credentials or certificate, or its certificate is not trusted: retrying
   * cannot help until the configuration changes. Reported once per episode; the producer
   * keeps its records and goes on retrying, `kiver collect` stops (exit code 2).
   */
  accessRefused(error: KiverError): void;
  checkpointWritten(entries: number): void;
  checkpointWriteFailed(error: KiverError): void;
  watchLimitReached(path: string): void;
  watchError(path: string, code: string): void;
}

/** An implementation that ignores everything (tests, library use). */
export const noopEvents: CollectorEvents = {
  fileWatched: () => undefined,
  fileClosed: () => undefined,
  fileReleased: () => undefined,
  fileUnreadable: () => undefined,
  fileRotated: () => undefined,
  fileTruncated: () => undefined,
  copyFound: () => undefined,
  copyMissing: () => undefined,
  inodeReused: () => undefined,
  bytesRead: () => undefined,
  eventsFlagged: () => undefined,
  eventsResent: () => undefined,
  eventCutToFit: () => undefined,
  batchAcknowledged: () => undefined,
  sendFailed: () => undefined,
  sendRetried: () => undefined,
  kafkaStateChanged: () => undefined,
  accessRefused: () => undefined,
  checkpointWritten: () => undefined,
  checkpointWriteFailed: () => undefined,
  watchLimitReached: () => undefined,
  watchError: () => undefined,
};

/** Calls every listener in turn (metrics and the log both listen). */
export function fanOut(...listeners: CollectorEvents[]): CollectorEvents {
  const out = {} as Record<keyof CollectorEvents, (...args: never[]) => void>;
  for (const name of Object.keys(noopEvents) as (keyof CollectorEvents)[]) {
    out[name] = (...args: never[]) => {
      for (const l of listeners) (l[name] as (...a: never[]) => void)(...args);
    };
  }
  return out as unknown as CollectorEvents;
}
