/**
 * One service of a running stack: signal it (kill -9, SIGTERM, SIGSTOP/SIGCONT) and start it
 * again on the data it had. This is what fault-injection runs need: a broker that dies and
 * comes back with its log, an Elasticsearch that freezes and thaws. `up` always starts from
 * empty data; this module never formats or empties anything.
 */
import path from 'node:path';
import { StackError } from '../errors.js';
import { findEsServer, startEs } from './elasticsearch.js';
import { findJavaInstalls, type JavaInstall } from './java.js';
import { startKafka } from './kafka.js';
import type { StackLayout } from './layout.js';
import { assertPortsFree, canBind, STACK_HOST, type PortClaim } from './ports.js';
import { isOurs, readProcStat, stopProcesses, waitUntil, type ProcessRecord } from './process.js';
import { waitForEs, waitForKafka } from './readiness.js';
import type { EsState, KafkaState, StackState } from './state.js';

export type ServiceName = 'kafka' | 'elasticsearch';
export const SERVICE_NAMES: readonly ServiceName[] = ['kafka', 'elasticsearch'];

export type ServiceSignal = 'KILL' | 'TERM' | 'STOP' | 'CONT';
export const SERVICE_SIGNALS: readonly ServiceSignal[] = ['KILL', 'TERM', 'STOP', 'CONT'];

export interface KillResult {
  service: ServiceName;
  signal: ServiceSignal;
  /** The pids signalled (ES: the server JVM, and for KILL/TERM the launcher too). */
  pids: number[];
  /** KILL/TERM: every process of the service is gone; STOP/CONT: the signal was delivered. */
  outcome: 'signalled' | 'stopped' | 'killed' | 'not-running';
}

export interface StartResult {
  service: ServiceName;
  /** Its processes were running already: nothing was started. */
  alreadyRunning: boolean;
  pids: number[];
  readyMs: number;
}

/** How long SIGTERM gets before SIGKILL; the same bound `down` uses. */
const TERM_GRACE_MS = 30_000;

function missingState(layout: StackLayout, service: ServiceName): StackError {
  return new StackError(
    `No ${service} of a stack is recorded in ${layout.stateFile}.`,
    `Start the stack first: kiver stack up --dir ${layout.dir}.`,
  );
}

/** The processes of one service, in the order they are signalled (ES: server before launcher). */
export function serviceRecords(state: StackState, service: ServiceName): ProcessRecord[] {
  if (service === 'kafka') return state.kafka ? [state.kafka.process] : [];
  const es = state.elasticsearch;
  if (!es) return [];
  return es.server ? [es.server, es.launcher] : [es.launcher];
}

function deliver(record: ProcessRecord, signal: ServiceSignal): boolean {
  // Checked right before the signal: a recycled pid is never signalled.
  if (!isOurs(record)) return false;
  try {
    process.kill(record.pid, `SIG${signal}`);
    return true;
  } catch {
    return false; // ESRCH: it exited between the check and the signal
  }
}

/**
 * Sends `signal` to one service. STOP and CONT go to the process that serves (Kafka's JVM,
 * ES's server JVM) and return at once. KILL and TERM also take ES's launcher, and wait until
 * every process of the service is gone (TERM: SIGKILL after 30 s, as `down` does).
 */
export async function killService(
  state: StackState,
  service: ServiceName,
  signal: ServiceSignal,
): Promise<KillResult> {
  const records = serviceRecords(state, service).filter(isOurs);
  if (records.length === 0) return { service, signal, pids: [], outcome: 'not-running' };
  if (signal === 'STOP' || signal === 'CONT') {
    const target = records[0]!;
    if (!deliver(target, signal)) return { service, signal, pids: [target.pid], outcome: 'not-running' };
    // Delivery to every thread of a JVM takes a moment: return once the state shows it.
    const stopped = () => readProcStat(target.pid)?.state === 'T';
    await waitUntil(() => (signal === 'STOP' ? stopped() : !stopped()), 5000, 20);
    return { service, signal, pids: [target.pid], outcome: 'signalled' };
  }
  if (signal === 'TERM') {
    // A stopped process cannot act on SIGTERM: continue it first.
    records.forEach((r) => deliver(r, 'CONT'));
    const outcomes = await stopProcesses(records, TERM_GRACE_MS);
    return {
      service,
      signal,
      pids: records.map((r) => r.pid),
      outcome: outcomes.includes('killed') ? 'killed' : 'stopped',
    };
  }
  records.forEach((r) => deliver(r, 'KILL'));
  if (!(await waitUntil(() => records.every((r) => !isOurs(r)), 10_000, 50))) {
    throw new StackError(
      `${service} (pids ${records.map((r) => r.pid).join(', ')}) did not exit after SIGKILL.`,
      'Check them with ps.',
    );
  }
  return { service, signal, pids: records.map((r) => r.pid), outcome: 'killed' };
}

function javaFor(home: string): JavaInstall {
  return (
    findJavaInstalls().find((i) => i.home === home) ?? {
      home,
      major: 0,
      java: path.join(home, 'bin', 'java'),
    }
  );
}

/**
 * A JVM killed a moment ago may still hold its ports: its main thread already reads as a
 * zombie while the other threads exit and the sockets close. Wait a little before refusing.
 */
async function portsFreeSoon(claims: PortClaim[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const free = await Promise.all(claims.map((c) => canBind(c.port)));
    if (free.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  await assertPortsFree(claims); // the one-sentence error naming the port and the flag
}

export interface StartInput {
  layout: StackLayout;
  state: StackState;
  deadline: number;
  /** Called after every change of `state`, so a crash leaves the new pids on disk. */
  save: (state: StackState) => Promise<void>;
  log: (line: string) => void;
}

async function startKafkaAgain(input: StartInput, kafka: KafkaState): Promise<number[]> {
  const { layout } = input;
  await portsFreeSoon([
    { port: kafka.port, role: 'Kafka client listener', flag: '--kafka-port' },
    { port: kafka.controllerPort, role: 'Kafka controller listener', flag: 'kafkaControllerPort' },
    // The secured listeners are in the same server.properties, so they must be free too.
    ...(kafka.secure
      ? [
          { port: kafka.secure.saslSslPort, role: 'Kafka SASL_SSL listener', flag: '--kafka-port' },
          { port: kafka.secure.mtlsPort, role: 'Kafka mutual-TLS listener', flag: '--kafka-port' },
        ]
      : []),
  ]);
  input.log(`starting Kafka on ${STACK_HOST}:${kafka.port} on its existing data (${layout.kafkaDataDir})`);
  const record = await startKafka({
    layout,
    java: javaFor(kafka.javaHome),
    kafkaPort: kafka.port,
    controllerPort: kafka.controllerPort,
  });
  kafka.process = record;
  await input.save(input.state);
  await waitForKafka([`${STACK_HOST}:${kafka.port}`], {
    record,
    logFile: layout.kafkaLog,
    deadline: input.deadline,
  });
  input.log('Kafka is ready (topic created, consumer group joined)');
  return [record.pid];
}

async function startEsAgain(input: StartInput, es: EsState): Promise<number[]> {
  const { layout } = input;
  await portsFreeSoon([
    { port: es.port, role: 'Elasticsearch HTTP', flag: '--es-port' },
    { port: es.transportPort, role: 'Elasticsearch transport', flag: 'esTransportPort' },
  ]);
  input.log(`starting Elasticsearch on http://${STACK_HOST}:${es.port} on its existing data`);
  const launcher = await startEs({
    layout,
    java: javaFor(es.javaHome),
    httpPort: es.port,
    transportPort: es.transportPort,
  });
  es.launcher = launcher;
  delete es.server;
  await input.save(input.state);
  await waitForEs(`http://${STACK_HOST}:${es.port}`, {
    record: launcher,
    logFile: layout.esLog,
    deadline: input.deadline,
  });
  const server = await findEsServer(layout, launcher);
  if (!server) {
    throw new StackError(
      `Elasticsearch answers but its server process (child of pid ${launcher.pid}) was not found.`,
      `Read ${layout.esLog}.`,
    );
  }
  es.server = server;
  await input.save(input.state);
  input.log('Elasticsearch is ready (cluster health yellow or green)');
  return [launcher.pid, server.pid];
}

/**
 * Starts one service of a recorded stack again, keeping its data, and waits for readiness the
 * way `up` does. A service whose processes all run is left alone; a half-running one (ES's
 * launcher without its server) is stopped first.
 */
export async function startService(input: StartInput, service: ServiceName): Promise<StartResult> {
  const t0 = Date.now();
  const records = serviceRecords(input.state, service);
  if (records.length === 0) throw missingState(input.layout, service);
  const running = records.filter(isOurs);
  const complete = service === 'kafka' || input.state.elasticsearch?.server !== undefined;
  if (complete && running.length === records.length) {
    return { service, alreadyRunning: true, pids: records.map((r) => r.pid), readyMs: 0 };
  }
  if (running.length > 0) await stopProcesses(running, TERM_GRACE_MS);
  const pids =
    service === 'kafka'
      ? await startKafkaAgain(input, input.state.kafka!)
      : await startEsAgain(input, input.state.elasticsearch!);
  return { service, alreadyRunning: false, pids, readyMs: Date.now() - t0 };
}
