/**
 * A randomized model test of the collector core (as Vector's file watcher "experiment" tests
 * do): random sequences of create, append, rename (to a followed and to an unfollowed name),
 * copytruncate, delete and restart run against an in-memory model of the files and against
 * the real collector on a temporary folder, with an in-memory producer in place of Kafka.
 * After every step, what the collector sent must be exactly what the model says was written
 * to followed files: every line once, in file order, nothing else.
 *
 * The file system and the clock are real here (the point is the real tailer on real files);
 * what the collector has to catch up with is awaited with a deadline, never a fixed sleep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Collector } from '../../../src/collector/collector.js';
import { noopEvents } from '../../../src/collector/events.js';
import { configFrom } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { MemoryKafka } from '../../helpers/memory-producer.js';

interface ModelFile {
  id: number;
  /** Where the file is now; null when it was renamed to a name that is not followed. */
  path: string | null;
  next: number;
}

interface Model {
  files: ModelFile[];
  /** Every line written to a followed file, by file id, in file order. */
  written: Map<number, string[]>;
  nextId: number;
}

interface Real {
  root: string;
  state: string;
  kafka: MemoryKafka;
  collector: Collector;
  /** Truncations the collector noticed. */
  truncations: { count: number };
}

const NAMES = ['a.log', 'b.log', 'deep/c.log', 'deep/er/d.log'];

function line(f: ModelFile): string {
  return `f${f.id} line ${f.next++} ${'x'.repeat((f.id * 37 + f.next * 11) % 120)}`;
}

async function startCollector(r: Omit<Real, 'collector'>): Promise<Collector> {
  const { root, state, kafka, truncations } = r;
  const config = configFrom({
    kafka: { brokers: ['127.0.0.1:1'], topic: 't' },
    collector: {
      roots: [root],
      include: ['**/*.log'],
      checkpoint_dir: state,
      rescan_interval_ms: 150,
      checkpoint_interval_ms: 100,
      close_inactive_ms: 250,
      max_open_files: 2,
      batch_linger_ms: 5,
      // Lines here never continue one another; a short timeout so the last one is not held long.
      multiline: [
        { path: '**', start: null, continuation: '^\\s', max_lines: 10, max_bytes: 1 << 20, timeout_ms: 20 },
      ],
    },
    metrics: { listen: '' },
  });
  const c = await Collector.create({
    config: config.collector,
    kafka: config.kafka,
    logger: silentLogger(),
    events: { ...noopEvents, fileTruncated: () => void (truncations.count += 1) },
    producerFactory: kafka.factory,
  });
  await c.start();
  return c;
}

/** Waits until the collector sent exactly the model's lines (or fails after the deadline). */
const stepsRun = { n: 0 };
async function caughtUp(m: Model, r: Real): Promise<void> {
  stepsRun.n += 1;
  const want = [...m.written.values()].reduce((n, l) => n + l.length, 0);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = r.kafka.messages();
    if (got.length >= want) {
      check(m, got);
      return;
    }
    if (Date.now() > deadline) {
      check(m, got); // says what is missing
      assert.fail(`collector sent ${got.length} of ${want} lines`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every line once, in file order, nothing else. */
function check(m: Model, got: string[]): void {
  const seen = new Map<number, string[]>();
  for (const text of got) {
    const id = Number(/^f(\d+) /.exec(text)?.[1]);
    assert.ok(m.written.has(id), `a line of no followed file: ${text}`);
    const list = seen.get(id) ?? [];
    list.push(text);
    seen.set(id, list);
  }
  for (const [id, lines] of m.written) {
    const sent = seen.get(id) ?? [];
    assert.deepEqual(sent, lines.slice(0, sent.length), `file ${id}: in order, no duplicate`);
  }
  const total = [...m.written.values()].reduce((n, l) => n + l.length, 0);
  assert.ok(got.length <= total, `${got.length - total} lines sent twice`);
}

const abs = (r: Real, p: string): string => join(r.root, p);

class Create implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly name: string,
    readonly lines: number,
  ) {}
  check = (m: Model) => !m.files.some((f) => f.path === this.name);
  async run(m: Model, r: Real): Promise<void> {
    const f: ModelFile = { id: m.nextId++, path: this.name, next: 0 };
    m.files.push(f);
    const lines = Array.from({ length: this.lines }, () => line(f));
    m.written.set(f.id, lines);
    mkdirSync(join(abs(r, this.name), '..'), { recursive: true });
    appendFileSync(abs(r, this.name), lines.map((l) => l + '\n').join(''));
    await caughtUp(m, r);
  }
  toString = () => `create(${this.name}, ${this.lines})`;
}

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly lines: number,
  ) {}
  check = (m: Model) => m.files.some((f) => f.path !== null);
  async run(m: Model, r: Real): Promise<void> {
    const live = m.files.filter((f) => f.path !== null);
    const f = live[this.pick % live.length]!;
    const lines = Array.from({ length: this.lines }, () => line(f));
    m.written.get(f.id)!.push(...lines);
    appendFileSync(abs(r, f.path!), lines.map((l) => l + '\n').join(''));
    await caughtUp(m, r);
  }
  toString = () => `append(#${this.pick}, ${this.lines})`;
}

/** Rename rotation: to another followed name, or away to a name that is not followed. */
class Rename implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly away: boolean,
  ) {}
  check = (m: Model) => m.files.some((f) => f.path !== null);
  async run(m: Model, r: Real): Promise<void> {
    const live = m.files.filter((f) => f.path !== null);
    const f = live[this.pick % live.length]!;
    const to = this.away ? `${f.path}.${f.id}` : `rotated-${f.id}-${f.next}.log`;
    renameSync(abs(r, f.path!), abs(r, to));
    f.path = this.away ? null : to;
    await caughtUp(m, r);
  }
  toString = () => `rename(#${this.pick}, ${this.away ? 'away' : 'followed'})`;
}

/**
 * copytruncate: the reader has caught up (every step ends so), the file is emptied, and once
 * the collector noticed, rewritten. (A rewrite past the old size before the shrink is seen
 * cannot be told from growth by any reader that goes by sizes: inherent to copytruncate.)
 */
class CopyTruncate implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly lines: number,
  ) {}
  check = (m: Model) => m.files.some((f) => f.path !== null);
  async run(m: Model, r: Real): Promise<void> {
    const live = m.files.filter((f) => f.path !== null);
    const f = live[this.pick % live.length]!;
    const before = r.truncations.count;
    truncateSync(abs(r, f.path!), 0);
    const deadline = Date.now() + 10_000;
    while (r.truncations.count === before) {
      if (Date.now() > deadline) assert.fail('the truncation was never noticed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const lines = Array.from({ length: this.lines }, () => line(f));
    m.written.get(f.id)!.push(...lines);
    appendFileSync(abs(r, f.path!), lines.map((l) => l + '\n').join(''));
    await caughtUp(m, r);
  }
  toString = () => `copytruncate(#${this.pick}, ${this.lines})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.files.some((f) => f.path !== null);
  async run(m: Model, r: Real): Promise<void> {
    const live = m.files.filter((f) => f.path !== null);
    const f = live[this.pick % live.length]!;
    unlinkSync(abs(r, f.path!));
    f.path = null;
    await caughtUp(m, r);
  }
  toString = () => `delete(#${this.pick})`;
}

/** A clean stop and a new collector on the same checkpoints: nothing read twice, nothing skipped. */
class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const { drained } = await r.collector.stop();
    assert.ok(drained, 'everything acknowledged at stop');
    r.collector = await startCollector(r);
    await caughtUp(m, r);
  }
  toString = () => 'restart';
}

const commands = [
  fc.tuple(fc.constantFrom(...NAMES), fc.integer({ min: 1, max: 40 })).map(([n, k]) => new Create(n, k)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 300 })).map(([p, k]) => new Append(p, k)),
  fc.tuple(fc.nat(), fc.boolean()).map(([p, away]) => new Rename(p, away)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30 })).map(([p, k]) => new CopyTruncate(p, k)),
  fc.nat().map((p) => new Delete(p)),
  fc.constant(new Restart()),
];

test(
  'model: random file operations and restarts; every line written to a followed file is sent once, in order',
  { timeout: 600_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20, size: 'large' }), async (cmds) => {
        const base = mkdtempSync(join(tmpdir(), 'kiver-model-'));
        const root = join(base, 'logs');
        mkdirSync(root);
        const state = join(base, 'state');
        const parts = { root, state, kafka: new MemoryKafka(), truncations: { count: 0 } };
        const real: Real = { ...parts, collector: await startCollector(parts) };
        const model: Model = { files: [], written: new Map(), nextId: 0 };
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          await real.collector.stop();
          rmSync(base, { recursive: true, force: true });
        }
      }),
      {
        numRuns: 40,
        endOnFailure: true,
        includeErrorInReport: true,
        // KIVER_FC_SEED=<seed> replays a reported failure.
        ...(process.env['KIVER_FC_SEED'] ? { seed: Number(process.env['KIVER_FC_SEED']) } : {}),
      },
    );
    console.log('# steps', stepsRun.n);
  },
);
