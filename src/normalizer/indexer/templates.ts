/**
 * The component and index templates the normalizer installs (idempotently, at every start):
 * ECS mappings for the fields the pipelines produce, with dynamic mapping held on a short
 * leash so that no log can explode the mapping (ARCHITECTURE.md, "Document").
 *
 *  - Known ECS families are mapped explicitly.
 *  - An unknown top-level object (a vendor family such as `ceph` or `etcd`) becomes one
 *    `flattened` field (or, without `flattened`, an object that is stored but not indexed).
 *  - Unknown leaves anywhere are `keyword`: a number in one log and a word in the next cannot
 *    then conflict.
 *  - A total-field limit caps everything else; where the cluster supports it, fields beyond
 *    the limit are ignored instead of rejecting the document.
 */
import type { IndexMode } from '../index-naming.js';
import type { ClusterCapabilities } from './capabilities.js';

export const TEMPLATE_VERSION = 1;
export const INDEX_TEMPLATE_NAME = 'kiver-logs';
export const SETTINGS_COMPONENT = 'kiver-logs@settings';
export const MAPPINGS_COMPONENT = 'kiver-logs@mappings';
/** Above the built-in `logs` template (priority 100) that full distributions ship for `logs-*-*`. */
export const INDEX_TEMPLATE_PRIORITY = 200;
export const TOTAL_FIELDS_LIMIT = 2000;
const KEYWORD_IGNORE_ABOVE = 1024;

type Mapping = Record<string, unknown>;

const keyword: Mapping = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
const long: Mapping = { type: 'long' };
const date: Mapping = { type: 'date' };
const obj = (properties: Record<string, Mapping>): Mapping => ({ properties });

export interface TemplateSet {
  components: { name: string; body: { template: Mapping; _meta: Mapping; version: number } }[];
  index: { name: string; body: Mapping };
}

function textType(caps: ClusterCapabilities): Mapping {
  return caps.matchOnlyText ? { type: 'match_only_text' } : { type: 'text' };
}

/** A bag of arbitrary keys: one field in the mapping however many keys the logs carry. */
function bag(caps: ClusterCapabilities): Mapping {
  return caps.flattened
    ? { type: 'flattened', ignore_above: KEYWORD_IGNORE_ABOVE }
    : { type: 'object', enabled: false };
}

export function buildMappings(caps: ClusterCapabilities): Mapping {
  const text = textType(caps);
  return {
    dynamic: true,
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [
      {
        // Top level only: an unknown family object is one bag, not a subtree of new fields.
        unknown_families: { match_mapping_type: 'object', path_unmatch: '*.*', mapping: bag(caps) },
      },
      ...(['string', 'long', 'double', 'boolean'] as const).map((t) => ({
        [`unknown_${t}_as_keyword`]: { match_mapping_type: t, mapping: keyword },
      })),
    ],
    properties: {
      '@timestamp': date,
      message: text,
      tags: keyword,
      labels: bag(caps),
      json: bag(caps),
      ecs: obj({ version: keyword }),
      event: obj({
        dataset: keyword,
        module: keyword,
        kind: keyword,
        category: keyword,
        type: keyword,
        outcome: keyword,
        timezone: keyword,
        created: date,
        ingested: date,
        // The raw event: kept in _source for forensics, never indexed (it can be megabytes).
        original: { type: 'keyword', index: false, doc_values: false },
      }),
      log: obj({
        level: keyword,
        logger: keyword,
        offset: long,
        file: obj({ path: keyword }),
        origin: obj({ file: obj({ name: keyword, line: long }), function: keyword }),
        syslog: obj({
          priority: long,
          hostname: keyword,
          appname: keyword,
          procid: keyword,
          msgid: keyword,
          structured_data: bag(caps),
          facility: obj({ code: long, name: keyword }),
          severity: obj({ code: long, name: keyword }),
        }),
      }),
      host: obj({ name: keyword, hostname: keyword }),
      container: obj({
        id: keyword,
        name: keyword,
        runtime: keyword,
        image: obj({ name: keyword }),
        labels: bag(caps),
      }),
      service: obj({ name: keyword, type: keyword, version: keyword, environment: keyword }),
      // thread.id is keyword, not ECS's long: Ceph and glibc print it in hex.
      process: obj({
        pid: long,
        name: keyword,
        executable: keyword,
        thread: obj({ id: keyword, name: keyword }),
      }),
      error: obj({ type: keyword, code: keyword, message: text, stack_trace: { type: 'text' } }),
      kiver: obj({ parse_failures: keyword, pipeline: keyword }),
      stream: keyword,
    },
  };
}

export function buildSettings(caps: ClusterCapabilities): Mapping {
  return {
    index: {
      number_of_shards: 1,
      // One replica where a second node exists; a single-node cluster stays green.
      auto_expand_replicas: '0-1',
      mapping: {
        total_fields: {
          limit: TOTAL_FIELDS_LIMIT,
          ...(caps.ignoreDynamicBeyondLimit ? { ignore_dynamic_beyond_limit: true } : {}),
        },
      },
    },
  };
}

export function buildTemplates(caps: ClusterCapabilities, mode: IndexMode): TemplateSet {
  const meta = { managed_by: 'kiver', template_version: TEMPLATE_VERSION };
  return {
    components: [
      {
        name: SETTINGS_COMPONENT,
        body: { template: { settings: buildSettings(caps) }, _meta: meta, version: TEMPLATE_VERSION },
      },
      {
        name: MAPPINGS_COMPONENT,
        body: { template: { mappings: buildMappings(caps) }, _meta: meta, version: TEMPLATE_VERSION },
      },
    ],
    index: {
      name: INDEX_TEMPLATE_NAME,
      body: {
        // `logs-*-*` is what `logs-<dataset>-<namespace>` and its dated indices match, and
        // what the single data view `logs-*` reads.
        index_patterns: ['logs-*-*'],
        priority: INDEX_TEMPLATE_PRIORITY,
        composed_of: [SETTINGS_COMPONENT, MAPPINGS_COMPONENT],
        ...(mode === 'data_stream' ? { data_stream: {} } : {}),
        _meta: { ...meta, mode },
        version: TEMPLATE_VERSION,
      },
    },
  };
}
