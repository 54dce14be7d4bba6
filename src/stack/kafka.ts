/**
 * Kafka in KRaft combined mode (one JVM is broker and controller), started straight from the
 * cached jars with `kafka.Kafka`: the release tarball's shell scripts are not on Maven Central.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { StackError } from '../errors.js';
import type { JavaInstall } from './java.js';
import { scramFormatArgs, secureListenerProperties, type SecureListenerInput } from './kafka-security.js';
import type { StackLayout } from './layout.js';
import { spawnDetached, type ProcessRecord } from './process.js';
import { STACK_HOST } from './ports.js';

const run = promisify(execFile);

export interface KafkaPropertiesInput {
  kafkaPort: number;
  controllerPort: number;
  dataDir: string;
  /** The SASL_SSL and mutual-TLS listeners (see kafka-security.ts); absent: PLAINTEXT only. */
  secure?: SecureListenerInput;
}

/** Test-friendly single-node settings; every replication factor is 1 because there is one broker. */
export function renderKafkaProperties(input: KafkaPropertiesInput): string {
  const client = `${STACK_HOST}:${input.kafkaPort}`;
  const controller = `${STACK_HOST}:${input.controllerPort}`;
  const secure = input.secure ? secureListenerProperties(input.secure) : undefined;
  const listeners = [`PLAINTEXT://${client}`, ...(secure?.listeners ?? [])].join(',');
  const protocolMap = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...(secure?.protocolMap ?? [])].join(
    ',',
  );
  const props: [string, string | number | boolean][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    // Dynamic quorum, formatted with --standalone: the flow the 4.x quickstart documents.
    ['controller.quorum.bootstrap.servers', controller],
    ['listeners', `${listeners},CONTROLLER://${controller}`],
    // 127.0.0.1, not localhost: Node resolves localhost to ::1 first and the broker binds IPv4.
    ['advertised.listeners', `${listeners},CONTROLLER://${controller}`],
    // Only clients are secured: broker and controller talk PLAINTEXT on loopback.
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', protocolMap],
    ['log.dirs', input.dataDir],
    ['num.partitions', 1],
    ['auto.create.topics.enable', true],
    // The default of 3 can never be met by one broker: consumer groups would never get a coordinator.
    ['offsets.topic.replication.factor', 1],
    // 50 partitions cost seconds of leader elections on 2 cores; groups work the same with 1.
    ['offsets.topic.num.partitions', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // Tests join groups constantly; the 3 s default delay would slow every one of them.
    ['group.initial.rebalance.delay.ms', 0],
    ['num.network.threads', 2],
    ['num.io.threads', 2],
    ['log.retention.hours', 24],
    ...(secure?.props ?? []),
  ];
  return `${props.map(([k, v]) => `${k}=${String(v)}`).join('\n')}\n`;
}

/** Console only: stdout goes to the stack's kafka.log; no rolling files inside the data dir. */
export function renderKafkaLog4j(): string {
  return [
    'status = warn',
    'appender.console.type = Console',
    'appender.console.name = STDOUT',
    'appender.console.target = SYSTEM_OUT',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    'logger.kafka.name = kafka',
    'logger.kafka.level = INFO',
    'logger.ak.name = org.apache.kafka',
    'logger.ak.level = WARN',
    '',
  ].join('\n');
}

/** Same format as Kafka's Uuid.randomUuid(): 16 random bytes, base64url, no padding, no leading '-'. */
export function newClusterId(): string {
  while (true) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export const KAFKA_HEAP = ['-Xms256m', '-Xmx512m'];

export function kafkaJvmArgs(layout: StackLayout): string[] {
  return [
    ...KAFKA_HEAP,
    // What kafka-run-class.sh uses as KAFKA_JVM_PERFORMANCE_OPTS.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${layout.kafkaLog4j}`,
    '-cp',
    `${layout.kafkaLibsDir}/*`,
  ];
}

export interface KafkaStartInput {
  layout: StackLayout;
  java: JavaInstall;
  kafkaPort: number;
  controllerPort: number;
  secure?: SecureListenerInput;
}

/** Fresh data on every start: tests get a clean broker and a Kafka upgrade needs a reformat anyway. */
export async function prepareKafka(input: KafkaStartInput): Promise<void> {
  const { layout } = input;
  await rm(layout.kafkaDataDir, { recursive: true, force: true });
  await mkdir(layout.kafkaDataDir, { recursive: true });
  await writeFile(
    layout.kafkaProperties,
    renderKafkaProperties({
      kafkaPort: input.kafkaPort,
      controllerPort: input.controllerPort,
      dataDir: layout.kafkaDataDir,
      ...(input.secure ? { secure: input.secure } : {}),
    }),
    // It holds the store password and the PLAIN user's password.
    { mode: 0o600 },
  );
  await chmod(layout.kafkaProperties, 0o600);
  await writeFile(layout.kafkaLog4j, renderKafkaLog4j());
  try {
    await run(
      input.java.java,
      [
        ...kafkaJvmArgs(layout),
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        '-t',
        newClusterId(),
        '-c',
        layout.kafkaProperties,
        ...(input.secure ? scramFormatArgs(input.secure.passwords) : []),
      ],
      { cwd: layout.kafkaDir, maxBuffer: 8 * 1024 * 1024 },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    let tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    for (const secret of input.secure?.passwords.values() ?? []) tail = tail.split(secret).join('***');
    throw new StackError(`Formatting the Kafka data dir ${layout.kafkaDataDir} failed: ${tail}`, undefined, {
      cause: error,
    });
  }
}

export async function startKafka(input: KafkaStartInput): Promise<ProcessRecord> {
  const { layout } = input;
  return spawnDetached({
    command: input.java.java,
    args: [...kafkaJvmArgs(layout), 'kafka.Kafka', layout.kafkaProperties],
    env: { ...process.env, LANG: 'C.UTF-8' },
    cwd: layout.kafkaDir,
    logFile: layout.kafkaLog,
    // The properties path is unique to this stack dir, so it tells our broker from any other.
    marker: layout.kafkaProperties,
  });
}
