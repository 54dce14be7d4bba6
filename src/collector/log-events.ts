/**
 * The collector's log lines, driven by the same events as the metrics. Per-file routine
 * events are debug; problems an operator must act on are warn, once per occurrence or per
 * state change (never per line or per retry).
 */
import type { Logger } from '../observability/logger.js';
import type { CollectorEvents } from './events.js';

export function loggingEvents(log: Logger): CollectorEvents {
  let watchLimitWarned = false;
  return {
    fileWatched: (path, offset, from) => log.debug({ path, offset, from }, 'file watched'),
    fileClosed: (path, reason) => log.debug({ path, reason }, 'file handle closed'),
    fileReleased: (path, reason, bytesUnread) =>
      bytesUnread > 0
        ? log.warn(
            { path, reason, bytesUnread },
            'file released with unread bytes (it vanished while closed)',
          )
        : log.debug({ path, reason }, 'file released'),
    fileUnreadable: (path, reason) =>
      log.warn({ path, reason }, 'file cannot be read; skipped, the rest goes on'),
    fileRotated: (from, to) => log.debug({ from, to }, 'file rotated'),
    fileTruncated: (path, sizeNow, offsetBefore) =>
      log.info({ path, sizeNow, offsetBefore }, 'file truncated (copytruncate); reading again from 0'),
    copyFound: (path, copyPath, unreadBytes) =>
      log.info({ path, copyPath, unreadBytes }, 'copytruncate: reading the copy past our offset first'),
    copyMissing: (path, lostBytes) =>
      log.warn(
        { path, lostBytes },
        'copytruncate: no copy of the truncated file found; lines written after our last read are lost (at least lostBytes). Check collector.copytruncate_copies against the rotated names',
      ),
    inodeReused: (path) => log.info({ path }, 'inode reused by a new file; reading it from its start'),
    bytesRead: () => undefined,
    eventsFlagged: () => undefined,
    eventsResent: () => undefined,
    eventCutToFit: (topic, bytesBefore, bytesAfter) =>
      log.warn(
        { topic, bytesBefore, bytesAfter },
        "an event larger than the broker's message size limit was cut to fit and flagged truncated",
      ),
    batchAcknowledged: () => undefined,
    sendFailed: () => undefined,
    sendRetried: () => undefined,
    kafkaStateChanged: (up, reason) =>
      up
        ? log.info('Kafka reachable again; reading resumed')
        : log.warn({ reason }, 'Kafka unreachable; reading paused until it returns'),
    accessRefused: (error) =>
      log.error({ reason: error.message }, 'Kafka refused our credentials or certificate'),
    checkpointWritten: () => undefined,
    checkpointWriteFailed: (error) =>
      log.error({ err: error.message }, 'checkpoint write failed; will retry'),
    watchLimitReached: (path) => {
      if (watchLimitWarned) return;
      watchLimitWarned = true;
      log.warn(
        { path },
        'inotify watch limit reached: changes under some folders are seen only by the periodic rescan. ' +
          'Raise it: sysctl fs.inotify.max_user_watches=1048576 (and fs.inotify.max_user_instances=1024)',
      );
    },
    watchError: (path, code) => log.warn({ path, code }, 'watch error'),
  };
}
