import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

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
