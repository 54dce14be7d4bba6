/** Renders search hits for a terminal (one line per event) or as NDJSON. */

export interface Hit {
  _id: string;
  _index: string;
  _source: Record<string, unknown>;
}

function get(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    const record = node as Record<string, unknown>;
    // Documents may hold dotted keys (flattened JSON) as well as nested objects.
    if (path in record && node === source) return record[path];
    node = record[part];
  }
  return node;
}

const LEVEL_COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[32m',
  notice: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  critical: '\x1b[35m',
  fatal: '\x1b[41;97m',
};
const RESET = '\x1b[0m';

export function formatHitLine(hit: Hit, colour: boolean): string {
  const s = hit._source;
  const time = String(get(s, '@timestamp') ?? '-');
  const levelValue = get(s, 'log.level');
  const level = typeof levelValue === 'string' ? levelValue : '-';
  const dataset = String(get(s, 'event.dataset') ?? '-');
  const host = String(get(s, 'host.name') ?? '-');
  const service = get(s, 'service.name');
  const where = service ? `${host}/${String(service)}` : host;
  const message = String(get(s, 'message') ?? '').replace(/\n/g, ' ⏎ ');
  const levelText = level.toUpperCase().padEnd(8);
  const levelShown =
    colour && LEVEL_COLOURS[level] ? `${LEVEL_COLOURS[level]}${levelText}${RESET}` : levelText;
  return `${time} ${levelShown} [${dataset}] ${where}: ${message}`;
}

export function formatHitJson(hit: Hit): string {
  return JSON.stringify({ _id: hit._id, _index: hit._index, ...hit._source });
}
