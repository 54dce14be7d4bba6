// The whole chain on the real services, as operators run it: a container log tree ->
// `kiver collect` -> Kafka -> two `kiver normalize` workers -> Elasticsearch. Every written
// event must be in the index exactly once, searchable by its message, with its family's
// dataset.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { stopKiver as stop } from '../helpers/cli.js';
import { createTopic, ensureStack, uniqueName, waitFor } from '../helpers/stack.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Family {
  path: string;
  dataset: string;
  /** host.name expected: the collector's, unless the line names its own host (syslog). */
  host?: string;
  /** One event (possibly multi-line) carrying the marker. */
  event: (marker: string, now: Date) => string;
}

const iso = (d: Date) => d.toISOString();
const spaced = (d: Date) => iso(d).replace('T', ' ').replace('Z', '');
const syslogStamp = (d: Date) =>
  `${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(d.getUTCDate()).padStart(2, ' ')} ${iso(d).slice(11, 19)}`;

const families: Family[] = [
  {
    path: 'c0ffee01/orders/app/orders.log',
    dataset: 'middleware.java',
    event: (m, d) =>
      `${spaced(d)}  INFO 4312 --- [           main] c.e.d.inventory.StockCacheLoader         : ${m} stock cache warmed`,
  },
  {
    path: 'c0ffee01/orders/app/orders.log',
    dataset: 'middleware.java',
    event: (m, d) =>
      [
        `${spaced(d)} ERROR 4312 --- [nio-8443-exec-3] c.e.demo.web.OrderController             : ${m} order failed`,
        'java.lang.IllegalStateException: demo stock is locked',
        '\tat com.example.demo.stock.StockService.reserve(StockService.java:88) ~[classes/:na]',
        'Caused by: java.util.concurrent.TimeoutException: demo lock wait',
        '\t... 1 more',
      ].join('\n'),
  },
  {
    path: 'c0ffee02/ceph/deep/er/ceph-osd.3.log',
    dataset: 'ceph.osd',
    event: (m, d) => `${iso(d).replace('Z', '+0000')} 7f3a9c1f2700  0 osd.3 5100 ${m} scrub queued`,
  },
  {
    path: 'c0ffee03/etcd/etcd.log',
    dataset: 'etcd',
    event: (m, d) =>
      JSON.stringify({ level: 'warn', ts: iso(d), caller: 'etcdserver/raft.go:369', msg: `${m} slow` }),
  },
  {
    path: 'host/var/log/secure.log',
    dataset: 'system.auth',
    host: 'node-a',
    event: (m, d) =>
      `${syslogStamp(d)} node-a sshd[2201]: Failed password for invalid user ${m} from 192.0.2.7 port 5122 ssh2`,
  },
  {
    path: 'c0ffee04/netplugin/a/b/c/netplugin.log',
    dataset: 'network.netplugin',
    event: (m, d) => `time="${iso(d)}" level=error msg="${m} bridge not found" module=ovsdriver`,
  },
];

let stack: { brokers: string[]; esUrl: string };
let es: Client;
const children: ChildProcess[] = [];

function startKiver(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-20_000);
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null)
      process.stderr.write(`kiver ${args[0]} exited ${code}:\n${stderr}\n`);
  });
  children.push(child);
  return child;
}

/** --set arguments every process of one test shares: its own topics, namespace and group. */
function sharedSettings(base: string, namespace: string, topic: string): string[] {
  return [
    `kafka.brokers=${stack.brokers.join(',')}`,
    `kafka.topic=${topic}`,
    `kafka.dlq_topic=${base}-dlq`,
    `elasticsearch.url=${stack.esUrl}`,
    `elasticsearch.namespace=${namespace}`,
    'metrics.listen=127.0.0.1:0',
  ].flatMap((setting) => ['--set', setting]);
}

before(async () => {
  stack = await ensureStack();
  es = new Client({ node: stack.esUrl });
});

after(async () => {
  await Promise.all(children.map(stop));
  await es?.close();
});

test('log tree -> collector -> Kafka -> two workers -> Elasticsearch: every event once, searchable, right dataset', async () => {
  const base = uniqueName('e2e');
  const namespace = base.replace(/-/g, '_');
  const topic = `${base}-raw`;
  await createTopic(stack.brokers, topic, 4);
  const work = mkdtempSync(join(tmpdir(), 'kiver-e2e-'));
  const root = join(work, 'app', 'log');
  mkdirSync(root, { recursive: true });
  const common = sharedSettings(base, namespace, topic);
  startKiver([
    'collect',
    ...common,
    '--set',
    `collector.roots=${root}`,
    '--set',
    `collector.checkpoint_dir=${join(work, 'checkpoints')}`,
    '--set',
    `collector.path_templates=${root}/{container_id}/{service}/**`,
    '--set',
    'collector.host_name=e2e-host',
    '--set',
    'collector.batch_linger_ms=20',
  ]);
  for (let i = 0; i < 2; i++)
    startKiver(['normalize', ...common, '--set', `normalizer.group_id=${base}-group`]);

  // Files appear while the collector runs, in folders created after start, several rounds.
  const expected = new Map<string, Family>();
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    const now = new Date();
    families.forEach((family, index) => {
      const marker = `mk${round}x${index}x${base.replace(/[^a-z0-9]/g, '')}`;
      expected.set(marker, family);
      const file = join(root, family.path);
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, family.event(marker, now) + '\n');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const index = `logs-*-${namespace}*`;
  const total = expected.size;
  await waitFor(
    async () => {
      try {
        await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
        const { count } = await es.count({ index, ignore_unavailable: true, allow_no_indices: true });
        return count >= total ? count : null;
      } catch {
        return null;
      }
    },
    { timeoutMs: 150_000, intervalMs: 1000, message: `${total} documents in ${index}` },
  );
  // A moment more, so a duplicate still on its way would be counted too.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await es.indices.refresh({ index });

  const response = await es.search<Record<string, unknown>>({ index, size: 1000, query: { match_all: {} } });
  const seen = new Map<string, number>();
  for (const hit of response.hits.hits) {
    const source = hit._source as {
      message?: string;
      event?: { dataset?: string };
      host?: { name?: string };
      service?: { name?: string };
    };
    const marker = /mk\d+x\d+x[a-z0-9]+/.exec(source.message ?? '')?.[0];
    assert.ok(marker, `document without marker: ${JSON.stringify(source).slice(0, 300)}`);
    seen.set(marker, (seen.get(marker) ?? 0) + 1);
    assert.equal(source.event?.dataset, expected.get(marker)?.dataset, `dataset of ${marker}`);
    assert.equal(source.host?.name, expected.get(marker)?.host ?? 'e2e-host');
  }
  assert.equal(response.hits.hits.length, total, 'exactly one document per written event');
  for (const marker of expected.keys()) assert.equal(seen.get(marker), 1, `${marker} indexed once`);

  // Searchable by message: a full-text match on one marker finds exactly its event.
  const [someMarker] = [...expected.keys()];
  const byMessage = await es.search({ index, query: { match: { message: someMarker! } } });
  assert.equal(byMessage.hits.hits.length, 1);

  // The Java stack trace arrived as one event, with its trace in error.stack_trace.
  const traced = await es.search<{ error?: { type?: string; stack_trace?: string } }>({
    index,
    query: { match_phrase: { message: 'order failed' } },
  });
  assert.ok(
    traced.hits.hits.length === rounds,
    `one document per stack-trace event, got ${traced.hits.hits.length}`,
  );
  for (const hit of traced.hits.hits) {
    assert.equal(hit._source?.error?.type, 'java.lang.IllegalStateException');
    assert.match(
      hit._source?.error?.stack_trace ?? '',
      /Caused by: java\.util\.concurrent\.TimeoutException/,
    );
  }

  for (const child of children.splice(0)) assert.equal(await stop(child), 0, 'clean exit on SIGTERM');
});

test('document ids survive what files go through: copytruncate, inode reuse, a replay from scratch', async () => {
  const base = uniqueName('ids');
  const namespace = base.replace(/-/g, '_');
  const topic = `${base}-raw`;
  await createTopic(stack.brokers, topic, 2);
  const work = mkdtempSync(join(tmpdir(), 'kiver-ids-'));
  const root = join(work, 'app', 'log');
  mkdirSync(join(root, 'c1', 'svc'), { recursive: true });
  const common = sharedSettings(base, namespace, topic);
  const collectArgs = [
    'collect',
    ...common,
    '--set',
    `collector.roots=${root}`,
    '--set',
    `collector.checkpoint_dir=${join(work, 'checkpoints')}`,
    '--set',
    'collector.batch_linger_ms=20',
  ];
  let collector = startKiver(collectArgs);
  startKiver(['normalize', ...common, '--set', `normalizer.group_id=${base}-group`]);
  const index = `logs-*-${namespace}*`;
  const tag = base.replace(/[^a-z0-9]/g, '');
  // Lines of one length, so each generation's events sit at the same offsets as the last's.
  const line = (name: string, i: number) =>
    `time="${new Date().toISOString()}" level=info msg="${tag}${name}${i}"`;
  const lines = (name: string, n: number) =>
    Array.from({ length: n }, (_, i) => line(name, i) + '\n').join('');
  const markers = async (): Promise<string[]> => {
    await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
    const r = await es.search<{ message?: string }>({
      index,
      size: 1000,
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    return r.hits.hits.map((h) => h._source?.message ?? '');
  };
  const until = (n: number, what: string) =>
    waitFor(async () => ((await markers().catch(() => [])).length >= n ? true : null), {
      timeoutMs: 90_000,
      intervalMs: 500,
      message: what,
    });

  const a = join(root, 'c1', 'svc', 'a.log');
  writeFileSync(a, lines('first', 3));
  await until(3, 'first generation indexed');
  truncateSync(a, 0); // copytruncate: same inode, offsets start again at 0
  // Fewer bytes than before, so the collector sees the shrink however late it looks (a
  // truncation followed by a rewrite past the old size cannot be told from growth by size:
  // inherent to copytruncate).
  appendFileSync(a, lines('second', 2));
  await until(5, 'after copytruncate, the new lines are indexed, not taken for duplicates');

  const b = join(root, 'c1', 'svc', 'b.log');
  writeFileSync(b, lines('old', 2));
  await until(7, 'b.log indexed');
  const oldInode = statSync(b).ino;
  unlinkSync(b);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const c = join(root, 'c1', 'svc', 'c.log');
  writeFileSync(c, lines('new', 2)); // ext4 usually hands the freed inode straight back
  await until(9, 'a file on a reused inode is indexed, not taken for duplicates');
  const reusedInode = statSync(c).ino === oldInode;

  // A replay from scratch (checkpoint lost) of a file that grew past 1 KiB since its first
  // lines were sent: the replayed lines must keep their ids, so no new copies appear.
  // (Only this file is replayed: a truncated file's generation lives in the checkpoint, so
  // losing the checkpoint of a copytruncated file would replay its lines under new ids.)
  const d = join(root, 'c1', 'svc', 'd.log');
  writeFileSync(d, lines('grow', 3));
  await until(12, 'd.log indexed');
  assert.equal(await stop(collector), 0);
  unlinkSync(a);
  unlinkSync(c);
  appendFileSync(d, lines('third', 37));
  rmSync(join(work, 'checkpoints'), { recursive: true, force: true });
  collector = startKiver(collectArgs);
  await until(49, 'the lines written while the collector was down are indexed');
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const all = await markers();
  const counts = new Map<string, number>();
  for (const m of all) counts.set(m, (counts.get(m) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([m]) => m);
  assert.deepEqual(twice, [], 'no event indexed twice after the replay');
  assert.equal(all.length, 49, `49 distinct events (inode reused: ${reusedInode})`);
  for (const child of children.splice(0)) assert.equal(await stop(child), 0);
});
