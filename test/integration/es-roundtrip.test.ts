/**
 * @elastic/elasticsearch 8.19 against the real node: composable index template, bulk, search.
 * Uses only server-core features, so it passes on the minimal integ-test-zip and on a full ES.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { ensureStack, uniqueName } from '../helpers/stack.js';

let client: Client;
const cleanup: (() => Promise<unknown>)[] = [];

before(async () => {
  const { esUrl } = await ensureStack();
  client = new Client({ node: esUrl });
});

after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  await client?.close();
});

test('an index template applies its mappings; bulk-indexed documents are found by search', async () => {
  const base = uniqueName('rt-es');
  const template = `${base}-tpl`;
  const index = `${base}-logs`;
  await client.indices.putIndexTemplate({
    name: template,
    index_patterns: [`${base}-*`],
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'text' },
          'log.level': { type: 'keyword' },
          labels: { type: 'flattened' },
        },
      },
    },
  });
  cleanup.push(() => client.indices.deleteIndexTemplate({ name: template }));
  cleanup.push(() => client.indices.delete({ index }));

  const docs = Array.from({ length: 50 }, (_, i) => ({
    '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    message: `request ${i} ${i % 5 === 0 ? 'failed badly' : 'ok'}`,
    'log.level': i % 5 === 0 ? 'error' : 'info',
    labels: { shard: `s${i % 3}` },
  }));
  const bulk = await client.bulk({
    refresh: true,
    operations: docs.flatMap((doc, i) => [{ create: { _index: index, _id: `d${i}` } }, doc]),
  });
  assert.equal(bulk.errors, false, JSON.stringify(bulk.items.find((it) => it.create?.error)));

  const field = await client.indices.getFieldMapping({ index, fields: ['log.level', 'labels'] });
  const mappings = field[index]?.mappings ?? {};
  // Without the template, dynamic mapping would make log.level text+keyword and labels an object.
  assert.deepEqual(mappings['log.level']?.mapping, { level: { type: 'keyword' } });
  assert.deepEqual(mappings['labels']?.mapping, { labels: { type: 'flattened' } });

  const errorsOnly = await client.search({
    index,
    size: 100,
    query: { bool: { filter: [{ term: { 'log.level': 'error' } }] } },
    sort: [{ '@timestamp': 'asc' }],
  });
  assert.equal(errorsOnly.hits.hits.length, 10);
  assert.equal(errorsOnly.hits.hits[0]?._id, 'd0');

  const fullText = await client.count({ index, query: { match: { message: 'failed' } } });
  assert.equal(fullText.count, 10);
  const flattened = await client.count({ index, query: { term: { 'labels.shard': 's1' } } });
  assert.equal(flattened.count, docs.filter((d) => d.labels.shard === 's1').length);

  // Deterministic ids: a replay is rejected as a conflict, not added as a copy.
  const replay = await client.bulk({
    refresh: true,
    operations: [{ create: { _index: index, _id: 'd0' } }, docs[0]],
  });
  assert.equal(replay.items[0]?.create?.status, 409);
  assert.equal((await client.count({ index })).count, 50);
});
