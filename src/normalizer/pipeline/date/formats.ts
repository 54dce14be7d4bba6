/**
 * Date formats of the `date` processor, compiled once at load into a regular expression and
 * an assembler. `ISO8601`, `UNIX` and `UNIX_MS` are built in; anything else is a pattern of
 * `yyyy yy MM MMM dd d HH H mm ss S… XXX Z EEE` with literals in single quotes.
 */
import { MONTH_NUMBER_SOURCE, MONTH_WORD_SOURCE, monthNumber } from './months.js';
import { parseOffsetMinutes } from './zone.js';
import { resolveTime, type ResolveContext, type ResolvedTime, type TimeFields } from './timestamp.js';

export interface DateFormat {
  readonly name: string;
  parse(text: string, ctx: ResolveContext): ResolvedTime | undefined;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const ISO_TIME_ONLY = /^(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

const iso8601: DateFormat = {
  name: 'ISO8601',
  parse(text, ctx) {
    const full = ISO_DATE_TIME.exec(text);
    if (full) {
      return resolveTime(
        {
          year: Number(full[1]),
          month: Number(full[2]),
          day: Number(full[3]),
          hour: Number(full[4] ?? 0),
          minute: Number(full[5] ?? 0),
          second: Number(full[6] ?? 0),
          fraction: full[7],
          offsetMinutes: full[8] === undefined ? undefined : parseOffsetMinutes(full[8]),
        },
        ctx,
      );
    }
    const clock = ISO_TIME_ONLY.exec(text);
    if (!clock) return undefined;
    return resolveTime(
      {
        hour: Number(clock[1]),
        minute: Number(clock[2]),
        second: Number(clock[3]),
        fraction: clock[4],
        offsetMinutes: clock[5] === undefined ? undefined : parseOffsetMinutes(clock[5]),
      },
      ctx,
    );
  },
};

const EPOCH = /^(-?)(\d{1,16})(?:\.(\d+))?$/;

/** Epoch text -> ms without going through a float, so fractions keep their digits. */
function epoch(text: string, unitDigits: 0 | 3): number | undefined {
  const match = EPOCH.exec(text);
  if (!match) return undefined;
  const whole = Number(match[2]);
  const fraction = match[3] ?? '';
  const ms = unitDigits === 0 ? whole * 1000 + Number((fraction + '000').slice(0, 3)) : whole;
  return match[1] === '-' ? -ms : ms;
}

const unixSeconds: DateFormat = {
  name: 'UNIX',
  parse(text) {
    const ms = epoch(text, 0);
    return ms === undefined ? undefined : { ms, zoned: true, hasDate: true, hasYear: true };
  },
};

const unixMillis: DateFormat = {
  name: 'UNIX_MS',
  parse(text) {
    const ms = epoch(text, 3);
    return ms === undefined ? undefined : { ms, zoned: true, hasDate: true, hasYear: true };
  },
};

type Assign = (fields: TimeFields, text: string) => boolean;

interface Token {
  source: string;
  assign?: Assign;
}

const numeric =
  (key: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', add = 0): Assign =>
  (fields, text) => {
    fields[key] = Number(text.trim()) + add;
    return true;
  };

const ZONE_SOURCE = '([Zz]|[+-]\\d{2}(?::?\\d{2})?)';

function tokenFor(letter: string, count: number, format: string): Token {
  switch (letter) {
    case 'y':
      if (count === 2) return { source: '(\\d{2})', assign: numeric('year', 2000) };
      if (count === 4) return { source: '(\\d{4})', assign: numeric('year') };
      break;
    case 'M':
      if (count <= 2) return { source: count === 1 ? '(\\d{1,2})' : '(\\d{2})', assign: numeric('month') };
      return {
        source: `(${MONTH_WORD_SOURCE}|${MONTH_NUMBER_SOURCE})`,
        assign: (fields, text) => {
          const month = monthNumber(text);
          if (month === undefined) return false;
          fields.month = month;
          return true;
        },
      };
    case 'd':
      if (count <= 2)
        return { source: count === 1 ? '( ?\\d{1,2})' : '(\\d{2}| \\d)', assign: numeric('day') };
      break;
    case 'H':
      if (count <= 2)
        return { source: count === 1 ? '( ?\\d{1,2})' : '(\\d{2}| \\d)', assign: numeric('hour') };
      break;
    case 'm':
      if (count === 2) return { source: '(\\d{2})', assign: numeric('minute') };
      break;
    case 's':
      if (count === 2) return { source: '(\\d{2})', assign: numeric('second') };
      break;
    case 'S':
      return {
        source: '(\\d{1,9})',
        assign: (fields, text) => {
          fields.fraction = text;
          return true;
        },
      };
    case 'X':
    case 'Z':
      return {
        source: ZONE_SOURCE,
        assign: (fields, text) => {
          fields.offsetMinutes = parseOffsetMinutes(text);
          return fields.offsetMinutes !== undefined;
        },
      };
    case 'E':
      return { source: '[A-Za-z]{3,9}' };
  }
  throw new Error(`unsupported '${letter.repeat(count)}' in date format '${format}'`);
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a pattern format; throws an Error with the reason when the format is invalid. */
export function compilePatternFormat(format: string): DateFormat {
  const tokens: Token[] = [];
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (ch === "'") {
      const close = format.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unclosed quote in date format '${format}'`);
      tokens.push({ source: escapeRegex(format.slice(i + 1, close)) });
      i = close + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (format[j] === ch) j++;
      tokens.push(tokenFor(ch, j - i, format));
      i = j;
    } else {
      // A `.` or `,` before a fraction accepts either separator (log4j writes `,SSS`).
      const beforeFraction = (ch === '.' || ch === ',') && format[i + 1] === 'S';
      tokens.push({ source: beforeFraction ? '[.,]' : escapeRegex(ch) });
      i++;
    }
  }
  const assigns = tokens.flatMap((t) => (t.assign ? [t.assign] : []));
  if (!tokens.some((t) => t.assign)) throw new Error(`date format '${format}' has no date or time field`);
  const regex = new RegExp(`^${tokens.map((t) => t.source).join('')}$`);
  const needsClock = /H/.test(format.replace(/'[^']*'/g, ''));
  return {
    name: format,
    parse(text, ctx) {
      const match = regex.exec(text);
      if (!match) return undefined;
      const fields: TimeFields = { hour: 0, minute: 0, second: 0 };
      for (let k = 0; k < assigns.length; k++) {
        if (!(assigns[k] as Assign)(fields, match[k + 1] as string)) return undefined;
      }
      if (!needsClock && fields.month === undefined) return undefined;
      if (fields.year !== undefined && fields.month === undefined) return undefined;
      return resolveTime(fields, ctx);
    },
  };
}

export function compileDateFormat(format: string): DateFormat {
  if (format === 'ISO8601') return iso8601;
  if (format === 'UNIX') return unixSeconds;
  if (format === 'UNIX_MS') return unixMillis;
  return compilePatternFormat(format);
}
