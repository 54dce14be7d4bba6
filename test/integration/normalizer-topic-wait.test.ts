// A worker started before its raw topic exists (no collector has sent anything yet) waits for
// the topic instead of failing, then joins and indexes what arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../../src/normalizer/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ensureStack, waitFor } from '../helpers/stack.js';
import {
  cleanUp,
  configFor,
  count,
  createTopics,
  deleteTopics,
  esClient,
  produce,
  rawRecord,
  settings,
  testPipelinesDir,
  uniqueNames,
} from './normalizer-harness.js';

test('a worker waits for a raw topic that does not exist yet, then indexes its records', async () => {
  const { brokers, esUrl } = await ensureStack();
  const names = uniqueNames('topicwait');
  const es = esClient(esUrl);
  await createTopics(brokers, [{ name: names.dlq, partitions: 1 }]);
  const starting = startWorker(configFor(settings(names, brokers, esUrl, testPipelinesDir())), {
    logger: silentLogger(),
  });
  let started = false;
  void starting.then(() => (started = true)).catch(() => undefined);
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(started, false, 'the worker must still be waiting for the topic');
    await createTopics(brokers, [{ name: names.topic, partitions: 2 }]);
    const worker = await starting;
    try {
      const marker = `tw${Date.now()}`;
      await produce(
        brokers,
        names.topic,
        Array.from({ length: 20 }, (_, i) => rawRecord(marker, i)),
      );
      await waitFor(async () => ((await count(es, names.namespace, marker)).docs === 20 ? true : null), {
        timeoutMs: 60_000,
        message: '20 documents indexed',
      });
    } finally {
      await worker.stop();
    }
  } finally {
    await starting.then((w) => w.stop()).catch(() => undefined);
    await cleanUp(es, names.namespace);
    await deleteTopics(brokers, [names.topic, names.dlq]);
    await es.close();
  }
});
