/**
 * The start-up check of `kiver collect` and `kiver normalize`: one connection through the
 * configured TLS and SASL before any work starts. A refusal (wrong password, untrusted or
 * refused certificate) is an AccessRefusedError, so the program ends within seconds with one
 * sentence and exit code 2 instead of retrying forever. An unreachable Kafka is not an error
 * here: the collector keeps reading into its bounded buffer and both deployables wait it out.
 */
import { logLevel } from 'kafkajs';
import { createKafka } from './clients.js';
import { kafkajsRefusal } from './access-refusal.js';
import type { KafkaConfig } from './types.js';

export type KafkaAccess = { ok: true } | { ok: false; reason: string };

export async function checkKafkaAccess(kafka: KafkaConfig, role: string): Promise<KafkaAccess> {
  const admin = createKafka(kafka, `${role}-check`, {
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  // Connect plus the SASL exchange; a broker that accepts TCP but never answers is "unreachable".
  const boundMs = kafka.connection_timeout_ms + 5000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${boundMs} ms`)), boundMs);
  });
  try {
    await Promise.race([admin.connect(), timeout]);
    return { ok: true };
  } catch (error) {
    const refusal = kafkajsRefusal(error, kafka);
    if (refusal) throw refusal;
    return { ok: false, reason: (error as Error).message };
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
