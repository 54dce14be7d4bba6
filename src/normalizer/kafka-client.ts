/**
 * The kafkajs client for the worker, built from `kafka.*`, with kafkajs' own log routed to
 * the program's pino logger.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { patchKafkajsIdleLoop } from '../config/kafkajs-idle-patch.js';

function sasl(config: KafkaConfig): SASLOptions | undefined {
  const { mechanism, username, password } = config.sasl;
  if (!mechanism) return undefined;
  return { mechanism, username: username ?? '', password: password ?? '' } as SASLOptions;
}

export function createKafka(config: KafkaConfig, clientId: string, logger: Logger): Kafka {
  const { tls } = config;
  const auth = sasl(config);
  patchKafkajsIdleLoop();
  return new Kafka({
    clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connection_timeout_ms,
    requestTimeout: config.request_timeout_ms,
    ...(tls.enabled
      ? {
          ssl: {
            rejectUnauthorized: tls.reject_unauthorized,
            ...(tls.ca_file ? { ca: [readFileSync(tls.ca_file, 'utf8')] } : {}),
            ...(tls.cert_file ? { cert: readFileSync(tls.cert_file, 'utf8') } : {}),
            ...(tls.key_file ? { key: readFileSync(tls.key_file, 'utf8') } : {}),
          },
        }
      : {}),
    ...(auth ? { sasl: auth } : {}),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        const child = logger.child({ component: 'kafkajs' });
        if (level === logLevel.ERROR) child.error(rest, message);
        else if (level === logLevel.WARN) child.warn(rest, message);
        else child.debug(rest, message);
      },
  });
}
