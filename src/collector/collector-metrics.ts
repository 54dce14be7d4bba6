/**
 * Prometheus metrics for the collector, fed by CollectorEvents plus a live view of the
 * files for gauges. Label values come from small fixed sets; the per-file lag gauge keeps
 * only the `top_n` most lagging files, so label cardinality stays bounded on hosts with
 * tens of thousands of files.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CollectorEvents } from './events.js';

export interface FileLagView {
  path: string;
  lagBytes: number;
}

export interface CollectorGaugeSource {
  filesWatched(): number;
  filesOpen(): number;
  /** Every tracked file's lag (size minus acknowledged offset). */
  lags(): Iterable<FileLagView>;
  inFlightBytes(): number;
  kafkaUp(): boolean;
}

export function collectorMetrics(
  registry: Registry,
  source: CollectorGaugeSource,
  topN = 20,
): CollectorEvents {
  const p = 'kiver_collector_';
  const counter = (name: string, help: string, labelNames: string[] = []): Counter<string> =>
    new Counter({ name: p + name, help, labelNames, registers: [registry] });
  const bytesRead = counter('bytes_read_total', 'Bytes read from files.');
  const eventsRead = counter(
    'events_read_total',
    'Events (lines or joined multi-line events) read from files.',
  );
  const resent = counter(
    'events_resent_total',
    'Events read again after a restart that the previous run had already sent (as of its last ' +
      'checkpoint) but that were not acknowledged: possible duplicates in Kafka; the normalizer ' +
      "counts those it finds already indexed (409 on create) as 'duplicate'.",
  );
  const cutToFit = counter(
    'events_cut_to_fit_total',
    "Events larger than the broker's message size limit, cut so they fit (flagged truncated).",
  );
  const eventsAcked = counter('events_acknowledged_total', 'Events Kafka acknowledged (acks=all).');
  const bytesAcked = counter('acknowledged_bytes_total', 'Encoded bytes Kafka acknowledged.');
  const sendErrors = counter('send_errors_total', 'Failed sends to Kafka, by error type.', ['error_type']);
  const retries = counter('send_retries_total', 'Batches sent again after a failure.');
  const flagged = counter('events_flagged_total', 'Events carrying a reading flag.', ['flag']);
  const truncates = counter(
    'copytruncates_total',
    'Files that shrank below the read offset (copytruncate); reading restarted at 0.',
  );
  const copiesFound = counter(
    'copytruncate_copies_read_total',
    'Truncated files whose copy (app.log.1, app.log-<date>, ...) was found and read past our offset first.',
  );
  const copyUnread = counter(
    'copytruncate_unread_bytes_total',
    'Bytes known to be lost because a truncated file had no copy we could find (a lower bound).',
  );
  const rotations = counter('rotations_total', 'Files renamed away from their path (rename rotation).');
  const reused = counter(
    'inode_reuses_total',
    'Files found on a known inode whose first bytes differ (a new file).',
  );
  const unreadable = counter(
    'unreadable_files_total',
    'Files that could not be read (not regular, permission, I/O error).',
  );
  const released = counter('files_released_total', 'Files no longer followed, by reason.', ['reason']);
  const unreadBytes = counter(
    'released_unread_bytes_total',
    'Bytes a file still had unread when it had to be released.',
  );
  const closed = counter(
    'files_closed_total',
    'File handles closed while the file stays followed, by reason.',
    ['reason'],
  );
  const ckWrites = counter('checkpoint_writes_total', 'Durable checkpoint writes.');
  const ckErrors = counter('checkpoint_write_errors_total', 'Failed checkpoint writes.');
  const ckWritable = new Gauge({
    name: p + 'checkpoint_writable',
    help: '1 when the last checkpoint write succeeded, 0 while writes fail (reading goes on; the write is retried).',
    registers: [registry],
  });
  ckWritable.set(1);
  const watchErrors = counter('watch_errors_total', 'File-system watch errors, by code.', ['code']);

  new Gauge({
    name: p + 'files_watched',
    help: 'Files followed.',
    registers: [registry],
    collect() {
      this.set(source.filesWatched());
    },
  });
  new Gauge({
    name: p + 'files_open',
    help: 'Files with an open handle.',
    registers: [registry],
    collect() {
      this.set(source.filesOpen());
    },
  });
  new Gauge({
    name: p + 'in_flight_bytes',
    help: 'Encoded bytes handed to the sender and not yet acknowledged.',
    registers: [registry],
    collect() {
      this.set(source.inFlightBytes());
    },
  });
  new Gauge({
    name: p + 'kafka_up',
    help: '1 when the last send to Kafka succeeded.',
    registers: [registry],
    collect() {
      this.set(source.kafkaUp() ? 1 : 0);
    },
  });
  const totalLag = new Gauge({
    name: p + 'lag_bytes',
    help: 'Sum over files of size minus acknowledged offset.',
    registers: [registry],
  });
  new Gauge({
    name: p + 'file_lag_bytes',
    help: `Lag of the ${topN} most lagging files (bounded cardinality).`,
    labelNames: ['path'],
    registers: [registry],
    collect() {
      this.reset();
      let total = 0;
      const top: FileLagView[] = [];
      for (const l of source.lags()) {
        total += l.lagBytes;
        if (l.lagBytes <= 0) continue;
        if (top.length < topN) top.push(l);
        else {
          let min = 0;
          for (let i = 1; i < top.length; i++) if (top[i]!.lagBytes < top[min]!.lagBytes) min = i;
          if (top[min]!.lagBytes < l.lagBytes) top[min] = l;
        }
      }
      totalLag.set(total);
      for (const l of top) this.set({ path: l.path }, l.lagBytes);
    },
  });

  return {
    fileWatched: () => undefined,
    fileClosed: (_path, reason) => closed.inc({ reason }),
    fileReleased: (_path, reason, bytesUnread) => {
      released.inc({ reason });
      if (bytesUnread > 0) unreadBytes.inc(bytesUnread);
    },
    fileUnreadable: () => unreadable.inc(),
    fileRotated: () => rotations.inc(),
    fileTruncated: () => truncates.inc(),
    copyFound: () => copiesFound.inc(),
    copyMissing: (_path, lostBytes) => copyUnread.inc(lostBytes),
    inodeReused: () => reused.inc(),
    bytesRead: (bytes, events) => {
      bytesRead.inc(bytes);
      eventsRead.inc(events);
    },
    eventsFlagged: (t, i, partial) => {
      if (t) flagged.inc({ flag: 'truncated' }, t);
      if (i) flagged.inc({ flag: 'invalid_utf8' }, i);
      if (partial) flagged.inc({ flag: 'partial' }, partial);
    },
    eventsResent: (n) => resent.inc(n),
    eventCutToFit: () => cutToFit.inc(),
    batchAcknowledged: (events, bytes) => {
      eventsAcked.inc(events);
      bytesAcked.inc(bytes);
    },
    sendFailed: (errorType) => sendErrors.inc({ error_type: errorType }),
    sendRetried: () => retries.inc(),
    kafkaStateChanged: () => undefined,
    checkpointWritten: () => {
      ckWrites.inc();
      ckWritable.set(1);
    },
    checkpointWriteFailed: () => {
      ckErrors.inc();
      ckWritable.set(0);
    },
    watchLimitReached: () => watchErrors.inc({ code: 'ENOSPC' }),
    watchError: (_path, code) => watchErrors.inc({ code }),
  };
}
