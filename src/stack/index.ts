/**
 * `kiver stack`: a real single-node Kafka (KRaft) and Elasticsearch on 127.0.0.1, started from
 * Maven Central artifacts without Docker. This module is the public API; the CLI and the test
 * helpers are thin layers over it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { StackError } from '../errors.js';
import { ensureArtifacts } from './artifacts.js';
import { findEsServer, prepareEs, startEs } from './elasticsearch.js';
import { findJavaInstalls, pickEsJava, pickKafkaJava } from './java.js';
import { prepareKafka, startKafka } from './kafka.js';
import {
  kafkaListeners,
  kafkaSecurityInfo,
  prepareKafkaSecurity,
  type KafkaListener,
  type KafkaSecurityInfo,
} from './kafka-security.js';
import { tlsFiles } from './tls.js';
import {
  esSecurityInfo,
  secureEsAccess,
  secureEsRun,
  secureEsLayout,
  type EsSecurityInfo,
} from './secure-es.js';
import { defaultArtifactCacheDir, defaultStackDir, stackLayout, type StackLayout } from './layout.js';
import { assertPortsFree, STACK_HOST, validatePort, type PortClaim } from './ports.js';
import {
  childrenOf,
  isOurs,
  recordFor,
  stopProcesses,
  type ProcessRecord,
  type StopOutcome,
} from './process.js';
import { probeCluster, saveProbe, type ClusterProbe } from './probe.js';
import { esAnswers, esClient, kafkaAnswers, waitForEs, waitForKafka } from './readiness.js';
import {
  killService,
  startService,
  type KillResult,
  type ServiceName,
  type ServiceSignal,
  type StartResult,
} from './service.js';
import { readState, removeState, withLock, writeState, type StackState } from './state.js';
import { ES_MIN_JAVA, ES_VERSION, KAFKA_MIN_JAVA, KAFKA_VERSION } from './versions.js';

export type { ClusterProbe } from './probe.js';
export type { ProcessRecord, StopOutcome } from './process.js';
export type { KafkaListener, KafkaSecurityInfo, KafkaUser } from './kafka-security.js';
export type { EsSecurityInfo } from './secure-es.js';
export type { KillResult, ServiceName, ServiceSignal, StartResult } from './service.js';
export { SERVICE_NAMES, SERVICE_SIGNALS } from './service.js';
export { ES_VERSION, KAFKA_VERSION } from './versions.js';
export { defaultStackDir, defaultArtifactCacheDir } from './layout.js';

export const DEFAULT_PORTS = {
  kafkaPort: 9092,
  kafkaControllerPort: 9093,
  /** Unless given: kafkaPort + 2. */
  kafkaSaslSslPort: 9094,
  /** Unless given: kafkaPort + 3. */
  kafkaMtlsPort: 9095,
  esPort: 9200,
  esTransportPort: 9300,
  /** Unless given: esPort + 1. */
  esSecurePort: 9201,
  /** Unless given: esPort + 101. */
  esSecureTransportPort: 9301,
} as const;

export const DEFAULT_TIMEOUT_MS = 180_000;
/** How long a service gets to shut down on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 30_000;

export interface StackOptions {
  /** Stack dir (state, Kafka data, logs, probe.json). Default: $XDG_CACHE_HOME/kiver/stack or ~/.cache/kiver/stack. */
  dir?: string;
  /** Shared artifact cache (Kafka jars, unzipped ES). Default: $XDG_CACHE_HOME/kiver/artifacts. */
  cacheDir?: string;
  /** Maven local repository for the first download. Default: Maven's own (~/.m2/repository). */
  mavenRepoLocal?: string;
  kafkaPort?: number;
  kafkaControllerPort?: number;
  /** Kafka's SASL_SSL listener (SCRAM-SHA-512 and PLAIN). The CLI uses --kafka-port + 2. */
  kafkaSaslSslPort?: number;
  /** Kafka's mutual-TLS listener (SSL, client certificate required). The CLI uses --kafka-port + 3. */
  kafkaMtlsPort?: number;
  esPort?: number;
  esTransportPort?: number;
  /** Also start the HTTPS + file-realm Elasticsearch (secure-es.ts). The CLI's --secure. */
  secure?: boolean;
  /** Its HTTP port; the CLI uses --es-port + 1. */
  esSecurePort?: number;
  /** Its transport port; the CLI uses --es-port + 101. */
  esSecureTransportPort?: number;
  /** Limit for `up` to reach readiness (and for waiting on another up/down). Default 180 s. */
  timeoutMs?: number;
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
}

export interface ServiceStatus {
  name: 'kafka' | 'elasticsearch' | 'elasticsearch-secure';
  /** host:port for Kafka, URL for Elasticsearch. */
  address: string;
  /** Recorded pids (ES: launcher and server JVM). */
  pids: number[];
  /** Every recorded process is alive and still the one we started. */
  running: boolean;
  /** The service answers a client request (Kafka: list topics; ES: cluster health >= yellow). */
  answers: boolean;
  logFile: string;
}

export interface StackStatus {
  dir: string;
  logsDir: string;
  services: ServiceStatus[];
  /** Kafka's client listeners: address and security protocol of each. */
  kafkaListeners: KafkaListener[];
  /** CA, client certificate and password files for the secured listeners. */
  kafkaSecurity: KafkaSecurityInfo;
  /** URL, CA, user and password file of the secured Elasticsearch, when `up --secure` started it. */
  secureElasticsearch?: EsSecurityInfo;
  /** Every service runs and answers. */
  healthy: boolean;
}

export interface StackUpResult {
  dir: string;
  logsDir: string;
  /** true when `up` found the stack already running and started nothing. */
  alreadyRunning: boolean;
  brokers: string[];
  esUrl: string;
  kafkaListeners: KafkaListener[];
  kafkaSecurity: KafkaSecurityInfo;
  secureElasticsearch?: EsSecurityInfo;
  kafka: { version: string; pid: number; javaHome: string; logFile: string };
  elasticsearch: { version: string; pids: number[]; javaHome: string; logFile: string; runtimeDir: string };
  probe: ClusterProbe | undefined;
  probeFile: string;
  /** Milliseconds spent: total, artifact resolution, until both services were ready. */
  timings: { totalMs: number; artifactsMs: number; readyMs: number };
}

export interface StackDownResult {
  dir: string;
  stopped: { name: string; pid: number; outcome: StopOutcome }[];
}

interface Resolved {
  layout: StackLayout;
  kafkaPort: number;
  kafkaControllerPort: number;
  kafkaSaslSslPort: number;
  kafkaMtlsPort: number;
  esPort: number;
  esTransportPort: number;
  secure: boolean;
  esSecurePort: number;
  esSecureTransportPort: number;
  timeoutMs: number;
  mavenRepoLocal: string | undefined;
  log: (line: string) => void;
}

function resolveOptions(opts: StackOptions): Resolved {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const layout = stackLayout(
    opts.dir ?? defaultStackDir(),
    opts.cacheDir ?? defaultArtifactCacheDir(),
    isRoot,
  );
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new StackError(`The timeout must be positive, not ${timeoutMs}.`);
  // The secured listeners and the secured ES sit next to their plain ports unless given.
  const kafkaPort = opts.kafkaPort ?? DEFAULT_PORTS.kafkaPort;
  const esPort = opts.esPort ?? DEFAULT_PORTS.esPort;
  return {
    layout,
    kafkaPort: validatePort(kafkaPort, '--kafka-port'),
    kafkaControllerPort: validatePort(
      opts.kafkaControllerPort ?? DEFAULT_PORTS.kafkaControllerPort,
      'kafkaControllerPort',
    ),
    kafkaSaslSslPort: validatePort(opts.kafkaSaslSslPort ?? kafkaPort + 2, 'kafkaSaslSslPort'),
    kafkaMtlsPort: validatePort(opts.kafkaMtlsPort ?? kafkaPort + 3, 'kafkaMtlsPort'),
    esPort: validatePort(esPort, '--es-port'),
    esTransportPort: validatePort(opts.esTransportPort ?? DEFAULT_PORTS.esTransportPort, 'esTransportPort'),
    secure: opts.secure === true,
    esSecurePort: validatePort(opts.esSecurePort ?? esPort + 1, 'esSecurePort'),
    esSecureTransportPort: validatePort(opts.esSecureTransportPort ?? esPort + 101, 'esSecureTransportPort'),
    timeoutMs,
    mavenRepoLocal: opts.mavenRepoLocal,
    log: opts.log ?? (() => undefined),
  };
}

const brokersOf = (port: number) => [`${STACK_HOST}:${port}`];
const esUrlOf = (port: number) => `http://${STACK_HOST}:${port}`;

/** Every process the state names, including ES server JVMs we did not record yet. */
function recordedProcesses(state: StackState): { name: string; record: ProcessRecord }[] {
  const out: { name: string; record: ProcessRecord }[] = [];
  for (const [name, es] of [
    ['elasticsearch', state.elasticsearch],
    ['elasticsearch-secure', state.elasticsearchSecure],
  ] as const) {
    if (!es) continue;
    if (es.server) out.push({ name: `${name} server`, record: es.server });
    else if (isOurs(es.launcher)) {
      // `up` died before it learned the server pid: the launcher's children are the server.
      for (const pid of childrenOf(es.launcher.pid)) {
        const r = recordFor(pid, 'org.elasticsearch');
        if (r) out.push({ name: `${name} server`, record: r });
      }
    }
    out.push({ name: `${name} launcher`, record: es.launcher });
  }
  if (state.kafka) out.push({ name: 'kafka', record: state.kafka.process });
  return out;
}

async function stopState(r: Resolved, state: StackState): Promise<StackDownResult['stopped']> {
  const procs = recordedProcesses(state);
  const outcomes = await stopProcesses(
    procs.map((p) => p.record),
    STOP_GRACE_MS,
  );
  await removeState(r.layout.stateFile);
  return procs.map((p, i) => ({ name: p.name, pid: p.record.pid, outcome: outcomes[i] ?? 'not-running' }));
}

const esRunning = (es: StackState['elasticsearch']): boolean =>
  es !== undefined && isOurs(es.launcher) && es.server !== undefined && isOurs(es.server);

/** Every service `up` would start (the secured ES when asked for) runs; nothing extra is missing. */
function allRunning(state: StackState, secure: boolean): boolean {
  if ((secure || state.elasticsearchSecure) && !esRunning(state.elasticsearchSecure)) return false;
  const es = state.elasticsearch;
  return (
    state.kafka !== undefined &&
    isOurs(state.kafka.process) &&
    es !== undefined &&
    isOurs(es.launcher) &&
    es.server !== undefined &&
    isOurs(es.server)
  );
}

async function readProbe(file: string): Promise<ClusterProbe | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterProbe;
  } catch {
    return undefined;
  }
}

function upResult(
  r: Resolved,
  state: StackState,
  alreadyRunning: boolean,
  probe: ClusterProbe | undefined,
  timings: StackUpResult['timings'],
): StackUpResult {
  const kafka = state.kafka!; // callers pass a complete state
  const es = state.elasticsearch!;
  return {
    dir: r.layout.dir,
    logsDir: r.layout.logsDir,
    alreadyRunning,
    brokers: brokersOf(kafka.port),
    esUrl: esUrlOf(es.port),
    kafkaListeners: kafkaListeners(kafka.port, kafka.secure),
    kafkaSecurity: kafkaSecurityInfo(r.layout.dir, tlsFiles(r.layout.dir)),
    ...(state.elasticsearchSecure
      ? { secureElasticsearch: esSecurityInfo(r.layout.dir, state.elasticsearchSecure.port) }
      : {}),
    kafka: {
      version: KAFKA_VERSION,
      pid: kafka.process.pid,
      javaHome: kafka.javaHome,
      logFile: r.layout.kafkaLog,
    },
    elasticsearch: {
      version: ES_VERSION,
      pids: [es.launcher.pid, ...(es.server ? [es.server.pid] : [])],
      javaHome: es.javaHome,
      logFile: r.layout.esLog,
      runtimeDir: es.runtimeDir,
    },
    probe,
    probeFile: r.layout.probeFile,
    timings,
  };
}

/** Kafka, the plain ES and (when it runs) the secured ES all answer a client request. */
async function allAnswer(r: Resolved, state: StackState): Promise<boolean> {
  const secure = state.elasticsearchSecure;
  const secureOk = async () =>
    !secure ||
    esAnswers(
      esSecurityInfo(r.layout.dir, secure.port).url,
      5000,
      await secureEsAccess(r.layout.dir, secure.port),
    );
  return (
    state.kafka !== undefined &&
    state.elasticsearch !== undefined &&
    (await kafkaAnswers(brokersOf(state.kafka.port))) &&
    (await esAnswers(esUrlOf(state.elasticsearch.port))) &&
    (await secureOk())
  );
}

/** Every port `up` will bind, with what it is for and the option that moves it. */
function portClaims(r: Resolved): PortClaim[] {
  return [
    { port: r.kafkaPort, role: 'Kafka client listener', flag: '--kafka-port' },
    { port: r.kafkaControllerPort, role: 'Kafka controller listener', flag: 'kafkaControllerPort' },
    { port: r.kafkaSaslSslPort, role: 'Kafka SASL_SSL listener', flag: 'kafkaSaslSslPort' },
    { port: r.kafkaMtlsPort, role: 'Kafka mutual-TLS listener', flag: 'kafkaMtlsPort' },
    { port: r.esPort, role: 'Elasticsearch HTTP', flag: '--es-port' },
    { port: r.esTransportPort, role: 'Elasticsearch transport', flag: 'esTransportPort' },
    ...(r.secure
      ? [
          { port: r.esSecurePort, role: 'secured Elasticsearch HTTPS', flag: 'esSecurePort' },
          {
            port: r.esSecureTransportPort,
            role: 'secured Elasticsearch transport',
            flag: 'esSecureTransportPort',
          },
        ]
      : []),
  ];
}

/**
 * Starts Kafka and Elasticsearch unless this stack dir's services already run and answer (then
 * it returns at once with `alreadyRunning`). A half-running stack is stopped and started fresh.
 * Every fresh start formats Kafka's data and empties Elasticsearch's data.
 */
export async function stackUp(opts: StackOptions = {}): Promise<StackUpResult> {
  const r = resolveOptions(opts);
  const t0 = Date.now();
  await mkdir(r.layout.logsDir, { recursive: true });
  return withLock(r.layout.lockFile, r.timeoutMs, async () => {
    const previous = await readState(r.layout.stateFile);
    if (previous && allRunning(previous, r.secure)) {
      if (await allAnswer(r, previous)) {
        r.log(`already running (stack dir ${r.layout.dir})`);
        return upResult(r, previous, true, await readProbe(r.layout.probeFile), {
          totalMs: Date.now() - t0,
          artifactsMs: 0,
          readyMs: 0,
        });
      }
    }
    if (previous) {
      r.log('a previous stack is only partly running or not answering: stopping what is left of it');
      await stopState(r, previous);
    }

    await assertPortsFree(portClaims(r));

    const installs = findJavaInstalls();
    const kafkaJava = pickKafkaJava(installs, KAFKA_MIN_JAVA);
    const esJava = pickEsJava(installs, ES_MIN_JAVA);

    const tA = Date.now();
    await ensureArtifacts(r.layout, { mavenRepoLocal: r.mavenRepoLocal, log: r.log });
    const artifactsMs = Date.now() - tA;

    const securePorts = { saslSslPort: r.kafkaSaslSslPort, mtlsPort: r.kafkaMtlsPort };
    const kafkaInput = {
      layout: r.layout,
      java: kafkaJava,
      kafkaPort: r.kafkaPort,
      controllerPort: r.kafkaControllerPort,
      secure: await prepareKafkaSecurity(r.layout.dir, kafkaJava, securePorts, r.log),
    };
    const esInput = { layout: r.layout, java: esJava, httpPort: r.esPort, transportPort: r.esTransportPort };
    const secureEs = r.secure
      ? await secureEsRun(
          r.layout,
          esJava,
          { http: r.esSecurePort, transport: r.esSecureTransportPort },
          r.log,
        )
      : undefined;
    await mkdir(r.layout.kafkaDir, { recursive: true });
    await Promise.all([
      prepareKafka(kafkaInput),
      prepareEs(esInput),
      ...(secureEs ? [secureEs.prepare()] : []),
    ]);

    const state: StackState = { version: 1, dir: r.layout.dir, startedAt: new Date().toISOString() };
    const deadline = Date.now() + r.timeoutMs;
    try {
      r.log(`starting Kafka ${KAFKA_VERSION} on ${STACK_HOST}:${r.kafkaPort} (Java ${kafkaJava.major})`);
      const kafkaProc = await startKafka(kafkaInput);
      state.kafka = {
        process: kafkaProc,
        port: r.kafkaPort,
        controllerPort: r.kafkaControllerPort,
        secure: securePorts,
        javaHome: kafkaJava.home,
      };
      await writeState(r.layout.stateFile, state);
      r.log(`starting Elasticsearch ${ES_VERSION} on ${esUrlOf(r.esPort)} (Java ${esJava.major})`);
      const launcher = await startEs(esInput);
      state.elasticsearch = {
        launcher,
        port: r.esPort,
        transportPort: r.esTransportPort,
        javaHome: esJava.home,
        runtimeDir: r.layout.esRuntimeDir,
      };
      await writeState(r.layout.stateFile, state);
      if (secureEs) {
        state.elasticsearchSecure = await secureEs.start();
        await writeState(r.layout.stateFile, state);
      }

      // Both start at once: on 2 cores ES's ~20 s dominates and Kafka is ready well within it.
      await Promise.all([
        waitForKafka(brokersOf(r.kafkaPort), {
          record: kafkaProc,
          logFile: r.layout.kafkaLog,
          deadline,
        }).then(() => r.log('Kafka is ready (topic created, consumer group joined)')),
        waitForEs(esUrlOf(r.esPort), { record: launcher, logFile: r.layout.esLog, deadline }).then(() =>
          r.log('Elasticsearch is ready (cluster health yellow or green)'),
        ),
        ...(secureEs && state.elasticsearchSecure
          ? [secureEs.ready(state.elasticsearchSecure, deadline)]
          : []),
      ]);
      const server = await findEsServer(r.layout, launcher);
      if (!server) {
        throw new StackError(
          `Elasticsearch answers but its server process (child of pid ${launcher.pid}) was not found.`,
          `Read ${r.layout.esLog}.`,
        );
      }
      state.elasticsearch.server = server;
      if (secureEs && state.elasticsearchSecure)
        state.elasticsearchSecure.server = await secureEs.findServer(state.elasticsearchSecure);
      await writeState(r.layout.stateFile, state);
    } catch (error) {
      // Leave nothing behind on a failed start; the error names the log to read.
      await stopState(r, state).catch(() => undefined);
      throw error;
    }
    const readyMs = Date.now() - t0;

    const client = esClient(esUrlOf(r.esPort));
    let probe: ClusterProbe | undefined;
    try {
      probe = await probeCluster(client);
      await saveProbe(r.layout.probeFile, probe);
    } finally {
      await client.close();
    }
    return upResult(r, state, false, probe, { totalMs: Date.now() - t0, artifactsMs, readyMs });
  });
}

/** Stops exactly the processes this stack dir's `up` started (verified by pid + start time + command line). */
export async function stackDown(opts: StackOptions = {}): Promise<StackDownResult> {
  const r = resolveOptions(opts);
  await mkdir(r.layout.dir, { recursive: true });
  return withLock(r.layout.lockFile, r.timeoutMs, async () => {
    const state = await readState(r.layout.stateFile);
    if (!state) return { dir: r.layout.dir, stopped: [] };
    return { dir: r.layout.dir, stopped: await stopState(r, state) };
  });
}

async function recordedState(r: Resolved): Promise<StackState> {
  const state = await readState(r.layout.stateFile);
  if (!state) {
    throw new StackError(
      `No stack is recorded in ${r.layout.dir}.`,
      `Start it first: kiver stack up --dir ${r.layout.dir}.`,
    );
  }
  return state;
}

/**
 * Signals one service of the running stack (KILL, TERM, STOP or CONT) and keeps its data and
 * its record in state.json, so `stackStart` can bring it back on the same data.
 */
export async function stackKill(
  service: ServiceName,
  signal: ServiceSignal,
  opts: StackOptions = {},
): Promise<KillResult> {
  const r = resolveOptions(opts);
  return withLock(r.layout.lockFile, r.timeoutMs, async () =>
    killService(await recordedState(r), service, signal),
  );
}

/** Starts one service again on the data it had, and waits until it is ready as `up` does. */
export async function stackStart(service: ServiceName, opts: StackOptions = {}): Promise<StartResult> {
  const r = resolveOptions(opts);
  return withLock(r.layout.lockFile, r.timeoutMs, async () =>
    startService(
      {
        layout: r.layout,
        state: await recordedState(r),
        deadline: Date.now() + r.timeoutMs,
        save: (state) => writeState(r.layout.stateFile, state),
        log: r.log,
      },
      service,
    ),
  );
}

export async function stackStatus(opts: StackOptions = {}): Promise<StackStatus> {
  const r = resolveOptions(opts);
  const state = await readState(r.layout.stateFile);
  const kafkaPort = state?.kafka?.port ?? r.kafkaPort;
  const esPort = state?.elasticsearch?.port ?? r.esPort;
  const kafkaRecords = state?.kafka ? [state.kafka.process] : [];
  const es = state?.elasticsearch;
  const esRecords = es ? [es.launcher, ...(es.server ? [es.server] : [])] : [];
  const kafkaRunning = kafkaRecords.length > 0 && kafkaRecords.every(isOurs);
  const esRunning = esRecords.length === 2 && esRecords.every(isOurs);
  // Only ask the ports when our processes run: otherwise a foreign service would look like ours.
  const [kafkaOk, esOk] = await Promise.all([
    kafkaRunning ? kafkaAnswers(brokersOf(kafkaPort)) : Promise.resolve(false),
    esRunning ? esAnswers(esUrlOf(esPort)) : Promise.resolve(false),
  ]);
  const services: ServiceStatus[] = [
    {
      name: 'kafka',
      address: brokersOf(kafkaPort)[0]!,
      pids: kafkaRecords.map((p) => p.pid),
      running: kafkaRunning,
      answers: kafkaOk,
      logFile: r.layout.kafkaLog,
    },
    {
      name: 'elasticsearch',
      address: esUrlOf(esPort),
      pids: esRecords.map((p) => p.pid),
      running: esRunning,
      answers: esOk,
      logFile: r.layout.esLog,
    },
  ];
  const secure = state?.elasticsearchSecure;
  if (secure) services.push(await secureEsStatus(r, secure));
  return {
    dir: r.layout.dir,
    logsDir: r.layout.logsDir,
    services,
    kafkaListeners: kafkaListeners(kafkaPort, state?.kafka?.secure),
    kafkaSecurity: kafkaSecurityInfo(r.layout.dir, tlsFiles(r.layout.dir)),
    ...(secure ? { secureElasticsearch: esSecurityInfo(r.layout.dir, secure.port) } : {}),
    healthy: services.every((s) => s.running && s.answers),
  };
}

async function secureEsStatus(
  r: Resolved,
  es: NonNullable<StackState['elasticsearchSecure']>,
): Promise<ServiceStatus> {
  const info = esSecurityInfo(r.layout.dir, es.port);
  const running = esRunning(es);
  const access = running ? await secureEsAccess(r.layout.dir, es.port) : undefined;
  return {
    name: 'elasticsearch-secure',
    address: info.url,
    pids: [es.launcher.pid, ...(es.server ? [es.server.pid] : [])],
    running,
    answers: access ? await esAnswers(info.url, 5000, access) : false,
    logFile: secureEsLayout(r.layout).esLog,
  };
}
