/**
 * `kiver stack up|down|status|kill|start`: argument parsing and terminal output only; the work is in
 * src/stack. Exit codes: 0 success (status: both services answer), 1 status unhealthy,
 * 2 usage errors, 1 for StackErrors (printed by the dispatcher as one line).
 */
import { UsageError } from '../errors.js';
import { parseCommandArgs } from './args.js';
import type { ServiceName, ServiceSignal, StackOptions, StackStatus } from '../stack/index.js';

export const help = `usage: kiver stack <up|down|status> [options]
       kiver stack kill <kafka|elasticsearch> [--signal KILL|TERM|STOP|CONT] [options]
       kiver stack start <kafka|elasticsearch> [options]

A real single-node Kafka (KRaft) and Elasticsearch on 127.0.0.1, without Docker, from
artifacts on Maven Central (needs Java 17+ and, for the first run, Maven).

  up       start both (harmless when already running); Kafka and ES data start empty
  down     stop exactly the processes 'up' started
  status   show each service, its address, pids and whether it answers (exit 1 unless all do),
           Kafka's listeners and where the CA, client certificate and passwords are
  kill     signal one service and keep its data: KILL (default) or TERM waits until it is gone,
           STOP freezes it, CONT thaws it (Elasticsearch: its server JVM)
  start    start one killed service again on the data it had and wait until it is ready

options:
      --dir DIR          stack dir (state, Kafka data, logs) [default: ~/.cache/kiver/stack]
      --kafka-port N     Kafka client port [9092] (PLAINTEXT); the controller uses N+1,
                         SASL_SSL (SCRAM-SHA-512, PLAIN) N+2, mutual TLS (SSL) N+3
      --es-port N        Elasticsearch HTTP port [9200]; transport uses N+100
      --secure           'up' also starts a second Elasticsearch on the ES port + 1 (transport
                         + 101) with HTTPS (the stack's CA) and basic auth (user kiver, file realm)
      --timeout S        seconds 'up' or 'start' waits for readiness [180]
      --signal SIG       for 'kill': KILL, TERM, STOP or CONT [KILL]
      --json             print the result as JSON
  -h, --help             this text
`;

export type StackCommand = 'up' | 'down' | 'status' | 'kill' | 'start';
const COMMANDS: readonly StackCommand[] = ['up', 'down', 'status', 'kill', 'start'];
// Kept here rather than imported: the CLI must not load src/stack (and its clients) to parse.
const SERVICES: readonly ServiceName[] = ['kafka', 'elasticsearch'];
const SIGNALS: readonly ServiceSignal[] = ['KILL', 'TERM', 'STOP', 'CONT'];

export interface ParsedStackArgs {
  command: StackCommand | undefined;
  /** For kill and start. */
  service?: ServiceName;
  signal?: ServiceSignal;
  options: StackOptions;
  json: boolean;
  help: boolean;
}

/** kill/start take one service; the others take none. */
function parseTarget(
  command: StackCommand,
  rest: string[],
  signal: string | undefined,
): Pick<ParsedStackArgs, 'service' | 'signal'> {
  const withService = command === 'kill' || command === 'start';
  if (signal !== undefined && command !== 'kill') throw new UsageError('--signal only goes with kill.');
  if (!withService) {
    if (rest.length > 0) throw new UsageError(`Too many arguments: ${rest.join(' ')}.`);
    return {};
  }
  const [service, ...extra] = rest;
  if (service === undefined || extra.length > 0 || !SERVICES.includes(service as ServiceName)) {
    throw new UsageError(
      service === undefined ? `Missing the service to ${command}.` : `Unknown service '${rest.join(' ')}'.`,
      `Use 'kiver stack ${command} kafka' or 'kiver stack ${command} elasticsearch'.`,
    );
  }
  if (command === 'start') return { service: service as ServiceName };
  const sig = (signal ?? 'KILL').toUpperCase().replace(/^SIG/, '');
  if (!SIGNALS.includes(sig as ServiceSignal)) {
    throw new UsageError(`Unknown signal '${signal}'.`, 'Use --signal KILL, TERM, STOP or CONT.');
  }
  return { service: service as ServiceName, signal: sig as ServiceSignal };
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new UsageError(`${flag} must be a port number between 1 and 65535, not '${value}'.`);
  }
  return n;
}

/** Pure: argv -> what to do. Derived ports keep one flag per service, as the help says. */
export function parseStackArgs(argv: string[]): ParsedStackArgs {
  const parsed = parseCommandArgs('stack', {
    args: argv,
    options: {
      dir: { type: 'string' },
      'kafka-port': { type: 'string' },
      'es-port': { type: 'string' },
      timeout: { type: 'string' },
      secure: { type: 'boolean' },
      signal: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const { values, positionals } = parsed;
  if (values.help) return { command: undefined, options: {}, json: false, help: true };
  const [command, ...rest] = positionals;
  if (command === undefined) {
    throw new UsageError(
      'Missing sub-command.',
      "Use 'kiver stack up', 'kiver stack down' or 'kiver stack status'.",
    );
  }
  if (!COMMANDS.includes(command as StackCommand)) {
    throw new UsageError(
      `Unknown sub-command '${command}'.`,
      "Use 'up', 'down', 'status', 'kill' or 'start'.",
    );
  }
  const target = parseTarget(command as StackCommand, rest, values.signal);
  const options: StackOptions = {};
  if (values.dir !== undefined) {
    if (values.dir.trim() === '') throw new UsageError('--dir must not be empty.');
    options.dir = values.dir;
  }
  const kafkaPort = port(values['kafka-port'], '--kafka-port');
  if (kafkaPort !== undefined) {
    if (kafkaPort > 65532)
      throw new UsageError(
        '--kafka-port must leave room for the ports N+1 to N+3 (controller, SASL_SSL, mutual TLS).',
      );
    options.kafkaPort = kafkaPort;
    options.kafkaControllerPort = kafkaPort + 1;
    options.kafkaSaslSslPort = kafkaPort + 2;
    options.kafkaMtlsPort = kafkaPort + 3;
  }
  const esPort = port(values['es-port'], '--es-port');
  if (esPort !== undefined) {
    if (esPort > 65434) throw new UsageError('--es-port must leave room for the ports N+1, N+100 and N+101.');
    options.esPort = esPort;
    options.esTransportPort = esPort + 100;
    options.esSecurePort = esPort + 1;
    options.esSecureTransportPort = esPort + 101;
  }
  if (values.secure === true) options.secure = true;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0)
      throw new UsageError(`--timeout must be a positive number of seconds, not '${values.timeout}'.`);
    options.timeoutMs = Math.round(s * 1000);
  }
  return { command: command as StackCommand, ...target, options, json: values.json === true, help: false };
}

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Kafka's listeners and where a client finds the CA, its certificate and the passwords. */
export function formatListeners(
  listeners: StackStatus['kafkaListeners'],
  security: StackStatus['kafkaSecurity'],
): string {
  const rows = [
    ['KAFKA LISTENER', 'ADDRESS', 'SECURITY', 'AUTHENTICATION'],
    ...listeners.map((l) => [
      l.name,
      l.address,
      l.securityProtocol,
      l.clientCertificate
        ? 'client certificate'
        : l.saslMechanisms.length
          ? l.saslMechanisms.join(', ')
          : 'none',
    ]),
  ];
  const files = [
    `CA: ${security.caFile}`,
    `client certificate: ${security.clientCertFile} (key ${security.clientKeyFile})`,
    ...security.users.map((u) => `user ${u.username} (${u.mechanism}): password in ${u.passwordFile}`),
  ];
  return `${table(rows)}\n${files.join('\n')}\n`;
}

/** Where a client finds the secured Elasticsearch's CA, user and password. */
export function formatSecureEs(info: StackStatus['secureElasticsearch']): string {
  if (!info) return '';
  return `secured elasticsearch ${info.url}: CA ${info.caFile}, user ${info.username}, password in ${info.passwordFile}\n\n`;
}

export function formatStatusTable(status: StackStatus): string {
  const rows = [
    ['SERVICE', 'ADDRESS', 'PIDS', 'RUNNING', 'ANSWERS'],
    ...status.services.map((s) => [
      s.name,
      s.address,
      s.pids.length ? s.pids.join(',') : '-',
      s.running ? 'yes' : 'no',
      s.answers ? 'yes' : 'no',
    ]),
  ];
  return (
    `${table(rows)}\n\n${formatListeners(status.kafkaListeners, status.kafkaSecurity)}\n` +
    formatSecureEs(status.secureElasticsearch) +
    `stack dir: ${status.dir}\nlogs: ${status.logsDir}\n`
  );
}

export async function run(argv: string[]): Promise<number> {
  const args = parseStackArgs(argv);
  if (args.help || !args.command) {
    process.stdout.write(help);
    return 0;
  }
  // Loaded here so `kiver stack --help` does not load the Kafka and ES clients.
  const stack = await import('../stack/index.js');
  const log = (line: string) => process.stderr.write(`kiver stack: ${line}\n`);
  const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

  if (args.command === 'up') {
    const r = await stack.stackUp({ ...args.options, log });
    if (args.json) out(r);
    else {
      const how = r.alreadyRunning
        ? 'already running'
        : `started in ${(r.timings.totalMs / 1000).toFixed(1)} s`;
      process.stdout.write(
        [
          `stack ${how}`,
          `kafka          ${r.brokers.join(',')}  (Kafka ${r.kafka.version}, pid ${r.kafka.pid})`,
          `elasticsearch  ${r.esUrl}  (Elasticsearch ${r.elasticsearch.version}, pids ${r.elasticsearch.pids.join(',')})`,
          `stack dir: ${r.dir}`,
          `logs: ${r.kafka.logFile}, ${r.elasticsearch.logFile}`,
          `cluster probe: ${r.probeFile}`,
          `for tests: KIVER_KAFKA__BROKERS=${r.brokers.join(',')} KIVER_ELASTICSEARCH__URL=${r.esUrl} KIVER_STACK_DIR=${r.dir}`,
          '',
          formatListeners(r.kafkaListeners, r.kafkaSecurity),
          formatSecureEs(r.secureElasticsearch),
        ].join('\n'),
      );
    }
    return 0;
  }
  if (args.command === 'down') {
    const r = await stack.stackDown({ ...args.options, log });
    if (args.json) out(r);
    else if (r.stopped.length === 0) process.stdout.write(`nothing to stop in ${r.dir}\n`);
    else {
      for (const s of r.stopped) process.stdout.write(`${s.name.padEnd(22)} pid ${s.pid}: ${s.outcome}\n`);
    }
    return 0;
  }
  if (args.command === 'kill') {
    const r = await stack.stackKill(args.service!, args.signal!, { ...args.options, log });
    if (args.json) out(r);
    else process.stdout.write(`${r.service} SIG${r.signal} pids ${r.pids.join(',') || '-'}: ${r.outcome}\n`);
    return r.outcome === 'not-running' ? 1 : 0;
  }
  if (args.command === 'start') {
    const r = await stack.stackStart(args.service!, { ...args.options, log });
    if (args.json) out(r);
    else {
      const how = r.alreadyRunning ? 'already running' : `ready in ${(r.readyMs / 1000).toFixed(1)} s`;
      process.stdout.write(`${r.service} ${how} (pids ${r.pids.join(',')})\n`);
    }
    return 0;
  }
  const status = await stack.stackStatus(args.options);
  process.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatusTable(status));
  return status.healthy ? 0 : 1;
}
