/**
 * Time-zone arithmetic over Intl (IANA names), plus `UTC` and fixed `±hh:mm` offsets that we
 * handle ourselves. Offsets are cached per zone and 15-minute bucket; a bucket is cached only
 * when its start and end agree, so a transition inside it is never smeared.
 */
const BUCKET_MS = 15 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
/** Zone name -> fixed offset in ms, or null for an IANA name (parsed once per name). */
const fixedOffsets = new Map<string, number | null>();

export function isValidTimeZone(zone: string): boolean {
  if (zone === 'UTC' || FIXED_OFFSET.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

function computeOffset(zone: string, utcMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const wholeSeconds = Math.floor(utcMs / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in ms (east positive). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  if (zone === 'UTC') return 0;
  let fixedMs = fixedOffsets.get(zone);
  if (fixedMs === undefined) {
    const fixed = FIXED_OFFSET.exec(zone);
    fixedMs = fixed
      ? (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000
      : null;
    if (fixedOffsets.size > 1000) fixedOffsets.clear();
    fixedOffsets.set(zone, fixedMs);
  }
  if (fixedMs !== null) return fixedMs;
  const bucket = Math.floor(utcMs / BUCKET_MS);
  let cache = offsetCache.get(zone);
  if (!cache) offsetCache.set(zone, (cache = new Map()));
  const cached = cache.get(bucket);
  if (cached !== undefined) return cached;
  const start = computeOffset(zone, bucket * BUCKET_MS);
  const end = computeOffset(zone, bucket * BUCKET_MS + BUCKET_MS - 1000);
  if (start !== end) return computeOffset(zone, utcMs);
  if (cache.size > 20_000) cache.clear();
  cache.set(bucket, start);
  return start;
}

/** Wall-clock fields in a zone -> the UTC instant (the earlier one in a DST fold). */
export function localToUtc(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const first = asUtc - zoneOffsetMs(zone, asUtc);
  return asUtc - zoneOffsetMs(zone, first);
}

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date of an instant in a zone. */
export function dateInZone(zone: string, utcMs: number): CalendarDate {
  const shifted = new Date(utcMs + zoneOffsetMs(zone, utcMs));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Parses `Z`, `±hh`, `±hhmm`, `±hh:mm` into minutes east of UTC. */
export function parseOffsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  if (minutes > 18 * 60) return undefined;
  return match[1] === '-' ? -minutes : minutes;
}
