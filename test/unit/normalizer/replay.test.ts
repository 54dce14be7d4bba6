/**
 * The pure parts of `kiver replay`: times, the window check, offset ranges per partition,
 * clipping a batch at a range's end, the tally the batch runner feeds (409 = already present),
 * the dataset filter, the summary and the progress line.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { KafkaMessage, Message } from 'kafkajs';
import { parseReplayArgs } from '../../../src/cli/replay.js';
import { parseTimeMs } from '../../../src/config/time.js';
import { UsageError } from '../../../src/errors.js';
import { processBatch } from '../../../src/normalizer/batch-run.js';
import { BulkIndexer, type BulkResponse } from '../../../src/normalizer/indexer/bulk.js';
import type { Engine } from '../../../src/normalizer/pipeline-port.js';
import { datasetMatcher, filterByDataset } from '../../../src/normalizer/replay/dataset-filter.js';
import { checkWindow, clip, partitionRanges, recordCount } from '../../../src/normalizer/replay/plan.js';
import { formatProgress, ProgressLine } from '../../../src/normalizer/replay/progress.js';
import { replayGroupId } from '../../../src/normalizer/replay/run-replay.js';
import { formatSummary, ReplayTally } from '../../../src/normalizer/replay/tally.js';
import { RawRecordCodec, type RawRecord } from '../../../src/schema/raw-record.js';
import { runKiver } from '../../helpers/cli.js';

const now = Date.parse('2026-11-25T12:34:56.000Z');

test('replay times: durations ago (also written -2h), today, yesterday (UTC midnight), ISO', () => {
  assert.equal(parseTimeMs('2h', now, '--from'), now - 2 * 3_600_000);
  assert.equal(parseTimeMs('-2h', now, '--from'), now - 2 * 3_600_000);
  assert.equal(parseTimeMs('90s', now, '--from'), now - 90_000);
  assert.equal(parseTimeMs('now', now, '--to'), now);
  assert.equal(parseTimeMs('today', now, '--to'), Date.parse('2026-11-25T00:00:00Z'));
  assert.equal(parseTimeMs('Yesterday', now, '--from'), Date.parse('2026-11-24T00:00:00Z'));
  assert.equal(parseTimeMs('2026-11-25T08:00:00+01:00', now, '--from'), Date.parse('2026-11-25T07:00:00Z'));
  assert.equal(parseTimeMs('2026-11-25', now, '--from'), Date.parse('2026-11-25T00:00:00Z'));
});

test('a time that is not one is one sentence naming the option and the forms', () => {
  // Date.parse alone would take '5' and 'May 3' for dates in 2001.
  for (const bad of ['5', 'May 3', 'yesterday-ish', '2h ago', '']) {
    assert.throws(
      () => parseTimeMs(bad, now, '--from'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message === `--from '${bad}' is not a time.` &&
        /ISO time/.test(e.hint ?? ''),
      bad,
    );
  }
});

test('the window: --to must be after --from, and --from not in the future', () => {
  assert.doesNotThrow(() => checkWindow({ fromMs: now - 1000 }, now));
  assert.doesNotThrow(() => checkWindow({ fromMs: now - 2000, toMs: now - 1000 }, now));
  assert.throws(
    () => checkWindow({ fromMs: now - 1000, toMs: now - 2000 }, now),
    /^UsageError: --to \(2026-11-25T12:34:54\.000Z\) is not after --from \(2026-11-25T12:34:55\.000Z\)\.$/,
  );
  assert.throws(() => checkWindow({ fromMs: now - 1000, toMs: now - 1000 }, now), /is not after --from/);
  assert.throws(() => checkWindow({ fromMs: now + 60_000 }, now), /is in the future/);
});

test('the command line: --from is required, bad times and an inverted window are usage errors', () => {
  const sets = ['--set', 'kafka.brokers=127.0.0.1:1'];
  assert.throws(() => parseReplayArgs([...sets], now), /--from is required/);
  assert.throws(() => parseReplayArgs(['--from', 'soon', ...sets], now), /--from 'soon' is not a time/);
  assert.throws(() => parseReplayArgs(['--from', '1h', '--to', '2h', ...sets], now), /is not after --from/);
  assert.throws(() => parseReplayArgs(['--from', '1h', '--topic', 'x'], now), /Unknown option '--topic'/);
  const args = parseReplayArgs(
    ['--from', 'yesterday', '--to', 'today', '-d', 'ceph.*', '-d', 'etcd', ...sets],
    now,
  );
  assert.deepEqual(args?.window, {
    fromMs: Date.parse('2026-11-24T00:00:00Z'),
    toMs: Date.parse('2026-11-25T00:00:00Z'),
  });
  assert.deepEqual(args?.datasets, ['ceph.*', 'etcd']);
  assert.deepEqual(args?.config.kafka.brokers, ['127.0.0.1:1']);
});

test('offset ranges per partition: empty ones left out, starts lost to retention clamped', () => {
  const starts = [
    { partition: 2, offset: '40' },
    { partition: 0, offset: '5' },
    { partition: 1, offset: '100' }, // nothing at or after --from: kafkajs answers the high watermark
    { partition: 3, offset: '2' },
  ];
  const ends = [
    { partition: 0, offset: '9' },
    { partition: 1, offset: '100' },
    { partition: 2, offset: '41' },
    { partition: 3, offset: '10' },
  ];
  const lows = [{ partition: 3, offset: '6' }];
  const ranges = partitionRanges(starts, ends, lows);
  assert.deepEqual(ranges, [
    { partition: 0, start: 5n, end: 9n },
    { partition: 2, start: 40n, end: 41n },
    { partition: 3, start: 6n, end: 10n },
  ]);
  assert.equal(recordCount(ranges), 4 + 1 + 4);
  // A window whose --to lies before its first record: nothing to read anywhere.
  assert.deepEqual(partitionRanges([{ partition: 0, offset: '7' }], [{ partition: 0, offset: '3' }]), []);
  // Offsets past 2^53 stay exact.
  const big = partitionRanges(
    [{ partition: 0, offset: '9007199254740993' }],
    [{ partition: 0, offset: '9007199254740995' }],
  );
  assert.deepEqual(big, [{ partition: 0, start: 9007199254740993n, end: 9007199254740995n }]);
});

test('a batch is clipped to its range, and the range is finished once the next offset reaches its end', () => {
  const range = { partition: 0, start: 10n, end: 13n };
  const batch = ['9', '10', '11', '12', '13', '14'].map((offset) => ({ offset }));
  assert.deepEqual(clip(range, batch, 15n), {
    inRange: [{ offset: '10' }, { offset: '11' }, { offset: '12' }],
    done: true,
  });
  assert.deepEqual(clip(range, batch.slice(0, 3), 12n), {
    inRange: [{ offset: '10' }, { offset: '11' }],
    done: false,
  });
});

/** One record of `n` events through the worker's batch runner, Elasticsearch answering `status`. */
async function replayThroughBatchRun(statuses: number[], engine: Engine, tally: ReplayTally): Promise<void> {
  const codec = new RawRecordCodec();
  const record: RawRecord = {
    schema_version: 2,
    host: 'h',
    path: '/app/log/c/app.log',
    file: { dev: '1', inode: '2', fingerprint: 'f', generation: 0 },
    collected_at: now,
    fields: {},
    events: statuses.map((_, i) => ({ offset: i * 10, length: 10, message: `line ${i}`, flags: [] })),
  };
  let answered = 0;
  const indexer = new BulkIndexer(
    {
      async send(body) {
        const docs = body.trim().split('\n').length / 2;
        const items = Array.from({ length: docs }, () => {
          const status = statuses[answered++]!;
          return {
            create: {
              status,
              ...(status === 409 ? { error: { type: 'version_conflict_engine_exception' } } : {}),
            },
          };
        });
        return { errors: items.some((x) => x.create.status >= 300), items } as BulkResponse;
      },
    },
    { maxBytes: 1 << 20, maxDocs: 100, concurrency: 1, backoff: { initialMs: 1, maxMs: 2 }, events: tally },
  );
  const message: KafkaMessage = {
    key: null,
    value: codec.encode(record),
    headers: { ...codec.headers },
    offset: '0',
    timestamp: String(now),
    attributes: 0,
  };
  await processBatch(
    {
      codec,
      engine,
      indexer,
      deadLetters: { send: async (_m: Message[]) => true },
      events: tally,
      mode: 'index',
      namespace: 'default',
      groupId: 'g.replay',
      maxBulkBytes: 1 << 20,
      maxBulkDocs: 100,
    },
    { topic: 'logs.raw', partition: 0, messages: [message] },
    { signal: new AbortController().signal, progress: () => {}, shouldStop: () => false },
  );
}

const appEngine = (dataset: (message: string) => string): Engine => ({
  process: (input) => ({
    doc: { '@timestamp': new Date(now).toISOString(), message: input.message },
    pipeline: 'p',
    dataset: dataset(input.message),
    failed: false,
    dropped: input.message === 'line 4',
  }),
});

test('the tally: 201 is indexed, 409 on create is already present, a 400 is dead-lettered', async () => {
  const tally = new ReplayTally();
  await replayThroughBatchRun(
    [201, 409, 409, 400, 0],
    appEngine(() => 'app'),
    tally,
  );
  assert.deepEqual(tally.summary(), {
    records: 1,
    events: 5,
    indexed: 1,
    alreadyPresent: 2,
    deadLettered: 1,
    dropped: 1,
    skipped: 0,
    parseFailures: 0,
  });
});

test('--dataset: other datasets are skipped (counted apart from pipeline drops), never sent', async () => {
  const tally = new ReplayTally();
  const engine = filterByDataset(
    appEngine((m) => (m === 'line 0' ? 'ceph.osd' : 'etcd')),
    ['ceph.*'],
    () => tally.skipped(),
  );
  await replayThroughBatchRun([201, 0, 0, 0, 0], engine, tally);
  const s = tally.summary();
  assert.deepEqual([s.indexed, s.skipped, s.dropped], [1, 3, 1]);
  assert.equal(datasetMatcher(['middleware.*'])('middleware.java'), true);
  assert.equal(datasetMatcher(['etcd'])('etcd.raft'), false);
  const plain = appEngine(() => 'x');
  assert.equal(
    filterByDataset(plain, [], () => {}),
    plain,
    'no patterns: the engine itself',
  );
});

test('the summary names every count; the optional lines only when non-zero', () => {
  const s = {
    records: 1200,
    events: 51234,
    indexed: 51000,
    alreadyPresent: 200,
    deadLettered: 34,
    dropped: 0,
    skipped: 0,
    parseFailures: 0,
  };
  assert.deepEqual(formatSummary(s, 12.34, false), [
    'replay done in 12.3 s: read 1,200 records (51,234 events)',
    '  indexed          51,000',
    '  already present  200',
    '  dead-lettered    34',
  ]);
  const lines = formatSummary({ ...s, skipped: 5, dropped: 2 }, 1, true);
  assert.match(lines[0]!, /^replay interrupted/);
  assert.ok(lines.includes("  dropped          2 (by a pipeline's drop processor)"));
  assert.ok(lines.includes('  skipped          5 (other datasets than --dataset)'));
});

test('the progress line: bar, counts, rate and time left', () => {
  assert.equal(
    formatProgress({ done: 2500, total: 10_000, elapsedMs: 5000, reachable: true }),
    '[######..................]  25%  2,500/10,000 records  500/s  15s left',
  );
  assert.match(
    formatProgress({ done: 0, total: 10, elapsedMs: 0, reachable: false }),
    /\? left {2}\(Elasticsearch unreachable, waiting\)$/,
  );
  assert.match(
    formatProgress({ done: 10, total: 10, elapsedMs: 1000, reachable: true }),
    /^\[#{24}\] 100%.* 0s left$/,
  );
  assert.match(formatProgress({ done: 1, total: 7201, elapsedMs: 1000, reachable: true }), / 2h00m left$/);
});

test('the progress line is redrawn on a TTY only, and ends its line when stopped', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const state = () => ({ done: 1, total: 2, elapsedMs: 1000, reachable: true });
    const tty: string[] = [];
    const line = new ProgressLine({ isTTY: true, write: (t) => tty.push(t) }, state, 250);
    line.start();
    mock.timers.tick(1000);
    line.stop();
    assert.equal(tty.length, 4 + 2);
    assert.ok(tty[0]!.startsWith('\r[############............]  50%'), tty[0]);
    assert.ok(tty[0]!.endsWith('\x1b[K'), 'erases the rest of the line');
    assert.equal(tty.at(-1), '\n');
    const piped: string[] = [];
    const quiet = new ProgressLine({ isTTY: false, write: (t) => piped.push(t) }, state, 250);
    quiet.start();
    mock.timers.tick(1000);
    quiet.stop();
    assert.deepEqual(piped, []);
  } finally {
    mock.timers.reset();
  }
});

test("the replay's group is never the workers' group", () => {
  const id = replayGroupId('kiver-normalizer', now);
  assert.notEqual(id, 'kiver-normalizer');
  assert.match(id, /^kiver-normalizer\.replay-[0-9a-z]+-\d+$/);
});

test('kiver replay: a bad time or an inverted window is one line on stderr and exit code 2', async () => {
  // Refused before anything connects: the brokers named here do not exist.
  const sets = ['--set', 'kafka.brokers=127.0.0.1:1', '--set', 'elasticsearch.url=http://127.0.0.1:1'];
  const bad = await runKiver(['replay', '--from', 'soon', ...sets]);
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    "kiver replay: --from 'soon' is not a time. Use a duration ago such as 15m, 2h or 3d, yesterday, today, or an ISO time such as 2026-11-25T08:00:00Z.\n",
  );
  const inverted = await runKiver([
    'replay',
    '--from',
    '2026-11-25T10:00:00Z',
    '--to',
    '2026-11-25T09:00:00Z',
    ...sets,
  ]);
  assert.equal(inverted.code, 2);
  assert.match(
    inverted.stderr,
    /^kiver replay: --to \(2026-11-25T09:00:00\.000Z\) is not after --from .*\n$/,
  );
  const help = await runKiver(['replay', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: kiver replay --from WHEN/);
});
