/**
 * Which producer the collector uses, from `kafka.client`. (Interim: kafkajs only; the
 * librdkafka implementation lands next.)
 */
import type { KafkaConfig } from '../../config/types.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { createKafkajsProducer } from './kafkajs.js';
import type { ProducerFactory } from './port.js';

export async function chooseProducerFactory(kafka: KafkaConfig, _log: Logger): Promise<ProducerFactory> {
  if (kafka.client === 'librdkafka') {
    throw new ConfigError(
      "kafka.client 'librdkafka' is not available in this build of kiver.",
      "Use 'auto' or 'kafkajs' (--set kafka.client=kafkajs).",
    );
  }
  return createKafkajsProducer;
}
