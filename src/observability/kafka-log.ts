/**
 * Routes kafkajs's own log lines into the program's pino log, so one stream holds
 * everything and kafkajs's console output does not interleave with command output.
 */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from './logger.js';

export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = { kafkajs: true, ...extra };
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          logger.error(child, message);
          break;
        case logLevel.WARN:
          logger.warn(child, message);
          break;
        case logLevel.INFO:
          logger.info(child, message);
          break;
        default:
          logger.debug(child, message);
      }
    };
}
