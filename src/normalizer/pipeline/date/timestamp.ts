/**
 * Turns the pieces a date format captured into an instant, applying the contract's rules for
 * what is missing: no zone -> the configured zone; no year -> the reference year (minus one
 * when that lands more than a day after the reference); no date -> the reference date (minus
 * one day when that lands more than an hour after the reference).
 *
 * The reference is the collection time, or — for the inner line of a wrapped event (a daemon
 * line behind a syslog header) — the time of the layer around it, so that a partial inner
 * time is completed by the outer one instead of by the collection time. A layer's time is of
 * the same event, so a date-less inner clock takes the day that puts it nearest to it.
 */
import { dateInZone, localToUtc } from './zone.js';

export interface TimeFields {
  year?: number;
  month?: number;
  day?: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction digits as written (0-9 of them). */
  fraction?: string;
  /** Minutes east of UTC when the text carried a zone. */
  offsetMinutes?: number;
}

export interface ResolvedTime {
  ms: number;
  /** The text carried a zone (or was an epoch). */
  zoned: boolean;
  hasDate: boolean;
  hasYear: boolean;
}

export interface ResolveContext {
  /** The collection time, or the outer layer's time when `fromLayer` (ms). */
  collectedAt: number;
  timezone: string;
  /** `collectedAt` is the time of the layer wrapping this text, not the collection time. */
  fromLayer?: boolean;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function fractionToMillis(fraction: string | undefined): number {
  if (!fraction) return 0;
  // Truncate, never round: `.9999` must not become the next second.
  return Number((fraction + '00').slice(0, 3));
}

function offsetZone(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function validClock(f: TimeFields): boolean {
  return f.hour <= 23 && f.minute <= 59 && f.second <= 60;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (!(month >= 1 && month <= 12 && day >= 1) || !Number.isFinite(year)) return false;
  if (month !== 2) return day <= (DAYS_IN_MONTH[month - 1] as number);
  // Date.UTC maps years 0-99 to 1900-1999; the rule below is the same for both.
  const y = year >= 0 && year <= 99 ? year + 1900 : year;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return day <= (leap ? 29 : 28);
}

export function resolveTime(fields: TimeFields, ctx: ResolveContext): ResolvedTime | undefined {
  if (!validClock(fields)) return undefined;
  const zone = fields.offsetMinutes === undefined ? ctx.timezone : offsetZone(fields.offsetMinutes);
  const second = Math.min(fields.second, 59); // a leap second is kept inside its minute
  const millis = fractionToMillis(fields.fraction);
  const hasDate = fields.month !== undefined && fields.day !== undefined;
  const hasYear = fields.year !== undefined;
  const zoned = fields.offsetMinutes !== undefined;
  const at = (y: number, mo: number, d: number): number =>
    fields.offsetMinutes !== undefined
      ? Date.UTC(y, mo - 1, d, fields.hour, fields.minute, second, millis) - fields.offsetMinutes * 60_000
      : localToUtc(zone, y, mo, d, fields.hour, fields.minute, second, millis);

  if (hasDate && hasYear) {
    if (!validDate(fields.year as number, fields.month as number, fields.day as number)) return undefined;
    return {
      ms: at(fields.year as number, fields.month as number, fields.day as number),
      zoned,
      hasDate,
      hasYear,
    };
  }
  if (hasDate) {
    const month = fields.month as number;
    const day = fields.day as number;
    let year = dateInZone(zone, ctx.collectedAt).year;
    if (!validDate(year, month, day) && !validDate(year - 1, month, day)) return undefined;
    let ms = validDate(year, month, day) ? at(year, month, day) : Number.POSITIVE_INFINITY;
    if (ms > ctx.collectedAt + DAY_MS) {
      year -= 1;
      if (!validDate(year, month, day)) return undefined;
      ms = at(year, month, day);
    }
    // A line stamped just after new year, read just before it (clock skew): the next year.
    if (ms < ctx.collectedAt && validDate(year + 1, month, day)) {
      const next = at(year + 1, month, day);
      if (next <= ctx.collectedAt + DAY_MS) ms = next;
    }
    return { ms, zoned, hasDate, hasYear };
  }
  const today = dateInZone(zone, ctx.collectedAt);
  const onDay = (shift: number): number => {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day) + shift * DAY_MS);
    return at(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
  };
  let ms = onDay(0);
  if (ctx.fromLayer) {
    // Same event: the day within 12 h of the outer time (a clock just past midnight).
    if (ms > ctx.collectedAt + 12 * HOUR_MS) ms = onDay(-1);
    else if (ms <= ctx.collectedAt - 12 * HOUR_MS) ms = onDay(1);
  } else if (ms > ctx.collectedAt + HOUR_MS) {
    ms = onDay(-1);
  }
  return { ms, zoned, hasDate, hasYear };
}

// Events come in runs of the same second: the text up to the seconds is reused.
let cachedSecond = NaN;
let cachedPrefix = '';
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000; // 10000-01-01: toISOString widens the year

/** `@timestamp` text: ISO-8601 in UTC with milliseconds. */
export function formatTimestamp(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // `yyyy-MM-ddTHH:mm:ss.`
    cachedSecond = second;
  }
  const millis = ms - second * 1000;
  return cachedPrefix + (millis < 10 ? '00' : millis < 100 ? '0' : '') + millis + 'Z';
}
