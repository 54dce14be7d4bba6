/**
 * What the cluster offers, detected once at start (ARCHITECTURE.md, "Index layout"): data
 * streams, and the mapping types the templates would like to use. Minimal distributions (the
 * integ-test-zip the tests run) lack the data-streams module and mapper-extras, so the
 * templates fall back to plain daily indices and core types.
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexMode } from '../index-naming.js';

export interface ClusterCapabilities {
  version: string;
  dataStreams: boolean;
  matchOnlyText: boolean;
  wildcard: boolean;
  flattened: boolean;
  /** `index.mapping.total_fields.ignore_dynamic_beyond_limit` (8.14+). */
  ignoreDynamicBeyondLimit: boolean;
}

/** What to write given what the cluster offers and `elasticsearch.mode`. */
export function chooseMode(
  requested: 'auto' | 'data_stream' | 'index',
  caps: ClusterCapabilities,
): IndexMode {
  if (requested === 'index') return 'index';
  if (requested === 'data_stream') return 'data_stream';
  return caps.dataStreams ? 'data_stream' : 'index';
}

/** Human summary of what is missing, for the one log line that says so. */
export function fallbacks(caps: ClusterCapabilities, mode: IndexMode): string[] {
  const missing: string[] = [];
  if (mode === 'index')
    missing.push(caps.dataStreams ? 'index mode forced by configuration' : 'no data streams: daily indices');
  if (!caps.matchOnlyText) missing.push('no match_only_text: message is text');
  if (!caps.flattened) missing.push('no flattened: unknown objects are stored, not indexed');
  if (!caps.ignoreDynamicBeyondLimit)
    missing.push('no ignore_dynamic_beyond_limit: field limit rejects documents');
  return missing;
}

/**
 * Probes each mapping type by asking the cluster to simulate a template that uses it: nothing
 * is created, and the answer comes from the mapper itself rather than from module names,
 * which differ between distributions and versions.
 */
async function accepts(client: Client, template: Record<string, unknown>): Promise<boolean> {
  try {
    await client.indices.simulateTemplate({
      index_patterns: ['kiver-capability-probe-*'],
      template,
    });
    return true;
  } catch (error) {
    if (isStatus(error, 400)) return false;
    throw error;
  }
}

function isStatus(error: unknown, status: number): boolean {
  return (error as { meta?: { statusCode?: number } } | null)?.meta?.statusCode === status;
}

const typeProbe = (type: string): Record<string, unknown> => ({
  mappings: { properties: { probe: { type } } },
});

export async function detectCapabilities(client: Client): Promise<ClusterCapabilities> {
  const nodes = await client.nodes.info({
    metric: ['plugins'],
    filter_path: ['nodes.*.version', 'nodes.*.modules.name'],
  });
  const infos = Object.values(nodes.nodes ?? {});
  const version = infos[0]?.version ?? 'unknown';
  const everyNodeHas = (module: string): boolean =>
    infos.length > 0 && infos.every((n) => (n.modules ?? []).some((m) => m.name === module));
  const [matchOnlyText, wildcard, flattened, ignoreDynamicBeyondLimit] = await Promise.all([
    accepts(client, typeProbe('match_only_text')),
    accepts(client, typeProbe('wildcard')),
    accepts(client, typeProbe('flattened')),
    accepts(client, { settings: { 'index.mapping.total_fields.ignore_dynamic_beyond_limit': true } }),
  ]);
  return {
    version,
    // The data-streams module is an x-pack module ("x-pack-data-streams" or "data-streams");
    // without it the _data_stream APIs and `data_stream: {}` in templates do not exist.
    dataStreams: everyNodeHas('x-pack-data-streams') || everyNodeHas('data-streams'),
    matchOnlyText,
    wildcard,
    flattened,
    ignoreDynamicBeyondLimit,
  };
}
