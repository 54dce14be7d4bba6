/**
 * The broker's message size limit against the real Kafka: a topic created with a small
 * `max.message.bytes` refuses batches and single events larger than it (MESSAGE_TOO_LARGE).
 * The collector must split batches, cut single events to fit (flagged `truncated`), report
 * each cut once, and keep going: nothing stuck, nothing lost, nothing dropped silently.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Collector, noopEvents } from '../../src/collector/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ensureStack, waitFor } from '../helpers/stack.js';
import { scenario } from './collector-harness.js';

const LIMIT = 64 * 1024;

describe('collector and the broker message size limit (real Kafka)', () => {
  let brokers: string[];
  before(async () => {
    ({ brokers } = await ensureStack());
  });

  test(
    'a topic with max.message.bytes=64KiB: batches split, a 200 KiB line cut to fit and flagged, order kept',
    { timeout: 90_000 },
    async () => {
      const s = await scenario(brokers, 'toolarge', {
        include: ['*.log'],
        max_event_bytes: 512 * 1024,
        batch_max_bytes: 512 * 1024,
        batch_linger_ms: 200,
      });
      // A second topic, with the small limit, routed by path.
      const small = `${s.topic}-small`;
      const admin = new Kafka({ clientId: 'kiver-test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          {
            topic: small,
            numPartitions: 3,
            configEntries: [{ name: 'max.message.bytes', value: String(LIMIT) }],
          },
        ],
        waitForLeaders: true,
      });
      await admin.disconnect();
      const { TopicReader } = await import('./collector-harness.js');
      const reader = new TopicReader(brokers, small);
      await reader.start();
      // 3 files x 2,000 lines of ~120 bytes: ~720 KiB in batches far above the limit, and in
      // the middle of one file a 200 KiB line that no split can make fit. Random text, so
      // compression (the limit applies to the compressed batch) cannot hide the size.
      const noise = (n: number) => randomBytes(n).toString('base64').slice(0, n);
      const lines = (tag: string) => Array.from({ length: 2000 }, (_, i) => `${tag} ${i} ${noise(100)}`);
      const files = ['a', 'b', 'c'].map((tag) => ({
        tag,
        path: join(s.root, `${tag}.log`),
        lines: lines(tag),
      }));
      const big = noise(200 * 1024);
      files[1]!.lines.splice(1000, 0, big);
      for (const f of files) writeFileSync(f.path, f.lines.join('\n') + '\n');
      const cuts: [number, number][] = [];
      let tooLarge = 0;
      const collector = await Collector.create({
        config: { ...s.config.collector, topics: [{ path: '**', topic: small }] },
        kafka: s.config.kafka,
        logger: silentLogger(),
        events: {
          ...noopEvents,
          eventCutToFit: (_t, before, after) => void cuts.push([before, after]),
          sendFailed: (type) => void (type === 'MESSAGE_TOO_LARGE' ? (tooLarge += 1) : undefined),
        },
      });
      const t0 = Date.now();
      await collector.start();
      try {
        const total = files.reduce((n, f) => n + f.lines.length, 0);
        await waitFor(() => reader.records.length >= total, {
          timeoutMs: 60_000,
          message: `${total} records`,
        });
        console.log(
          `# ${total} events through a ${LIMIT}-byte topic in ${Date.now() - t0} ms; ` +
            `${tooLarge} MESSAGE_TOO_LARGE refusals; cuts ${JSON.stringify(cuts)}`,
        );
        for (const f of files) {
          const got = reader.byPath(f.path);
          assert.equal(got.length, f.lines.length, `${f.tag}: every event once`);
          for (let i = 0; i < got.length; i++) {
            const want = f.lines[i]!;
            if (want === big) {
              assert.ok(got[i]!.message.length < LIMIT && got[i]!.message.length > 1024, 'cut, not emptied');
              assert.ok(want.startsWith(got[i]!.message), 'a prefix of the line');
              assert.deepEqual(got[i]!.flags, ['truncated']);
              assert.equal(got[i]!.length, big.length + 1, 'still covers the whole line in the file');
            } else {
              assert.equal(got[i]!.message, want, `${f.tag} line ${i} in order`);
            }
          }
        }
        assert.equal(cuts.length, 1, 'the cut reported once');
        assert.ok(tooLarge >= 1);
        await waitFor(() => collector.stats().inFlightBytes === 0, { timeoutMs: 5000 });
      } finally {
        await collector.stop();
        await reader.stop();
        await s.reader.stop();
      }
    },
  );
});
