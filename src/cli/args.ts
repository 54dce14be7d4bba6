import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { configFromArgs, configOptions, type KiverConfig } from '../config/index.js';

/**
 * node:util parseArgs for a sub-command, strict by default: an unknown or malformed option
 * is a UsageError (one line, exit 2) that points at the command's --help.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>(config);
  } catch (error) {
    // Node adds advice about '--' to unknown options; the first sentence says what is wrong.
    const message = (error as Error).message.split(/\.\s/)[0]!.replace(/\.?$/, '.');
    throw new UsageError(message, `Run 'kiver ${command} --help' for the options.`);
  }
}

/**
 * For the long-running commands whose only options are --config, --set and --help: the
 * validated configuration, or null when --help was asked for (and printed).
 */
export function configOnlyCommand(command: string, argv: string[], help: string): KiverConfig | null {
  const { values } = parseCommandArgs(command, {
    args: argv,
    options: { ...configOptions, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help + '\n');
    return null;
  }
  return configFromArgs(values);
}
