/**
 * Workers may start before any collector has sent a record, so before the raw topic
 * exists. Subscribing then fails; instead the worker waits for the topic, says so once, and
 * joins the group as soon as it appears.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

function isUnknownTopic(error: unknown): boolean {
  const e = error as { type?: string; message?: string } | undefined;
  return (
    e?.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition/i.test(e?.message ?? '')
  );
}

export async function waitForTopic(
  kafka: Kafka,
  topic: string,
  logger: Logger,
  signal: AbortSignal,
  intervalMs = 2000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let warned = false;
  try {
    while (!signal.aborted) {
      try {
        const topics = await admin.listTopics();
        if (topics.includes(topic)) {
          if (warned) logger.info({ topic }, 'the raw topic exists now');
          return;
        }
      } catch (error) {
        if (!isUnknownTopic(error)) throw error;
      }
      if (!warned) {
        logger.warn(
          { topic },
          'the raw topic does not exist yet: waiting for it (a collector creates it with the broker defaults; create it beforehand to choose the partition count)',
        );
        warned = true;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
