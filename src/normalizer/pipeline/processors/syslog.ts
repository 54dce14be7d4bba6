/**
 * `syslog`: parses an RFC 3164 file-style header (also rsyslog's high-precision ISO stamp)
 * or an RFC 5424 header, and leaves the rest in `message`.
 */
import { compileDateFormat } from '../date/formats.js';
import { MONTH_NUMBER_SOURCE, MONTH_WORD_SOURCE } from '../date/months.js';
import { resolveContextFor } from '../date/reference.js';
import { formatTimestamp, type ResolvedTime } from '../date/timestamp.js';
import { setPath, type EcsDocument } from '../document.js';
import { syslogSeverityLevel } from '../level.js';
import type { EventContext, ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

// The month as the host's locale prints it (`Mar`, `3月`, `Mär`, `déc.`, `мар`); ja/ko pad `3月`
// with a leading space.
const RFC3164 = new RegExp(
  `^(?:<(\\d{1,3})>)? ?((?:${MONTH_WORD_SOURCE}|${MONTH_NUMBER_SOURCE}) {1,2}\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?) +(\\S+) ?(.*)$`,
  's',
);
const TAG = /^([^\s[:(]+(?:\([^)]*\))?(?: \d[\w.-]*)?)(?:\[([^\]]*)\])?:(?: |$)/;
const RFC5424 =
  /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/s;

const CLASSIC_FORMATS = ['MMM d HH:mm:ss', 'MMM d HH:mm:ss.S', 'ISO8601'].map(compileDateFormat);
const ISO = compileDateFormat('ISO8601');

type Format = 'rfc3164' | 'rfc5424' | 'auto';

function setPriority(doc: EcsDocument, pri: string | undefined): void {
  if (pri === undefined) return;
  const priority = Number(pri);
  if (priority > 191) return;
  setPath(doc, 'log.syslog.priority', priority);
  setPath(doc, 'log.syslog.facility.code', Math.floor(priority / 8));
  setPath(doc, 'log.syslog.severity.code', priority % 8);
  const level = syslogSeverityLevel(priority % 8);
  if (level) setPath(doc, 'log.level', level);
}

function writeTime(
  doc: EcsDocument,
  ctx: EventContext,
  time: ResolvedTime | undefined,
  timezone: string,
): boolean {
  if (!time) return false;
  setPath(doc, '@timestamp', formatTimestamp(time.ms));
  if (!time.zoned) setPath(doc, 'event.timezone', timezone);
  ctx.timestamp = { exact: time.zoned && time.hasDate && time.hasYear, ms: time.ms };
  return true;
}

function setProcess(doc: EcsDocument, name: string | undefined, pid: string | undefined): void {
  if (name && name !== '-') {
    setPath(doc, 'process.name', name);
    setPath(doc, 'log.syslog.appname', name);
  }
  if (pid && pid !== '-') {
    setPath(doc, 'log.syslog.procid', pid);
    if (/^\d+$/.test(pid)) setPath(doc, 'process.pid', Number(pid));
  }
}

function parse5424(doc: EcsDocument, text: string, ctx: EventContext, timezone: string): string | undefined {
  const m = RFC5424.exec(text);
  if (!m) return 'not an RFC 5424 header';
  const [, pri, stamp, host, app, procid, msgid, sd, msg] = m;
  setPriority(doc, pri);
  setPath(doc, 'log.syslog.version', 1);
  if (
    stamp !== '-' &&
    !writeTime(doc, ctx, ISO.parse(stamp as string, resolveContextFor(ctx, timezone)), timezone)
  ) {
    return `bad RFC 5424 timestamp '${stamp}'`;
  }
  if (host !== '-') {
    setPath(doc, 'host.name', host);
    setPath(doc, 'log.syslog.hostname', host);
  }
  setProcess(doc, app, procid);
  if (msgid !== '-') setPath(doc, 'log.syslog.msgid', msgid);
  if (sd !== '-') setPath(doc, 'log.syslog.structured_data', sd);
  setPath(doc, 'message', (msg ?? '').replace(/^\uFEFF/, ''));
  return undefined;
}

function parse3164(doc: EcsDocument, text: string, ctx: EventContext, timezone: string): string | undefined {
  const m = RFC3164.exec(text);
  if (!m) return 'not an RFC 3164 header';
  const [, pri, stamp, host, rest] = m;
  const resolve = resolveContextFor(ctx, timezone);
  const normalisedStamp = (stamp as string).replace(/ {2,}/, ' ');
  let time: ResolvedTime | undefined;
  for (const format of CLASSIC_FORMATS) if ((time = format.parse(normalisedStamp, resolve))) break;
  if (!writeTime(doc, ctx, time, timezone)) return `bad syslog timestamp '${stamp}'`;
  setPriority(doc, pri);
  setPath(doc, 'host.name', host);
  setPath(doc, 'log.syslog.hostname', host);
  const tag = TAG.exec(rest as string);
  if (tag) {
    setProcess(doc, tag[1], tag[2]);
    setPath(doc, 'message', (rest as string).slice(tag[0].length));
  } else {
    setPath(doc, 'message', rest);
  }
  return undefined;
}

export const syslogProcessor: ProcessorFactory = (options, compile) => {
  const field = options.string('field') ?? 'message';
  const ignoreMissing = options.boolean('ignore_missing', false);
  const format = (options.string('format') ?? 'auto') as Format;
  if (!['rfc3164', 'rfc5424', 'auto'].includes(format))
    throw options.error('format', 'must be rfc3164, rfc5424 or auto');
  const timezone = compile.timezone;
  return {
    run(doc, ctx) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const text = (source as { text: string }).text;
      const use5424 = format === 'rfc5424' || (format === 'auto' && /^<\d{1,3}>1 /.test(text));
      return use5424 ? parse5424(doc, text, ctx, timezone) : parse3164(doc, text, ctx, timezone);
    },
  };
};
