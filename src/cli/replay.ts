/**
 * `kiver replay`: re-index a time window of the raw topic into Elasticsearch (after a pipeline
 * fix, or to restore deleted documents). Prints a progress line on a terminal and a summary.
 */
import { configFromArgs, configHelp, configOptions, type KiverConfig } from '../config/index.js';
import { parseTimeMs } from '../config/time.js';
import { createLogger } from '../observability/logger.js';
import { checkWindow, type ReplayWindow } from '../normalizer/replay/plan.js';
import { ProgressLine } from '../normalizer/replay/progress.js';
import { runReplay, type ReplayResult } from '../normalizer/replay/run-replay.js';
import { formatSummary, type ReplayTally } from '../normalizer/replay/tally.js';
import { parseCommandArgs } from './args.js';
import { resolvePipelinesDir } from './pipelines-dir.js';
import { UsageError } from '../errors.js';

const help = `usage: kiver replay --from WHEN [--to WHEN] [--dataset NAME ...] [options]

Reads the raw records that Kafka received between --from and --to (their Kafka timestamps,
per partition through offsets-for-times) from kafka.topic again and indexes them with the
pipelines in normalizer.pipelines_dir, exactly as the workers do: same index names, same
deterministic ids, bulk create. A document Elasticsearch already holds is counted as already
present and left unchanged; a missing one comes back once. To re-parse documents after a
pipeline fix, delete them first (for example with _delete_by_query on the same time range).
The workers' consumer group and its offsets are not touched (the replay reads as a group of
its own, normalizer.group_id + '.replay-...', and commits nothing).

      --from WHEN        start (inclusive): 15m, 2h, 3d ago (or -2h), today, yesterday (UTC
                         midnight), or an ISO time such as 2026-11-25T08:00:00Z (required)
      --to WHEN          end (exclusive), same forms (default: what the topic holds at start)
  -d, --dataset NAME     only documents of this event.dataset, * wildcards allowed (repeatable)
      --json             the summary as one JSON object on stdout
${configHelp}
  -h, --help             this text
`;

export interface ReplayArgs {
  window: ReplayWindow;
  datasets: string[];
  json: boolean;
  config: KiverConfig;
}

/** The command line as a replay request; `null` when --help was asked for (and printed). */
export function parseReplayArgs(argv: string[], now: number): ReplayArgs | null {
  const { values } = parseCommandArgs('replay', {
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      ...configOptions,
      // No -f/-t: in `kiver search`, -f is --follow.
      from: { type: 'string' },
      to: { type: 'string' },
      dataset: { type: 'string', short: 'd', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return null;
  }
  if (values.from === undefined) {
    throw new UsageError(
      '--from is required.',
      'Say where the replay starts, for example --from 2h or --from yesterday.',
    );
  }
  const window: ReplayWindow = {
    fromMs: parseTimeMs(values.from, now, '--from'),
    toMs: values.to === undefined ? undefined : parseTimeMs(values.to, now, '--to'),
  };
  checkWindow(window, now);
  return {
    window,
    datasets: values.dataset ?? [],
    json: values.json === true,
    config: configFromArgs(values),
  };
}

function describeWindow(w: ReplayWindow): string {
  const to = w.toMs === undefined ? 'now' : new Date(w.toMs).toISOString();
  return `${new Date(w.fromMs).toISOString()} .. ${to}`;
}

export async function run(argv: string[]): Promise<number> {
  const started = Date.now();
  const args = parseReplayArgs(argv, started);
  if (args === null) return 0;
  const { config } = args;
  // Info lines would tear the progress line apart; warnings and errors still show.
  const level = ['trace', 'debug', 'warn', 'error', 'fatal'].includes(config.log.level)
    ? config.log.level
    : 'warn';
  const logger = createLogger('kiver-replay', level);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let progress: ProgressLine | undefined;
  let result: ReplayResult;
  try {
    result = await runReplay(
      config,
      { ...args, pipelinesDir: resolvePipelinesDir(config.normalizer.pipelines_dir) },
      {
        logger,
        signal: controller.signal,
        planned: (plan, tally: ReplayTally) => {
          const reading = Date.now();
          process.stderr.write(
            `replaying ${describeWindow(args.window)} of ${plan.topic}: up to ${plan.total.toLocaleString('en-US')} records in ${plan.ranges.length} partition(s)\n`,
          );
          progress = new ProgressLine(process.stderr, () => ({
            done: tally.settledRecords,
            total: plan.total,
            elapsedMs: Date.now() - reading,
            reachable: tally.reachable,
          }));
          progress.start();
        },
      },
    );
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = (Date.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(
      JSON.stringify({ ...result.summary, interrupted: result.interrupted, seconds }) + '\n',
    );
  } else {
    process.stdout.write(formatSummary(result.summary, seconds, result.interrupted).join('\n') + '\n');
  }
  return result.interrupted ? 130 : 0;
}
