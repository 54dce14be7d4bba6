/**
 * `kiver replay` against real Kafka and Elasticsearch: a worker indexes three hours of events,
 * a slice of one hour is deleted, and a replay of that hour brings every document back exactly
 * once (same ids, same indices) without touching the workers' group; a second replay over all
 * of it finds everything already present and changes no document's _version or _seq_no.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { silentLogger } from '../../src/observability/logger.js';
import { startWorker } from '../../src/normalizer/index.js';
import type { ReplaySummary } from '../../src/normalizer/replay/tally.js';
import { RawRecordCodec } from '../../src/schema/raw-record.js';
import { runKiver } from '../helpers/cli.js';
import { packRuns } from '../helpers/runs.js';
import { ensureStack, waitFor, type StackEndpoints } from '../helpers/stack.js';
import {
  cleanUp,
  configFor,
  count,
  createTopics,
  deleteTopics,
  esClient,
  kafkaFor,
  produce,
  rawRecord,
  settings,
  testPipelinesDir,
  uniqueNames,
  type Names,
} from './normalizer-harness.js';

const HOUR = 3_600_000;
const PER_SLICE = 300;
const RUN_LENGTH = 10;

let stack: StackEndpoints;
let es: Client;
let names: Names;
let sets: string[];
const pipelinesDir = testPipelinesDir();
/** Start of each of the three slices: three, two and one hour ago. */
const base = Date.now() - 3 * HOUR;
const slices = [base, base + HOUR, base + 2 * HOUR];

interface DocState {
  index: string;
  version: number | undefined;
  seqNo: number | undefined;
}

async function snapshot(marker: string): Promise<Map<string, DocState>> {
  const index = `logs-*-${names.namespace}-*`;
  await es.indices.refresh({ index });
  const res = await es.search({
    index,
    size: 10_000,
    version: true,
    seq_no_primary_term: true,
    _source: false,
    query: { match: { message: marker } },
  });
  const docs = new Map<string, DocState>();
  for (const h of res.hits.hits) {
    assert.ok(!docs.has(h._id!), `document ${h._id} twice`);
    docs.set(h._id!, { index: h._index, version: h._version, seqNo: h._seq_no });
  }
  return docs;
}

/**
 * Deletes the documents of a time range. The minimal distribution the tests run has no reindex
 * module, so no _delete_by_query: the ids are searched and deleted in one bulk request.
 */
async function deleteRange(from: string, to: string): Promise<number> {
  const res = await es.search({
    index: `logs-*-${names.namespace}-*`,
    size: 10_000,
    _source: false,
    query: { range: { '@timestamp': { gte: from, lt: to } } },
  });
  const hits = res.hits.hits;
  const bulk = await es.bulk({
    refresh: true,
    operations: hits.map((h) => ({ delete: { _index: h._index, _id: h._id } })),
  });
  assert.equal(bulk.errors, false);
  return hits.length;
}

async function replay(args: string[]): Promise<ReplaySummary> {
  const result = await runKiver(['replay', ...args, '--json', ...sets.flatMap((s) => ['--set', s])], {
    timeoutMs: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ReplaySummary;
}

async function workersOffsets(): Promise<string> {
  const admin = kafkaFor(stack.brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: names.group, topics: [names.topic] });
    return JSON.stringify(offsets);
  } finally {
    await admin.disconnect();
  }
}

before(async () => {
  stack = await ensureStack();
  es = esClient(stack.esUrl);
  names = uniqueNames('replay');
  sets = settings(names, stack.brokers, stack.esUrl, pipelinesDir, ['normalizer.bulk_max_docs=100']);
  await createTopics(stack.brokers, [
    { name: names.topic, partitions: 3 },
    { name: names.dlq, partitions: 1 },
  ]);
});

after(async () => {
  await cleanUp(es, names.namespace);
  await deleteTopics(stack.brokers, [names.topic, names.dlq]);
  await es.close();
});

test(
  'a deleted hour comes back exactly once; a second replay changes nothing',
  { timeout: 300_000 },
  async () => {
    const marker = `mk${names.namespace.replace(/_/g, '')}`;
    for (const [s, at] of slices.entries()) {
      const records = Array.from({ length: PER_SLICE }, (_, k) =>
        rawRecord(marker, s * PER_SLICE + k, { collected_at: at + k * 1000 }),
      );
      await produce(stack.brokers, names.topic, records, { runLength: RUN_LENGTH, timestamp: at + 1000 });
    }
    const total = 3 * PER_SLICE;
    const worker = await startWorker(configFor(sets), { logger: silentLogger() });
    try {
      await waitFor(async () => (await count(es, names.namespace, marker)).docs >= total, {
        timeoutMs: 90_000,
        intervalMs: 500,
        message: `${total} documents indexed by the worker`,
      });
    } finally {
      await worker.stop();
    }
    const original = await snapshot(marker);
    assert.equal(original.size, total);
    const offsetsBefore = await workersOffsets();

    // The middle hour is lost, as if an index had been damaged or a pipeline fix needed it re-parsed.
    const from = new Date(slices[1]! - HOUR / 2).toISOString();
    const to = new Date(slices[1]! + HOUR / 2).toISOString();
    assert.equal(await deleteRange(from, to), PER_SLICE);

    // A dataset filter that matches nothing reads the records and indexes nothing.
    const filtered = await replay(['--from', from, '--to', to, '--dataset', 'nothing.*']);
    assert.equal(filtered.skipped, PER_SLICE);
    assert.equal(filtered.indexed, 0);
    assert.equal((await count(es, names.namespace, marker)).docs, total - PER_SLICE);

    const first = await replay(['--from', from, '--to', to, '--dataset', 'kivertest.*']);
    const { records, events, indexed, alreadyPresent, deadLettered, skipped } = first;
    assert.deepEqual(
      { records, events, indexed, alreadyPresent, deadLettered, skipped },
      // Exactly the hour's records: nothing before --from or from --to on was read.
      {
        records: PER_SLICE / RUN_LENGTH,
        events: PER_SLICE,
        indexed: PER_SLICE,
        alreadyPresent: 0,
        deadLettered: 0,
        skipped: 0,
      },
    );
    const restored = await snapshot(marker);
    assert.equal(restored.size, total, 'every document is back, none twice');
    for (const [id, doc] of original)
      assert.equal(restored.get(id)?.index, doc.index, `${id} in its old index`);

    // Everything, from before the first slice to now: all already there, nothing rewritten.
    const second = await replay(['--from', new Date(base - HOUR / 2).toISOString()]);
    assert.equal(second.events, total);
    assert.equal(second.indexed, 0);
    assert.equal(second.alreadyPresent, total);
    assert.deepEqual(await snapshot(marker), restored, 'no _version or _seq_no moved');

    assert.equal(await workersOffsets(), offsetsBefore, "the workers' committed offsets did not move");
    const admin = kafkaFor(stack.brokers).admin();
    await admin.connect();
    const groups = await admin.listGroups().finally(() => admin.disconnect());
    assert.deepEqual(
      groups.groups.filter((g) => g.groupId.startsWith(`${names.group}.replay-`)),
      [],
      'the replay groups are removed',
    );
  },
);

test(
  'a range that ends in a transaction marker is finished, not waited on',
  { timeout: 120_000 },
  async () => {
    // Collectors do not write transactions, but a raw topic fed by another producer may end in
    // a commit marker: a control record that kafkajs never hands to eachBatch.
    const txNames = uniqueNames('replay-tx');
    await createTopics(stack.brokers, [{ name: txNames.topic, partitions: 1 }]);
    const codec = new RawRecordCodec();
    const marker = `mk${txNames.namespace.replace(/_/g, '')}`;
    const producer = kafkaFor(stack.brokers).producer({
      transactionalId: txNames.group,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const tx = await producer.transaction();
      const runs = packRuns(
        Array.from({ length: 50 }, (_, i) => rawRecord(marker, i)),
        RUN_LENGTH,
      );
      await tx.send({
        topic: txNames.topic,
        // Sent two hours ago, committed now: the marker's timestamp is the only one in the last hour.
        messages: runs.map((r) => ({
          key: 'k',
          value: codec.encode(r),
          headers: { ...codec.headers },
          timestamp: String(Date.now() - 2 * HOUR),
        })),
      });
      await tx.commit();
    } finally {
      await producer.disconnect();
    }
    const txSets = settings(txNames, stack.brokers, stack.esUrl, pipelinesDir);
    const replayTx = async (from: string): Promise<ReplaySummary> => {
      const args = ['replay', '--from', from, '--json', ...txSets.flatMap((s) => ['--set', s])];
      const result = await runKiver(args, { timeoutMs: 60_000 });
      assert.equal(result.code, 0, `replay --from ${from}: ${result.stderr}`);
      return JSON.parse(result.stdout) as ReplaySummary;
    };
    try {
      const all = await replayTx('3h');
      assert.deepEqual([all.records, all.indexed], [50 / RUN_LENGTH, 50]);
      // Only the commit marker is in the window: a batch kafkajs never shows to eachBatch.
      const markerOnly = await replayTx('1h');
      assert.deepEqual([markerOnly.records, markerOnly.indexed], [0, 0]);
    } finally {
      await cleanUp(es, txNames.namespace);
      await deleteTopics(stack.brokers, [txNames.topic]);
    }
  },
);
