/**
 * The worker's kafkajs client: the project's one Kafka client set-up (config/clients.ts: TLS,
 * SASL, the idle-loop fix, the lz4/zstd codecs a collector may have written with), with
 * kafkajs' own log routed to the program's pino logger.
 */
import { logLevel, type Kafka, type LogEntry } from 'kafkajs';
import { createKafka as createConfiguredKafka } from '../config/clients.js';
import type { KafkaConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const child = logger.child({ component: 'kafkajs' });
  return createConfiguredKafka(config, 'normalizer', {
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        if (level === logLevel.ERROR) child.error(rest, message);
        else if (level === logLevel.WARN) child.warn(rest, message);
        else child.debug(rest, message);
      },
  });
}
