/**
 * `kiver search`: the unified search from a terminal — every family, one command, filters,
 * a time range and a follow mode.
 */
import { configFromArgs, configHelp, configOptions } from '../config/index.js';
import { createElasticsearchClient } from '../config/clients.js';
import { ServiceUnavailableError, UsageError } from '../errors.js';
import { elasticsearchRefusal } from '../config/access-refusal.js';
import { parseCommandArgs } from './args.js';
import { formatHitJson, formatHitLine, type Hit } from '../search/format.js';
import { follow, searchOnce, DEFAULT_INDEX_PATTERN } from '../search/run-search.js';
import type { SearchOptions } from '../search/query.js';

const help = `usage: kiver search [TEXT] [options]

Searches every indexed log (${DEFAULT_INDEX_PATTERN}) newest first. TEXT is matched against the
message (simple query syntax: words must all match, "quoted phrase", -excluded, a|b).

  -l, --level LEVEL      trace, debug, info, notice, warn, error, critical, fatal; warn+ means
                         warn and worse (repeatable)
  -d, --dataset NAME     event.dataset, * wildcards allowed (ceph.*, middleware.java) (repeatable)
      --host NAME        host.name (repeatable)
      --service NAME     service.name (repeatable)
      --container ID     container.id (repeatable)
  -s, --since WHEN       15m, 2h, 3d ago, today, yesterday (UTC) or an ISO time (default 1h)
  -u, --until WHEN       upper bound, same forms
  -n, --size N           most events shown (default 50, at most 10000)
  -f, --follow           keep printing new events as they are indexed (Ctrl-C stops)
      --json             one JSON document per line instead of text
      --index PATTERN    index pattern (default ${DEFAULT_INDEX_PATTERN})
${configHelp}
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('search', {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...configOptions,
      level: { type: 'string', short: 'l', multiple: true },
      dataset: { type: 'string', short: 'd', multiple: true },
      host: { type: 'string', multiple: true },
      service: { type: 'string', multiple: true },
      container: { type: 'string', multiple: true },
      since: { type: 'string', short: 's' },
      until: { type: 'string', short: 'u' },
      size: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      index: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const size = values.size === undefined ? 50 : Number(values.size);
  if (!Number.isInteger(size) || size < 1 || size > 10_000) {
    throw new UsageError(
      `--size '${values.size}' is not a whole number from 1 to 10000.`,
      'Use for example --size 200.',
    );
  }
  const config = configFromArgs(values);
  const options: SearchOptions = {
    text: positionals.join(' '),
    levels: values.level,
    datasets: values.dataset,
    hosts: values.host,
    services: values.service,
    containers: values.container,
    since: values.since ?? '1h',
    until: values.until,
    size,
  };
  const index = values.index ?? DEFAULT_INDEX_PATTERN;
  const client = createElasticsearchClient(config.elasticsearch);
  const colour = process.stdout.isTTY === true && !values.json;
  const print = (hit: Hit) =>
    process.stdout.write((values.json ? formatHitJson(hit) : formatHitLine(hit, colour)) + '\n');
  try {
    if (values.follow) {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      await follow(client, config.elasticsearch.url, options, print, controller.signal, 2000, index);
      return 0;
    }
    const result = await searchOnce(client, config.elasticsearch.url, options, index);
    for (const hit of result.hits) print(hit);
    if (!values.json) {
      process.stderr.write(`${result.hits.length} of ${result.total} events shown (newest first).\n`);
    }
    return 0;
  } catch (error) {
    // A refused password or an untrusted certificate says so (exit 2), not "did not answer".
    const cause = error instanceof ServiceUnavailableError ? error.cause : error;
    throw elasticsearchRefusal(cause, config.elasticsearch) ?? error;
  } finally {
    await client.close();
  }
}
