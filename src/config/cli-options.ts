/**
 * The `--config FILE` and `--set key.path=value` options every long-running command takes,
 * for node:util parseArgs.
 */
import { loadConfig } from './load.js';
import type { KiverConfig } from './types.js';

export const configOptions = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
} as const;

export interface ConfigArgs {
  config?: string | undefined;
  set?: string[] | undefined;
}

export function configFromArgs(
  values: ConfigArgs,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KiverConfig {
  return loadConfig({ file: values.config ?? null, env, sets: values.set ?? [] });
}

export const configHelp = [
  '  -c, --config FILE      YAML configuration file (kiver.yaml)',
  '      --set KEY=VALUE    override one key, e.g. --set kafka.brokers=127.0.0.1:9092 (repeatable)',
  '  Environment: KIVER_<SECTION>__<KEY>, e.g. KIVER_KAFKA__BROKERS; precedence: --set, environment, file, defaults.',
].join('\n');
