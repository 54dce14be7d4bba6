/**
 * `kiver demo` (`npm run demo`): the whole pipeline on this machine. Starts the local stack,
 * runs one collector and two normalizer workers as child processes, writes a realistic log
 * tree while they run, waits until every event is searchable, prints a unified search and
 * the `kiver search` commands to go further. The stack stays up afterwards so that those
 * commands work (--stop stops it); the collector and workers are stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createElasticsearchClient, createKafka } from '../config/clients.js';
import { configFrom, loadConfig } from '../config/index.js';
import { UsageError, ServiceUnavailableError } from '../errors.js';
import { formatHitLine, type Hit } from '../search/format.js';
import { searchOnce } from '../search/run-search.js';
import { writeDemoTree } from '../stack/demo-tree.js';
import { stackDown, stackUp, type StackOptions } from '../stack/index.js';
import { parseCommandArgs } from './args.js';
import { parseStackArgs } from './stack.js';

const help = `usage: npm run demo [-- --stop] [-- --keep] [-- --rounds N] [-- --dir D --kafka-port N --es-port N]

Starts Kafka and Elasticsearch (kiver stack up), a collector and two normalizer workers,
writes a container log tree of Java services, Ceph, etcd, syslog and netplugin logs into a
temporary folder, waits until every line is searchable, prints every error of the last
five minutes across all components, and the kiver search commands to go further. The stack
keeps running afterwards so that those commands work; 'kiver stack down' stops it.

      --stop       stop the stack afterwards (if this demo started it)
      --keep       also leave the log tree and its checkpoints in place
      --rounds N   rounds of log lines to write, one per second (default 20)
      --dir D, --kafka-port N, --es-port N, --timeout S
                   which stack, as for 'kiver stack up'
`;

/** The options that pick the stack; `kiver stack` parses them (one set of rules and derived ports). */
const STACK_OPTIONS = {
  dir: { type: 'string' },
  'kafka-port': { type: 'string' },
  'es-port': { type: 'string' },
  timeout: { type: 'string' },
} as const;

function demoStackOptions(values: Partial<Record<keyof typeof STACK_OPTIONS, string>>): StackOptions {
  const argv = Object.entries(values).flatMap(([name, value]) =>
    name in STACK_OPTIONS && typeof value === 'string' ? [`--${name}`, value] : [],
  );
  return parseStackArgs(['up', ...argv]).options;
}

/** The entry every suggested command starts with (the demo runs from the repository). */
export const KIVER = 'npx tsx src/cli/main.ts';

export interface Suggestion {
  args: string[];
  note: string;
}

/**
 * The searches the demo suggests. Each is run by test/integration/demo.test.ts against what the
 * demo wrote, so a suggestion that finds nothing fails a test. `searchUrl` is where a plain
 * `kiver search` in this shell would look (defaults and KIVER_ELASTICSEARCH__URL): when that is
 * not the demo's Elasticsearch, every suggestion says where it is.
 */
export function demoSuggestions(esUrl: string, searchUrl: string): Suggestion[] {
  const where = esUrl === searchUrl ? [] : ['--set', `elasticsearch.url=${esUrl}`];
  return [
    { args: ['search', '--dataset', 'ceph.*', ...where], note: 'one family' },
    { args: ['search', '--level', 'error+', 'demo order', ...where], note: 'words in the message' },
    { args: ['search', '--service', 'orders', '--json', ...where], note: 'whole ECS documents' },
    {
      args: ['search', '--host', 'demo-host', '--level', 'error+', '--since', '1d', ...where],
      note: 'one host, a day back',
    },
  ];
}

/** A command line as it is typed into a POSIX shell. */
export function shellLine(args: readonly string[]): string {
  return [KIVER, ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))].join(
    ' ',
  );
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

function spawnKiver(args: string[], logFile: string): ChildProcess {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot find the kiver entry script');
  // The same Node flags (for example tsx's loader) and the same entry script as this process.
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const chunks: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    chunks.push(d.toString('utf8'));
    if (chunks.length > 200) chunks.shift();
  });
  child.on('exit', () => void writeFile(logFile, chunks.join('')).catch(() => undefined));
  return child;
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', {
    args: argv,
    options: {
      ...STACK_OPTIONS,
      keep: { type: 'boolean' },
      stop: { type: 'boolean' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const rounds = values.rounds === undefined ? 20 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 3600) {
    throw new UsageError(
      `--rounds '${values.rounds}' is not a whole number from 1 to 3600.`,
      'Use for example --rounds 30.',
    );
  }

  say('1/5  starting Kafka and Elasticsearch (kiver stack up; the first run downloads them with Maven)...');
  const stackOptions = demoStackOptions(values);
  const stack = await stackUp({ ...stackOptions, log: (line) => process.stderr.write(`     ${line}\n`) });
  say(
    `     Kafka ${stack.brokers.join(',')}, Elasticsearch ${stack.esUrl}${stack.alreadyRunning ? ' (already running)' : ''}`,
  );

  const work = await mkdtemp(join(tmpdir(), 'kiver-demo-'));
  const root = join(work, 'app', 'log');
  const configFile = join(work, 'kiver.yaml');
  const runId = Date.now().toString(36);
  const configObject = {
    kafka: { brokers: stack.brokers, topic: 'kiver-demo.raw', dlq_topic: 'kiver-demo.dlq' },
    elasticsearch: { url: stack.esUrl, namespace: 'demo' },
    collector: {
      roots: [root],
      include: ['**/*.log'],
      checkpoint_dir: join(work, 'checkpoints'),
      path_templates: [`${root}/{container_id}/{service}/**`],
      host_name: 'demo-host',
      labels: { demo_run: runId },
    },
    normalizer: { group_id: 'kiver-demo' },
    metrics: { listen: '127.0.0.1:0' },
  };
  configFrom(configObject);
  await writeFile(configFile, stringify(configObject));

  // Created up front with several partitions, so both workers get a share at once instead of
  // waiting for a metadata refresh after the collector's first send auto-creates it.
  const admin = createKafka(configFrom(configObject).kafka, 'demo-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: 'kiver-demo.raw',
          numPartitions: 4,
          configEntries: [{ name: 'max.message.bytes', value: '16777216' }],
        },
        {
          topic: 'kiver-demo.dlq',
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: '16777216' }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }

  const children: ChildProcess[] = [];
  const client = createElasticsearchClient(configFrom(configObject).elasticsearch);
  try {
    say(`2/5  starting a collector and two normalizer workers (config ${configFile})...`);
    children.push(spawnKiver(['collect', '--config', configFile], join(work, 'collector.log')));
    children.push(spawnKiver(['normalize', '--config', configFile], join(work, 'normalizer-1.log')));
    children.push(spawnKiver(['normalize', '--config', configFile], join(work, 'normalizer-2.log')));
    for (const child of children) {
      child.once('exit', (code, signal) => {
        if (code !== 0 && signal !== 'SIGTERM')
          process.stderr.write(`     a child process ended early (code ${code}); logs in ${work}\n`);
      });
    }

    say(`3/5  writing ${rounds} rounds of Java, Ceph, etcd, syslog and netplugin logs under ${root}...`);
    const written = await writeDemoTree(root, rounds, 1000);
    say(`     ${written.events} events in ${written.files.length} files`);

    say('4/5  waiting until every event is searchable...');
    const started = Date.now();
    let indexed = 0;
    while (Date.now() - started < 180_000) {
      try {
        const count = await client.count({
          index: 'logs-*-demo*',
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { prefix: { 'log.file.path': root } },
        });
        indexed = count.count;
      } catch {
        indexed = 0;
      }
      if (indexed >= written.events) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (indexed < written.events) {
      throw new ServiceUnavailableError(
        `Only ${indexed} of ${written.events} demo events were searchable after 3 minutes.`,
        `Read the logs in ${work}.`,
      );
    }
    say(
      `     all ${indexed} events indexed ${((Date.now() - started) / 1000).toFixed(1)} s after the last write`,
    );

    say('5/5  every error of the last five minutes, across all components, newest first:\n');
    const result = await searchOnce(
      client,
      stack.esUrl,
      { levels: ['error+'], since: '5m', size: 25 },
      'logs-*-demo*',
    );
    for (const hit of result.hits as Hit[]) say('  ' + formatHitLine(hit, process.stdout.isTTY === true));
    say(`\n  ${result.hits.length} of ${result.total} errors shown.\n`);
    say('Query further:');
    const searchUrl = loadConfig({ env: process.env }).elasticsearch.url;
    const suggestions = demoSuggestions(stack.esUrl, searchUrl);
    const width = Math.max(...suggestions.map((x) => shellLine(x.args).length));
    for (const x of suggestions) say(`  ${shellLine(x.args).padEnd(width)}  # ${x.note}`);
    say('  Kibana: create the data view logs-* on this Elasticsearch.');
    return 0;
  } finally {
    await Promise.all(children.map((c) => stopChild(c, 15_000)));
    await client.close();
    if (values.keep) say(`\nKept: the log tree and its checkpoints in ${work}.`);
    else await rm(work, { recursive: true, force: true });
    if (values.stop && !stack.alreadyRunning) {
      say('\nStopping the stack...');
      await stackDown(stackOptions);
    } else {
      const down = shellLine(['stack', 'down', ...(values.dir === undefined ? [] : ['--dir', values.dir])]);
      say(
        `\nThe stack keeps running${stack.alreadyRunning ? ' (it was running before the demo)' : ''}; stop it with: ${down}`,
      );
    }
  }
}
