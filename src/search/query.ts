/**
 * Builds the Elasticsearch query of `kiver search` from its options. Pure, so it is unit
 * tested without a cluster.
 */
import { UsageError } from '../errors.js';
import { parseTime } from '../config/time.js';

export interface SearchOptions {
  /** Free text, in simple_query_string syntax, matched against `message`. */
  text?: string | undefined;
  levels?: readonly string[] | undefined;
  datasets?: readonly string[] | undefined;
  hosts?: readonly string[] | undefined;
  services?: readonly string[] | undefined;
  containers?: readonly string[] | undefined;
  /** Lower bound of @timestamp, ISO or epoch ms (inclusive). */
  since?: string | undefined;
  /** Upper bound of @timestamp (exclusive). */
  until?: string | undefined;
  size: number;
}

/** Level words accepted by --level, with what each means in the indexed data. */
export const LEVELS = ['trace', 'debug', 'info', 'notice', 'warn', 'error', 'critical', 'fatal'] as const;

/** `--level warn+` means warn and everything more severe. */
export function expandLevels(levels: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of levels) {
    const value = raw.toLowerCase();
    const atLeast = value.endsWith('+');
    const name = atLeast ? value.slice(0, -1) : value;
    const index = (LEVELS as readonly string[]).indexOf(name);
    if (index < 0) {
      throw new UsageError(
        `--level '${raw}' is not a level.`,
        `Use one of ${LEVELS.join(', ')}, optionally with + (warn+).`,
      );
    }
    for (const level of atLeast ? LEVELS.slice(index) : [name]) out.add(level);
  }
  return [...out];
}

function terms(field: string, values: readonly string[] | undefined): object[] {
  if (!values || values.length === 0) return [];
  const exact = values.filter((v) => !v.includes('*'));
  const wildcards = values.filter((v) => v.includes('*'));
  const should: object[] = [];
  if (exact.length > 0) should.push({ terms: { [field]: exact } });
  for (const w of wildcards) should.push({ wildcard: { [field]: { value: w } } });
  return [{ bool: { should, minimum_should_match: 1 } }];
}

export interface SearchRequestBody {
  size: number;
  sort: object[];
  query: { bool: { filter: object[]; must: object[] } };
  search_after?: unknown[];
  track_total_hits: boolean;
}

export function buildSearchBody(options: SearchOptions, now: number = Date.now()): SearchRequestBody {
  const filter: object[] = [
    ...terms('log.level', options.levels && expandLevels(options.levels)),
    ...terms('event.dataset', options.datasets),
    ...terms('host.name', options.hosts),
    ...terms('service.name', options.services),
    ...terms('container.id', options.containers),
  ];
  const range: Record<string, string> = {};
  if (options.since) range.gte = parseTime(options.since, now, '--since');
  if (options.until) range.lt = parseTime(options.until, now, '--until');
  if (Object.keys(range).length > 0) filter.push({ range: { '@timestamp': range } });
  const must: object[] = [];
  if (options.text && options.text.trim() !== '') {
    must.push({ simple_query_string: { query: options.text, fields: ['message'], default_operator: 'and' } });
  }
  return {
    size: options.size,
    // Events of one millisecond from one file keep their file order.
    sort: [{ '@timestamp': { order: 'desc' } }, { 'log.offset': { order: 'desc', unmapped_type: 'long' } }],
    query: { bool: { filter, must } },
    track_total_hits: true,
  };
}
