#!/usr/bin/env node
/**
 * The `kiver` binary: picks the sub-command and turns user errors into one clear line and
 * an exit code. Each sub-command lives in its own module under src/cli/ and is loaded
 * only when used, so `kiver parse` does not pay for the Kafka client.
 */
import { KiverError } from '../errors.js';
import { nearest } from '../config/nearest.js';

export type CommandRunner = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: CommandRunner }>;
}

const commands: Record<string, CommandEntry> = {
  collect: {
    summary: 'follow log trees into Kafka (per-host collector)',
    load: () => import('./collect.js'),
  },
  normalize: {
    summary: 'consume raw records, parse them, index ECS documents',
    load: () => import('./normalize.js'),
  },
  parse: {
    summary: 'run raw lines through the pipelines, NDJSON to stdout',
    load: () => import('./parse.js'),
  },
  pipelines: {
    summary: "'pipelines test': run every pipeline's own test cases",
    load: () => import('./pipelines.js'),
  },
  search: { summary: 'search the indexed logs from the terminal', load: () => import('./search.js') },
  stack: {
    summary: "'stack up|down|status|kill|start': a local Kafka and Elasticsearch",
    load: () => import('./stack.js'),
  },
  replay: {
    summary: 're-index a time range of the raw topic (after a pipeline fix)',
    load: () => import('./replay.js'),
  },
  check: { summary: 'validate a configuration and the pipelines', load: () => import('./check.js') },
  demo: {
    summary: 'start everything, write a realistic log tree, search it',
    load: () => import('./demo.js'),
  },
};

/** The sub-command names, as deployment files must use them. */
export const commandNames: readonly string[] = Object.keys(commands);

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: kiver <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'kiver <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { readPackageVersion } = await import('./version.js');
    process.stdout.write(readPackageVersion() + '\n');
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    const suggestion = nearest(name, Object.keys(commands));
    process.stderr.write(
      `kiver: unknown command '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}\n${usage()}\n`,
    );
    return 2;
  }
  try {
    const module = await entry.load();
    return await module.run(rest);
  } catch (error) {
    if (error instanceof KiverError) {
      process.stderr.write(`kiver ${name}: ${error.toUserString()}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && /[\\/]cli[\\/]main\.(ts|js)$/.test(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `kiver: internal error (a bug, please report it):\n${String((error as Error)?.stack ?? error)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
