/**
 * Times given on the command line (`kiver search --since`, `kiver replay --from`): one parser,
 * so every command accepts the same forms and says the same thing about a bad one.
 */
import { UsageError } from '../errors.js';

const RELATIVE = /^-?(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DAY_MS = UNIT_MS.d!;
const ISO_DATE = /^\d{4}-\d\d-\d\d(?:$|[t ])/;

/** The start of the UTC day `daysAgo` days before `now`. */
function utcMidnight(now: number, daysAgo: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - daysAgo * DAY_MS;
}

const NAMED: Record<string, (now: number) => number> = {
  now: (now) => now,
  today: (now) => utcMidnight(now, 0),
  yesterday: (now) => utcMidnight(now, 1),
};

/**
 * Reads `15m`, `2h`, `3d` (ago, optionally written `-2h`), `now`, `today` or `yesterday`
 * (midnight UTC) or an ISO time; returns ms since the epoch.
 */
export function parseTimeMs(value: string, now: number, option: string): number {
  const text = value.trim().toLowerCase();
  const relative = RELATIVE.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const named = NAMED[text];
  if (named) return named(now);
  // Date.parse alone takes '5' or 'May' for a date in 2001: only ISO dates are let through.
  const ms = ISO_DATE.test(text) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${option} '${value}' is not a time.`,
      'Use a duration ago such as 15m, 2h or 3d, yesterday, today, or an ISO time such as 2026-11-25T08:00:00Z.',
    );
  }
  return ms;
}

/** `parseTimeMs` as an ISO string (what Elasticsearch range queries take). */
export function parseTime(value: string, now: number, option: string): string {
  return new Date(parseTimeMs(value, now, option)).toISOString();
}
