/**
 * Runs `kiver search` against Elasticsearch: one query, or follow mode that polls for new
 * events and prints each once.
 */
import { Client } from '@elastic/elasticsearch';
import { ServiceUnavailableError } from '../errors.js';
import { buildSearchBody, type SearchOptions } from './query.js';
import type { Hit } from './format.js';

export const DEFAULT_INDEX_PATTERN = 'logs-*';

export interface SearchResult {
  total: number;
  hits: Hit[];
}

function unreachable(url: string, error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `Elasticsearch at ${url} did not answer (${(error as Error).message}).`,
    "Start it with 'kiver stack up' or set elasticsearch.url (KIVER_ELASTICSEARCH__URL).",
    { cause: error },
  );
}

export async function searchOnce(
  client: Client,
  url: string,
  options: SearchOptions,
  index = DEFAULT_INDEX_PATTERN,
): Promise<SearchResult> {
  const body = buildSearchBody(options);
  try {
    const response = await client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      ...body,
    });
    const total = response.hits.total;
    return {
      total: typeof total === 'number' ? total : (total?.value ?? 0),
      hits: response.hits.hits as unknown as Hit[],
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'ConnectionError') throw unreachable(url, error);
    throw error;
  }
}

/**
 * Follow mode: every `intervalMs`, asks for events newer than the last one shown (with a
 * small overlap, since events arrive late and out of order) and prints the unseen ones
 * oldest first. Stops when `signal` aborts.
 */
export async function follow(
  client: Client,
  url: string,
  options: SearchOptions,
  print: (hit: Hit) => void,
  signal: AbortSignal,
  intervalMs = 2000,
  index = DEFAULT_INDEX_PATTERN,
): Promise<void> {
  const seen = new Set<string>();
  const seenOrder: string[] = [];
  let since = options.since ?? new Date(Date.now() - 60_000).toISOString();
  const overlapMs = 30_000;
  while (!signal.aborted) {
    const { hits } = await searchOnce(client, url, { ...options, since, until: undefined }, index);
    const fresh = hits.filter((h) => !seen.has(h._id)).reverse();
    for (const hit of fresh) {
      print(hit);
      seen.add(hit._id);
      seenOrder.push(hit._id);
      const ts = Date.parse(String(hit._source['@timestamp'] ?? ''));
      if (!Number.isNaN(ts)) since = new Date(Math.max(Date.parse(since), ts - overlapMs)).toISOString();
    }
    // The seen set only needs to cover the overlap window: keep it bounded.
    while (seenOrder.length > 50_000) seen.delete(seenOrder.shift()!);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
