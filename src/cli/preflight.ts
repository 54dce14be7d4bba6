/**
 * What each deployable refuses before it connects anywhere, as the very functions the
 * deployable runs itself: `kiver check --for collect|normalize` calls them, so it refuses
 * exactly what `kiver collect` and `kiver normalize` refuse (test/unit/cli/config-agreement
 * feeds both one table of bad configurations). Types, ranges, formats and relations between
 * keys are the loader's (src/config/spec.ts) and so already shared by every command.
 */
import { checkCollectorConfig, checkCollectorSettings } from '../collector/config-check.js';
import { chooseProducer } from '../collector/producer/select.js';
import { createElasticsearchClient, kafkaOptions } from '../config/clients.js';
import { kafkajsCompression } from '../config/kafkajs-codecs.js';
import type { KiverConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';

export const deployables = ['collect', 'normalize'] as const;
export type Deployable = (typeof deployables)[number];

/** Checks that hold on any host (the collector's globs, templates and encodings). */
export function checkSettings(config: KiverConfig): void {
  checkCollectorSettings(config.collector);
}

/** The deployable's own start-up checks on this host; returns a note for `kiver check`. */
export async function preflight(
  config: KiverConfig,
  deployable: Deployable,
  log: Pick<Logger, 'warn'>,
): Promise<string> {
  if (deployable === 'collect') {
    checkCollectorConfig(config.collector);
    const choice = await chooseProducer(config.kafka, log);
    if (choice.client === 'kafkajs') {
      kafkajsCompression(config.kafka.compression);
      kafkaOptions(config.kafka, 'collector');
    }
    return `ready for kiver collect on this host (roots readable, producing through ${choice.client})`;
  }
  kafkaOptions(config.kafka, 'normalizer');
  await createElasticsearchClient(config.elasticsearch).close();
  return 'ready for kiver normalize on this host (certificates and secrets readable)';
}
