import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chooseMode,
  fallbacks,
  type ClusterCapabilities,
} from '../../../src/normalizer/indexer/capabilities.js';
import {
  buildTemplates,
  INDEX_TEMPLATE_NAME,
  MAPPINGS_COMPONENT,
  SETTINGS_COMPONENT,
} from '../../../src/normalizer/indexer/templates.js';

const full: ClusterCapabilities = {
  version: '8.19.0',
  dataStreams: true,
  matchOnlyText: true,
  wildcard: true,
  flattened: true,
  ignoreDynamicBeyondLimit: true,
};
const minimal: ClusterCapabilities = {
  version: '8.19.21',
  dataStreams: false,
  matchOnlyText: false,
  wildcard: false,
  flattened: false,
  ignoreDynamicBeyondLimit: false,
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking JSON in assertions

function mappings(caps: ClusterCapabilities): Obj {
  return (
    buildTemplates(caps, 'index').components.find((c) => c.name === MAPPINGS_COMPONENT)!.body.template as Obj
  ).mappings;
}

test('auto mode follows the cluster; a forced mode wins', () => {
  assert.equal(chooseMode('auto', full), 'data_stream');
  assert.equal(chooseMode('auto', minimal), 'index');
  assert.equal(chooseMode('index', full), 'index');
  assert.equal(chooseMode('data_stream', minimal), 'data_stream');
  assert.deepEqual(fallbacks(full, 'data_stream'), []);
  assert.equal(fallbacks(minimal, 'index').length, 4);
});

test('data-stream mode: one index template over logs-*-* with data_stream, composed of our components', () => {
  const t = buildTemplates(full, 'data_stream');
  assert.equal(t.index.name, INDEX_TEMPLATE_NAME);
  assert.deepEqual(t.index.body.index_patterns, ['logs-*-*']);
  assert.deepEqual(t.index.body.data_stream, {});
  assert.ok((t.index.body.priority as number) > 100, 'above the built-in logs template');
  assert.deepEqual(t.index.body.composed_of, [SETTINGS_COMPONENT, MAPPINGS_COMPONENT]);
});

test('index mode: the same template without data_stream', () => {
  const t = buildTemplates(minimal, 'index');
  assert.equal('data_stream' in t.index.body, false);
});

test('ECS mappings: the fields the pipelines produce, with their types', () => {
  const m = mappings(full);
  const p = m.properties;
  assert.equal(p['@timestamp'].type, 'date');
  assert.equal(p.message.type, 'match_only_text');
  assert.equal(p.log.properties.level.type, 'keyword');
  assert.equal(p.log.properties.offset.type, 'long');
  assert.deepEqual(p.event.properties.original, { type: 'keyword', index: false, doc_values: false });
  assert.equal(p.error.properties.stack_trace.type, 'text');
  assert.equal(p.process.properties.pid.type, 'long');
  for (const family of ['host', 'container', 'service'])
    assert.equal(p[family].properties.name?.type ?? p[family].properties.id.type, 'keyword');
  assert.equal(p.json.type, 'flattened');
  assert.equal(p.labels.type, 'flattened');
});

test('without match_only_text and flattened: text, and objects stored but not indexed', () => {
  const m = mappings(minimal);
  assert.equal(m.properties.message.type, 'text');
  assert.deepEqual(m.properties.json, { type: 'object', enabled: false });
  const unknown = m.dynamic_templates[0].unknown_families;
  assert.deepEqual(unknown.mapping, { type: 'object', enabled: false });
});

test('no field explosion: unknown families are one bag, unknown leaves keyword, a field limit', () => {
  const m = mappings(full);
  assert.equal(m.date_detection, false);
  const unknown = m.dynamic_templates[0].unknown_families;
  assert.equal(unknown.match_mapping_type, 'object');
  assert.equal(unknown.path_unmatch, '*.*');
  const leafTypes = m.dynamic_templates.slice(1).map((t: Obj) => Object.values(t)[0].mapping.type);
  assert.deepEqual(leafTypes, ['keyword', 'keyword', 'keyword', 'keyword']);
  const settings = (buildTemplates(full, 'index').components[0]!.body.template as Obj).settings.index;
  assert.equal(settings.mapping.total_fields.limit, 2000);
  assert.equal(settings.mapping.total_fields.ignore_dynamic_beyond_limit, true);
  const minimalSettings = (buildTemplates(minimal, 'index').components[0]!.body.template as Obj).settings
    .index;
  assert.equal('ignore_dynamic_beyond_limit' in minimalSettings.mapping.total_fields, false);
});
