/**
 * `kiver parse`: a dry run of the normalizer. Raw lines (or, with --multiline, events joined
 * by the collector's multiline rules) from a file or stdin go through the pipelines; one ECS
 * document per event is written to stdout as NDJSON. Parse failures are data, not errors:
 * the exit code is 0 whatever they are; only a bad argument exits 2.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { repairUtf8 } from '../collector/decoder.js';
import { LineSplitter } from '../collector/line-splitter.js';
import {
  DEFAULT_MULTILINE_RULE,
  MultilineJoiner,
  ruleForPath,
  type EventSink,
  type MultilineRule,
} from '../collector/multiline.js';
import { configFromArgs, configHelp, configOptions } from '../config/index.js';
import { resolvePipelinesDir } from './pipelines-dir.js';
import { FLAG_INVALID_UTF8, FLAG_PARTIAL, flagNames } from '../schema/event-flags.js';
import { UsageError } from '../errors.js';
import { parseCommandArgs } from './args.js';
import {
  defaultPipelinesDir,
  isValidTimeZone,
  loadPipelineSet,
  type EngineInput,
  type PipelineSet,
} from '../normalizer/pipeline/index.js';

const help = `usage: kiver parse [options] [FILE|-]

Runs raw log lines through the pipelines and writes one ECS document per event to stdout
(NDJSON, each with event.original). Reads stdin when FILE is '-' or absent. Exits 0 when it
parsed what it could, whatever the parse failures; 2 on a bad argument.

      --pipeline NAME         force one pipeline instead of choosing by path and content
      --path PATH             file path used to choose the pipeline (default: FILE's absolute path)
      --pipelines-dir DIR     folder of pipeline files (default: the shipped pipelines/)
      --timezone ZONE         zone for zone-less timestamps when a pipeline names none (default UTC)
      --multiline             join lines into events with the collector's multiline rule
                              (default rule: indented lines, 'at ', 'Caused by:', '... N more'
                              continue the event before them; container parts are joined)
      --multiline-start RE    with --multiline: a line matching RE starts an event, others continue it
      --collected-at ISO      collection time for year/date inference (default: now)
      --host NAME             host.name for events that carry none
      --stats                 print events, parse failures and the failure rate to stderr
${configHelp}
                              (with a configuration, --multiline applies collector.multiline's
                              rule for the path, and its pipelines folder, zone and limits)
  -h, --help                  this text

One line is one event unless --multiline is given (also for files): a dry run should show
exactly what it was given; the collector applies its multiline rules before the normalizer.
`;

export interface ParseOptions {
  pipeline?: string;
  path?: string;
  multiline: boolean;
  multilineStart?: string;
  /** The rule --multiline applies (default: the collector's built-in one). */
  multilineRule?: MultilineRule;
  collectedAt: number;
  host?: string;
  /** Longer lines are cut and flagged, as collector.max_event_bytes does (default 256 KiB). */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

export interface ParseSummary {
  events: number;
  failed: number;
  dropped: number;
  noTimestamp: number;
}

/** One assembled event before parsing. */
export interface RawEvent {
  text: string;
  offset: number;
  flags: string[];
}

/** Turns physical lines into events: one per line, or joined by multiline rules. */
interface EventAssembler {
  push: EventSink;
  /** The chunk the last lines came from may be reused now. */
  endOfChunk(): void;
  /** Emits what is held (end of input). */
  flush(): void;
}

/** An event's UTF-8 bytes as text, U+FFFD for invalid bytes, flagged as the collector would. */
function rawEvent(buf: Buffer, start: number, end: number, offset: number, bits: number): RawEvent {
  const invalid = repairUtf8(buf, start, end) !== null;
  return {
    text: buf.toString('utf8', start, end),
    offset,
    flags: flagNames(invalid ? bits | FLAG_INVALID_UTF8 : bits),
  };
}

function lineAssembler(onEvent: (event: RawEvent) => void): EventAssembler {
  return {
    push: (buf, start, end, offset, _length, bits) => onEvent(rawEvent(buf, start, end, offset, bits)),
    endOfChunk: () => undefined,
    flush: () => undefined,
  };
}

/** The collector's joiner (src/collector/multiline.ts), so `parse` sees what the collector sends. */
function multilineAssembler(
  start: string | undefined,
  baseRule: MultilineRule,
  onEvent: (event: RawEvent) => void,
): EventAssembler {
  const rule: MultilineRule = start === undefined ? baseRule : { ...baseRule, start, continuation: null };
  const joiner = new MultilineJoiner(rule, (buf, s, e, offset, _length, bits) =>
    onEvent(rawEvent(buf, s, e, offset, bits)),
  );
  return {
    push: (buf, s, e, offset, length, bits) => joiner.push(buf, s, e, offset, length, bits),
    endOfChunk: () => joiner.endOfChunk(),
    flush: () => joiner.flush(),
  };
}

/**
 * Parses a byte stream; `write` gets one NDJSON line per document and may return a promise
 * to apply backpressure. Lines are split as the collector splits them (a trailing `\r` is
 * dropped, a line over `maxEventBytes` is cut and flagged `truncated`).
 */
export async function parseStream(
  set: PipelineSet,
  input: Readable,
  options: ParseOptions,
  write: (ndjsonLine: string) => void | Promise<void>,
): Promise<ParseSummary> {
  const summary: ParseSummary = { events: 0, failed: 0, dropped: 0, noTimestamp: 0 };
  const pending: RawEvent[] = [];
  const assembler = options.multiline
    ? multilineAssembler(options.multilineStart, options.multilineRule ?? DEFAULT_MULTILINE_RULE, (e) =>
        pending.push(e),
      )
    : lineAssembler((e) => pending.push(e));
  const emitPending = async (): Promise<void> => {
    for (const event of pending.splice(0)) {
      const engineInput: EngineInput = {
        message: event.text,
        path: options.path,
        host: options.host,
        collectedAt: options.collectedAt,
        offset: event.offset,
        flags: event.flags,
      };
      const output = set.process(engineInput, { pipeline: options.pipeline });
      summary.events++;
      if (output.dropped) {
        summary.dropped++;
        continue;
      }
      if (output.failed) summary.failed++;
      const tags = output.doc['tags'];
      if (Array.isArray(tags) && tags.includes('_no_timestamp')) summary.noTimestamp++;
      await write(JSON.stringify(output.doc) + '\n');
    }
  };
  const splitter = new LineSplitter(options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    splitter.push(buf, 0, buf.length, assembler.push);
    assembler.endOfChunk();
    if (pending.length > 0) await emitPending();
  }
  // A last line without a newline is an event of its own, as the collector's partial-line timeout makes it.
  splitter.flushPartial((buf, s, e, offset, length, bits) =>
    assembler.push(buf, s, e, offset, length, bits & ~FLAG_PARTIAL),
  );
  assembler.flush();
  await emitPending();
  return summary;
}

function writeToStdout(line: string): void | Promise<void> {
  if (process.stdout.write(line)) return;
  return new Promise((resolveDrain) => process.stdout.once('drain', () => resolveDrain()));
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('parse', {
    args: argv,
    allowPositionals: true,
    options: {
      ...configOptions,
      pipeline: { type: 'string' },
      path: { type: 'string' },
      'pipelines-dir': { type: 'string' },
      timezone: { type: 'string' },
      multiline: { type: 'boolean' },
      'multiline-start': { type: 'string' },
      'collected-at': { type: 'string' },
      host: { type: 'string' },
      stats: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`only one FILE may be given, got ${positionals.length}.`);
  const file = positionals[0] ?? '-';
  let collectedAt = Date.now();
  if (values['collected-at'] !== undefined) {
    collectedAt = Date.parse(values['collected-at']);
    if (Number.isNaN(collectedAt))
      throw new UsageError(`--collected-at '${values['collected-at']}' is not an ISO-8601 time.`);
  }
  if (values['multiline-start'] !== undefined) {
    if (!values.multiline) throw new UsageError('--multiline-start needs --multiline.');
    try {
      new RegExp(values['multiline-start']);
    } catch (error) {
      throw new UsageError(
        `--multiline-start is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) {
    throw new UsageError(
      `--timezone '${values.timezone}' is not a known time zone.`,
      'Use an IANA name such as Europe/Berlin, or UTC.',
    );
  }
  if (file !== '-') {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`cannot read '${file}': no such file.`);
  }
  // With --config, parse as the deployed collector and workers would: their multiline rule
  // for this path, their pipelines folder, zone and limits.
  const config = values.config !== undefined || values.set !== undefined ? configFromArgs(values) : null;
  const pipelinesDir =
    values['pipelines-dir'] ??
    (config ? resolvePipelinesDir(config.normalizer.pipelines_dir) : defaultPipelinesDir());
  const set = await loadPipelineSet(pipelinesDir, {
    timezone: values.timezone ?? config?.normalizer.timezone,
    ...(config
      ? {
          keepEventOriginal: config.normalizer.keep_event_original,
          maxMessageBytes: config.normalizer.max_message_bytes,
        }
      : {}),
  });
  const eventPath = values.path ?? (file === '-' ? undefined : resolve(file));
  const multilineRule =
    config && eventPath !== undefined
      ? ruleForPath(config.collector.multiline, eventPath)
      : DEFAULT_MULTILINE_RULE;
  if (values.pipeline !== undefined && !set.has(values.pipeline)) {
    throw new UsageError(`no pipeline named '${values.pipeline}'.`, `Loaded: ${set.names.join(', ')}.`);
  }
  const input = file === '-' ? process.stdin : createReadStream(file);
  const summary = await parseStream(
    set,
    input,
    {
      pipeline: values.pipeline,
      path: eventPath,
      multiline: values.multiline ?? false,
      multilineRule,
      multilineStart: values['multiline-start'],
      collectedAt,
      host: values.host,
      maxEventBytes: config?.collector.max_event_bytes,
    },
    writeToStdout,
  );
  if (values.stats) {
    const rate = summary.events === 0 ? 0 : (100 * summary.failed) / summary.events;
    process.stderr.write(
      `kiver parse: ${summary.events} events, ${summary.failed} with parse failures (${rate.toFixed(1)}%), ` +
        `${summary.noTimestamp} without timestamp, ${summary.dropped} dropped\n`,
    );
  }
  return 0;
}
