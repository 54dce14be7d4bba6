// The producer port's contract on librdkafka (see producer-contract.ts). Where the native
// module did not build, the suite is skipped and says why (`kiver collect` then falls back to
// kafkajs); CI builds it, so there it always runs.
import { test } from 'node:test';
import { librdkafkaProducerFactory } from '../../src/collector/producer/librdkafka.js';
import { loadLibrdkafka } from '../../src/collector/producer/select.js';
import { producerContract } from './producer-contract.js';

const loaded = await loadLibrdkafka();
if (loaded.ok) {
  producerContract('librdkafka', async () => librdkafkaProducerFactory(loaded.module));
} else {
  test('producer port contract on librdkafka', { skip: loaded.reason }, () => undefined);
}
