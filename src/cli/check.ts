/**
 * `kiver check`: validates a configuration (and the pipelines it points at) without running
 * anything. Exit 0 when valid, 2 with one clear sentence when not.
 */
import { configOptions, configFromArgs, configHelp, redactedConfig } from '../config/index.js';
import { parseCommandArgs } from './args.js';
import { loadPipelineSet } from '../normalizer/pipeline/index.js';
import { resolvePipelinesDir } from './pipelines-dir.js';
import { registerKafkajsCodecs } from '../config/kafkajs-codecs.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { checkSettings, deployables, preflight, type Deployable } from './preflight.js';

const help = `usage: kiver check [--config FILE] [--set KEY=VALUE ...] [--for collect|normalize] [--print] [--no-pipelines]

Validates the configuration and the pipeline files it names, and exits 0 when both are valid,
2 otherwise (with one sentence saying what is wrong and how to fix it).

${configHelp}
      --for DEPLOYABLE   also run the start-up checks of kiver collect or kiver normalize on this
                         host (roots readable, Kafka client, certificate files): exit 0 means
                         that command accepts this configuration here
      --print            print the effective configuration as JSON (secrets hidden)
      --no-pipelines     check the configuration only
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check', {
    args: argv,
    options: {
      ...configOptions,
      for: { type: 'string' },
      print: { type: 'boolean' },
      'no-pipelines': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const target = values.for;
  if (target !== undefined && !(deployables as readonly string[]).includes(target)) {
    throw new UsageError(`--for '${target}' is not a deployable.`, 'Use --for collect or --for normalize.');
  }
  const config = configFromArgs(values);
  // --for normalize is exactly what a worker refuses: it never reads the collector section.
  if (target !== 'normalize') checkSettings(config);
  const hostNote = target
    ? `; ${await preflight(config, target as Deployable, createLogger('kiver-check', 'warn'))}`
    : '';
  let pipelineNote = 'pipelines not checked';
  if (!values['no-pipelines']) {
    const dir = resolvePipelinesDir(config.normalizer.pipelines_dir);
    // The options `kiver normalize` loads them with, so both refuse the same files.
    const set = await loadPipelineSet(dir, {
      timezone: config.normalizer.timezone,
      keepEventOriginal: config.normalizer.keep_event_original,
      maxMessageBytes: config.normalizer.max_message_bytes,
    });
    pipelineNote = `${set.names.length} pipelines valid in ${dir}`;
  }
  if (values.print) process.stdout.write(JSON.stringify(redactedConfig(config), null, 2) + '\n');
  process.stdout.write(
    `configuration valid${values.config ? ` (${values.config})` : ' (defaults and environment)'}; ${pipelineNote}; ${codecNote()}${hostNote}\n`,
  );
  return 0;
}

/** Which codecs kafkajs clients on this host (the workers, a kafkajs collector) can use. */
function codecNote(): string {
  const { lz4, zstd } = registerKafkajsCodecs();
  const missing = [lz4 ? null : 'lz4 (lz4-napi)', zstd ? null : 'zstd (zstd-napi)'].filter(Boolean);
  return missing.length === 0
    ? 'kafkajs codecs: gzip, lz4, zstd'
    : `kafkajs codecs: gzip${lz4 ? ', lz4' : ''}${zstd ? ', zstd' : ''}; not installed: ${missing.join(', ')}`;
}
