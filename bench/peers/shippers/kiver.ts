/** kiver collect from the compiled build, with the deployment's Node option. */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnPinned } from './process.js';
import type { Running, RunContext, Shipper } from './types.js';
import { freePort, metric } from '../../../test/helpers/local-port.js';

export type KiverClient = 'kafkajs' | 'librdkafka';

const repo = path.join(import.meta.dirname, '..', '..', '..');
const require = createRequire(path.join(repo, 'package.json'));
export const KIVER_NODE_OPTIONS = '--max-semi-space-size=2';

export function kiverConfig(ctx: RunContext, client: KiverClient, metricsPort: number): string {
  return [
    'kafka:',
    `  brokers: [${ctx.brokers.join(', ')}]`,
    `  topic: ${ctx.topic}`,
    `  client: ${client}`,
    `  compression: ${ctx.codec}`,
    'collector:',
    `  roots: [${ctx.root}]`,
    '  include: ["**/*.log"]',
    `  checkpoint_dir: ${path.join(ctx.workDir, 'state')}`,
    '  start_at: beginning',
    `  record_max_events: ${ctx.recordMaxEvents ?? 512}`,
    'metrics:',
    `  listen: 127.0.0.1:${metricsPort}`,
    'log:',
    '  level: warn',
    '',
  ].join('\n');
}

export function kiverShipper(client: KiverClient): Shipper {
  return {
    id: `kiver-${client}`,
    family: 'kiver',
    label: `kiver collect (${client})`,
    records: 'kiver-avro',
    async unavailable() {
      if (client === 'kafkajs') return null;
      try {
        require.resolve('@confluentinc/kafka-javascript');
        return null;
      } catch {
        return 'the librdkafka client (@confluentinc/kafka-javascript) is not installed in this build';
      }
    },
    settings: (ctx) => ({
      command: `node ${KIVER_NODE_OPTIONS} dist/src/cli/main.js collect --config kiver.yaml`,
      NODE_OPTIONS: KIVER_NODE_OPTIONS,
      'kafka.client': client,
      'kafka.compression': ctx.codec,
      'collector.record_max_events': ctx.recordMaxEvents ?? 512,
      acks: 'all (the collector always produces with acks=all)',
      other: 'every other key at its default',
    }),
    async start(ctx: RunContext): Promise<Running> {
      const port = await freePort();
      const config = path.join(ctx.workDir, 'kiver.yaml');
      writeFileSync(config, kiverConfig(ctx, client, port));
      const logFile = path.join(ctx.workDir, 'kiver.log');
      const spawned = spawnPinned(
        ctx.core,
        process.execPath,
        ['dist/src/cli/main.js', 'collect', '--config', config],
        { cwd: repo, env: { ...process.env, NODE_OPTIONS: KIVER_NODE_OPTIONS }, logFile },
      );
      return {
        spawned,
        logFile,
        progress: () => metric(port, 'kiver_collector_events_acknowledged_total'),
      };
    },
  };
}
