/**
 * The chain under test, as operators run it: one `kiver collect` and two `kiver normalize`
 * child processes, each with its own metrics port and its log (stdout and stderr) appended to
 * a file in the run folder across restarts. The soak and the delay bench both start it here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { stringify } from 'yaml';
import { configFrom } from '../../src/config/index.js';
import { freePort } from '../../test/helpers/local-port.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type Role = 'collector' | 'worker-1' | 'worker-2';
export const ROLES: readonly Role[] = ['collector', 'worker-1', 'worker-2'];

export interface ChainSettings {
  work: string;
  brokers: string[];
  esUrl: string;
  topic: string;
  dlqTopic: string;
  namespace: string;
  groupId: string;
  root: string;
  checkpointDir: string;
  /** Extra collector settings (e.g. max_event_bytes). */
  collector?: Record<string, unknown>;
}

export interface Incarnation {
  role: Role;
  pid: number;
  startedAt: number;
  endedAt?: number;
  exit?: string;
}

interface Member {
  role: Role;
  port: number;
  child?: ChildProcess;
  exited?: Promise<void>;
}

/**
 * One run's names, all from its id: topics `<kind>-<id>.raw|.dlq`, group `<kind>-<id>`,
 * namespace `<kind><id>` (so its indices are `logs-*-<kind><id>*`), the tree `<work>/app/log`.
 */
export function runSettings(
  kind: string,
  runId: string,
  work: string,
  stack: { brokers: string[]; esUrl: string },
  checkpointDir = path.join(work, 'checkpoints'),
): ChainSettings {
  const root = path.join(work, 'app', 'log');
  mkdirSync(root, { recursive: true });
  return {
    work,
    brokers: stack.brokers,
    esUrl: stack.esUrl,
    topic: `${kind}-${runId}.raw`,
    dlqTopic: `${kind}-${runId}.dlq`,
    namespace: `${kind}${runId}`,
    groupId: `${kind}-${runId}`,
    root,
    checkpointDir,
  };
}

/**
 * The raw topic with 4 partitions, created up front so both workers get a share at once (a
 * topic auto-created by the first send has one); records up to 16 MiB like the demo's.
 */
export async function createRunTopics(kafka: Kafka, s: ChainSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: s.topic, numPartitions: 4 },
        { topic: s.dlqTopic, numPartitions: 1 },
      ].map((t) => ({ ...t, configEntries: [{ name: 'max.message.bytes', value: '16777216' }] })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The YAML both deployables read; each takes its own section. */
export function chainConfig(s: ChainSettings): Record<string, unknown> {
  return {
    kafka: { brokers: s.brokers, topic: s.topic, dlq_topic: s.dlqTopic },
    elasticsearch: { url: s.esUrl, namespace: s.namespace },
    collector: {
      roots: [s.root],
      // Rename-rotated generations (name.1, name.2) are followed too; copytruncate copies
      // (name-<stamp>) are not: the collector reads only their missing part by itself.
      include: ['**/*.log', '**/*.log.[0-9]'],
      checkpoint_dir: s.checkpointDir,
      path_templates: [`${s.root}/{container_id}/{service}/**`],
      host_name: 'soak-host',
      ...s.collector,
    },
    normalizer: { group_id: s.groupId, pipelines_dir: path.join(repoRoot, 'pipelines') },
    metrics: { listen: '127.0.0.1:0' },
  };
}

export class Chain {
  readonly configFile: string;
  readonly incarnations: Incarnation[] = [];
  readonly #members = new Map<Role, Member>();
  readonly #settings: ChainSettings;

  private constructor(settings: ChainSettings, configFile: string) {
    this.#settings = settings;
    this.configFile = configFile;
  }

  static async create(settings: ChainSettings): Promise<Chain> {
    const config = chainConfig(settings);
    configFrom(config); // refuses a bad configuration here, before any process starts
    const file = path.join(settings.work, 'kiver.yaml');
    writeFileSync(file, stringify(config));
    const chain = new Chain(settings, file);
    for (const role of ROLES) chain.#members.set(role, { role, port: await freePort() });
    return chain;
  }

  logFile(role: Role): string {
    return path.join(this.#settings.work, `${role}.log`);
  }

  metricsPort(role: Role): number {
    return this.#member(role).port;
  }

  pid(role: Role): number | undefined {
    const c = this.#member(role).child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  #member(role: Role): Member {
    const m = this.#members.get(role);
    if (!m) throw new Error(`no chain member ${role}`);
    return m;
  }

  /** Starts the role's process (it must not be running) and waits until its /healthz answers. */
  async start(role: Role): Promise<void> {
    const m = this.#member(role);
    if (this.pid(role) !== undefined) throw new Error(`${role} is already running`);
    const command = role === 'collector' ? 'collect' : 'normalize';
    const fd = openSync(this.logFile(role), 'a');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(repoRoot, 'src/cli/main.ts'),
        command,
        '--config',
        this.configFile,
        '--set',
        `metrics.listen=127.0.0.1:${m.port}`,
      ],
      { cwd: repoRoot, stdio: ['ignore', fd, fd], env: { ...process.env } },
    );
    closeSync(fd);
    const inc: Incarnation = { role, pid: child.pid ?? -1, startedAt: Date.now() };
    this.incarnations.push(inc);
    m.child = child;
    m.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        inc.endedAt = Date.now();
        inc.exit = signal ?? `code ${code}`;
        resolve();
      }),
    );
    await this.#waitHealthAnswers(role, 60_000);
  }

  async #waitHealthAnswers(role: Role, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.pid(role) === undefined)
        throw new Error(`${role} exited during start; read ${this.logFile(role)}`);
      try {
        await fetch(`http://127.0.0.1:${this.metricsPort(role)}/healthz`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`${role} did not answer /healthz within ${timeoutMs} ms; read ${this.logFile(role)}`);
  }

  /** kill -9 and wait for the exit. */
  async kill(role: Role, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.#member(role);
    if (this.pid(role) === undefined) return;
    m.child!.kill(signal);
    await m.exited;
  }

  /** SIGTERM every running member (a clean stop), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 30_000): Promise<void> {
    await Promise.all(
      ROLES.map(async (role) => {
        const m = this.#member(role);
        if (this.pid(role) === undefined) return;
        m.child!.kill('SIGTERM');
        const timer = setTimeout(() => m.child?.kill('SIGKILL'), graceMs);
        await m.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Members that exited without the soak killing them (a crash is a finding). */
  running(): Role[] {
    return ROLES.filter((r) => this.pid(r) !== undefined);
  }
}

/** GET a JSON endpoint of a member; null while it does not answer. */
export async function getJson(
  port: number,
  pathName: string,
): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${pathName}`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return null;
  }
}

/** A labelled or unlabelled sample of a Prometheus text body, summed over label sets. */
export async function metricSum(port: number, name: string): Promise<number | null> {
  try {
    const text = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) })
    ).text();
    let sum: number | null = null;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
      sum = (sum ?? 0) + Number(m[1]);
    return sum;
  } catch {
    return null;
  }
}
