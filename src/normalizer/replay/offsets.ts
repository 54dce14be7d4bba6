/**
 * Asks Kafka where the replay window lies in each partition of the raw topic: offsets-for-times
 * at `--from`, at `--to` (or the high watermarks), and the log start offsets.
 */
import type { Admin } from 'kafkajs';
import { UsageError } from '../../errors.js';
import { partitionRanges, type PartitionRange, type ReplayWindow } from './plan.js';

export async function findRanges(
  admin: Admin,
  topic: string,
  window: ReplayWindow,
): Promise<PartitionRange[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new UsageError(
      `The raw topic '${topic}' does not exist on this Kafka, so there is nothing to replay.`,
      'Check kafka.topic and kafka.brokers.',
    );
  }
  const watermarks = await admin.fetchTopicOffsets(topic);
  const starts = await admin.fetchTopicOffsetsByTimestamp(topic, window.fromMs);
  const ends =
    window.toMs === undefined
      ? watermarks.map((w) => ({ partition: w.partition, offset: w.high }))
      : await admin.fetchTopicOffsetsByTimestamp(topic, window.toMs);
  return partitionRanges(
    starts,
    ends,
    watermarks.map((w) => ({ partition: w.partition, offset: w.low })),
  );
}
