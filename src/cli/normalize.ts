/**
 * `kiver normalize`: one normalizer worker. Runs until SIGTERM/SIGINT, then finishes the batch
 * in hand, commits, leaves the group and exits within `normalizer.shutdown_timeout_ms`.
 */
import { configHelp } from '../config/index.js';
import { checkKafkaAccess } from '../config/kafka-access.js';
import { configOnlyCommand } from './args.js';
import { createLogger } from '../observability/logger.js';
import { startWorker } from '../normalizer/index.js';
import { resolvePipelinesDir } from './pipelines-dir.js';

const help = [
  'usage: kiver normalize [--config FILE] [--set key=value ...]',
  '',
  'Consumes raw records from kafka.topic as member of the group normalizer.group_id, parses them',
  'with the pipelines in normalizer.pipelines_dir and indexes ECS documents into Elasticsearch;',
  'records that cannot be indexed go to kafka.dlq_topic with the reason.',
  '',
  'options:',
  configHelp,
  '  -h, --help             this text',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const config = configOnlyCommand('normalize', argv, help);
  if (config === null) return 0;
  const logger = createLogger('kiver-normalize', config.log.level);
  // A refused password or certificate ends here (exit 2); an unreachable Kafka is waited out.
  const access = await checkKafkaAccess(config.kafka, 'normalizer');
  if (!access.ok) logger.warn({ reason: access.reason }, 'Kafka is not reachable yet; waiting for it');
  const worker = await startWorker(config, {
    logger,
    pipelinesDir: resolvePipelinesDir(config.normalizer.pipelines_dir),
  });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'stopping: finishing the batch in hand');
      // A hard bound in case a broker or the cluster hangs the orderly path.
      setTimeout(() => {
        logger.error(
          'shutdown timeout reached; exiting without waiting further (uncommitted records are replayed)',
        );
        process.exit(1);
      }, config.normalizer.shutdown_timeout_ms + 2000).unref();
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await worker.stop();
  return 0;
}
