/**
 * Level normalisation: every spelling in the level table of docs log-formats.md maps to one
 * of eight canonical names. Look-ups are case-insensitive except the single letters, whose
 * case carries meaning only in upper case (capnslog, klog).
 */
export const CANONICAL_LEVELS = [
  'trace',
  'debug',
  'info',
  'notice',
  'warn',
  'error',
  'critical',
  'fatal',
] as const;
export type CanonicalLevel = (typeof CANONICAL_LEVELS)[number];

const SPELLINGS: Record<CanonicalLevel, readonly string[]> = {
  trace: ['trace', 'trac', 'finer', 'finest', 'trc'],
  debug: ['debug', 'debu', 'dbg', 'fine', 'config'],
  info: ['info', 'inf', 'note', 'information', 'informational', 'audit'],
  notice: ['notice', 'system'],
  warn: ['warn', 'warning', 'wrn'],
  error: ['error', 'erro', 'err', 'severe'],
  critical: ['critical', 'crit', 'sec', 'alert', 'crt'],
  fatal: ['fatal', 'fata', 'panic', 'pani', 'dpanic', 'emerg', 'emergency', 'ftl'],
};

const LETTERS: Record<string, CanonicalLevel> = {
  T: 'trace',
  D: 'debug',
  I: 'info',
  N: 'notice',
  W: 'warn',
  E: 'error',
  C: 'critical',
  F: 'fatal',
};

const BY_SPELLING = new Map<string, CanonicalLevel>();
for (const level of CANONICAL_LEVELS)
  for (const spelling of SPELLINGS[level]) BY_SPELLING.set(spelling, level);

/** Every multi-letter spelling, for the grok LOGLEVEL pattern. */
export function levelSpellings(): string[] {
  return [...BY_SPELLING.keys()];
}

export type LevelScheme = 'default' | 'ceph' | 'syslog';

/** Ceph's own journald mapping (src/common/Journald.cc, map_prio). */
function cephPriority(priority: number): CanonicalLevel {
  if (priority < 0) return 'error';
  if (priority === 0) return 'warn';
  if (priority < 5) return 'notice';
  if (priority < 10) return 'info';
  return 'debug';
}

/** RFC 5424 severity codes 0..7. */
const SYSLOG_SEVERITY: readonly CanonicalLevel[] = [
  'fatal',
  'critical',
  'critical',
  'error',
  'warn',
  'notice',
  'info',
  'debug',
];

export function syslogSeverityLevel(code: number): CanonicalLevel | undefined {
  return SYSLOG_SEVERITY[code];
}

export function normaliseLevel(
  value: unknown,
  scheme: LevelScheme = 'default',
  extra?: ReadonlyMap<string, CanonicalLevel>,
): CanonicalLevel | undefined {
  if (typeof value === 'number') return levelFromNumber(value, scheme);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (extra) {
    const mapped = extra.get(text) ?? extra.get(text.toLowerCase());
    if (mapped) return mapped;
  }
  if (/^-?\d+$/.test(text)) return levelFromNumber(Number(text), scheme);
  if (text.length === 1) return LETTERS[text] ?? LETTERS[text.toUpperCase()];
  return BY_SPELLING.get(text.toLowerCase());
}

function levelFromNumber(value: number, scheme: LevelScheme): CanonicalLevel | undefined {
  if (!Number.isInteger(value)) return undefined;
  if (scheme === 'ceph') return cephPriority(value);
  if (scheme === 'syslog') return syslogSeverityLevel(value);
  return undefined;
}

export function isCanonicalLevel(value: string): value is CanonicalLevel {
  return (CANONICAL_LEVELS as readonly string[]).includes(value);
}
