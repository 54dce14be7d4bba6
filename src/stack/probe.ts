/**
 * What this Elasticsearch offers. The integ-test-zip lacks most modules, so the normalizer
 * must pick data streams vs plain indices and rich vs core mapping types from facts, not
 * from the version number. The result is saved as probe.json in the stack dir.
 */
import { writeFile } from 'node:fs/promises';
import { errors, type Client } from '@elastic/elasticsearch';

export const PROBED_MAPPING_TYPES = ['match_only_text', 'wildcard', 'flattened', 'constant_keyword'] as const;
export type ProbedMappingType = (typeof PROBED_MAPPING_TYPES)[number];

export interface ClusterProbe {
  probedAt: string;
  esVersion: string | undefined;
  /** Module names from GET _nodes/_local/plugins. */
  modules: string[];
  plugins: string[];
  /** Ingest processor types the node offers (none of the common ones in the integ-test-zip). */
  ingestProcessors: string[];
  /** HTTP status of GET / (client.info()/ping() need 200). */
  rootEndpointStatus: number;
  /** GET _data_stream answers 200 (the data-streams module's REST API is present). */
  dataStreamApi: boolean;
  /** Indexing into a name matched by an index template with `data_stream: {}` created a data stream. */
  dataStreamAutoCreate: boolean;
  /** Whether an index mapping with a field of that type is accepted. */
  mappingTypes: Record<ProbedMappingType, boolean>;
  /** Names the probe left behind because this cluster cannot delete them (no _data_stream API). */
  leftovers: string[];
}

const PREFIX = 'kiver-probe';

async function statusOf(client: Client, method: string, path: string, body?: unknown): Promise<number> {
  try {
    const res = await client.transport.request(
      { method, path, body: body as Record<string, unknown> },
      { meta: true },
    );
    return res.statusCode ?? 0;
  } catch (error) {
    if (error instanceof errors.ResponseError) return error.meta.statusCode ?? 0;
    throw error;
  }
}

interface NodesPlugins {
  nodes: Record<string, { version?: string; modules?: { name: string }[]; plugins?: { name: string }[] }>;
}
interface NodesIngest {
  nodes: Record<string, { ingest?: { processors?: { type: string }[] } }>;
}

export async function probeCluster(client: Client): Promise<ClusterProbe> {
  const plugins = (await client.transport.request({
    method: 'GET',
    path: '/_nodes/_local/plugins',
  })) as NodesPlugins;
  const node = Object.values(plugins.nodes)[0];
  const ingest = (await client.transport.request({
    method: 'GET',
    path: '/_nodes/_local/ingest',
  })) as NodesIngest;
  const ingestNode = Object.values(ingest.nodes)[0];

  const rootEndpointStatus = await statusOf(client, 'GET', '/');
  const dataStreamApi = (await statusOf(client, 'GET', '/_data_stream')) === 200;

  const ds = `${PREFIX}-datastream`;
  let dataStreamAutoCreate = false;
  const templateStatus = await statusOf(client, 'PUT', `/_index_template/${ds}`, {
    index_patterns: [ds],
    data_stream: {},
    template: { mappings: { properties: { '@timestamp': { type: 'date' } } } },
  });
  if (templateStatus === 200) {
    const indexStatus = await statusOf(client, 'POST', `/${ds}/_doc?op_type=create&refresh=true`, {
      '@timestamp': new Date().toISOString(),
      probe: true,
    });
    if (indexStatus === 201) {
      const resolved = (await client.indices.resolveIndex({ name: ds })) as {
        data_streams?: { name: string }[];
      };
      dataStreamAutoCreate = (resolved.data_streams ?? []).some((d) => d.name === ds);
    }
  }

  const mappingTypes = {} as Record<ProbedMappingType, boolean>;
  for (const type of PROBED_MAPPING_TYPES) {
    const index = `${PREFIX}-type-${type.replace(/_/g, '-')}`;
    const s = await statusOf(client, 'PUT', `/${index}`, { mappings: { properties: { f: { type } } } });
    mappingTypes[type] = s === 200;
    if (s === 200) await statusOf(client, 'DELETE', `/${index}`);
  }

  // Without the data-streams module a data stream cannot be deleted, nor its template.
  const leftovers: string[] = [];
  if (dataStreamAutoCreate && (await statusOf(client, 'DELETE', `/_data_stream/${ds}`)) !== 200) {
    leftovers.push(`data stream ${ds}`);
  }
  if (templateStatus === 200 && (await statusOf(client, 'DELETE', `/_index_template/${ds}`)) !== 200) {
    leftovers.push(`index template ${ds}`);
  }

  return {
    probedAt: new Date().toISOString(),
    esVersion: node?.version,
    modules: (node?.modules ?? []).map((m) => m.name).sort(),
    plugins: (node?.plugins ?? []).map((p) => p.name).sort(),
    ingestProcessors: (ingestNode?.ingest?.processors ?? []).map((p) => p.type).sort(),
    rootEndpointStatus,
    dataStreamApi,
    dataStreamAutoCreate,
    mappingTypes,
    leftovers,
  };
}

export async function saveProbe(file: string, probe: ClusterProbe): Promise<void> {
  await writeFile(file, `${JSON.stringify(probe, null, 2)}\n`);
}
