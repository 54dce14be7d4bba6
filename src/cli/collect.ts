/**
 * `kiver collect`: the per-host collector. Follows the configured log trees into Kafka
 * until SIGTERM/SIGINT, then sends what it read, writes its checkpoint and exits within
 * collector.shutdown_timeout_ms.
 */
import { Collector, CollectorHealth, collectorMetrics, fanOut, loggingEvents } from '../collector/index.js';
import { configHelp } from '../config/index.js';
import { configOnlyCommand } from './args.js';
import { createLogger } from '../observability/logger.js';
import { createRegistry, startMetricsServer } from '../observability/metrics-server.js';

const help = [
  'usage: kiver collect [--config FILE] [--set key=value ...]',
  '',
  'Follows every file under collector.roots (any depth) that collector.include accepts, and',
  'sends each line or multi-line event to Kafka as an Avro raw record. Progress is kept in',
  'collector.checkpoint_dir and advances only for events Kafka acknowledged.',
  '',
  'options:',
  configHelp,
  '  -h, --help             this text',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const config = configOnlyCommand('collect', argv, help);
  if (config === null) return 0;
  const log = createLogger('collector', config.log.level);
  const registry = createRegistry();
  let collector: Collector | null = null;
  const metricsEvents = collectorMetrics(registry, {
    filesWatched: () => collector?.stats().filesWatched ?? 0,
    filesOpen: () => collector?.stats().filesOpen ?? 0,
    inFlightBytes: () => collector?.stats().inFlightBytes ?? 0,
    kafkaUp: () => collector?.stats().kafkaUp ?? false,
    lags: () => collector?.lags() ?? [],
  });
  const health = new CollectorHealth({
    maxLagBytes: config.collector.health_max_lag_bytes,
    checkpointDir: config.collector.checkpoint_dir,
  });
  collector = await Collector.create({
    config: config.collector,
    kafka: config.kafka,
    logger: log,
    events: fanOut(metricsEvents, health.events, loggingEvents(log)),
  });
  const server = await startMetricsServer(config.metrics.listen, registry, () => {
    const s = collector?.stats();
    let lag = 0;
    for (const l of collector?.lags() ?? []) lag += l.lagBytes;
    return {
      checks: health.checks(lag),
      details: {
        kafka: s?.kafkaUp ? 'up' : 'unreachable',
        files_watched: s?.filesWatched ?? 0,
        files_open: s?.filesOpen ?? 0,
        events_acknowledged: s?.eventsAcked ?? 0,
        in_flight_bytes: s?.inFlightBytes ?? 0,
        lag_bytes: lag,
      },
    };
  });
  await collector.start();
  log.info({ roots: config.collector.roots, metrics: server?.url ?? null }, 'collector started');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping: sending what was read, writing the checkpoint');
  // A hard stop in case something hangs past the configured bound.
  const hard = setTimeout(() => {
    log.error('shutdown exceeded collector.shutdown_timeout_ms; exiting');
    process.exit(1);
  }, config.collector.shutdown_timeout_ms + 2000);
  hard.unref();
  const { drained } = await collector.stop();
  await server?.close();
  log.info({ drained }, 'collector stopped');
  return drained ? 0 : 1;
}
