/**
 * Shared helpers for integration tests: where the real Kafka and Elasticsearch are, and small
 * polling/naming utilities so tests wait on conditions instead of sleeping.
 *
 * KIVER_KAFKA__BROKERS (comma-separated) and KIVER_ELASTICSEARCH__URL point the tests at an
 * existing cluster; without them the default local stack is started once (or reused).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  stackStatus,
  stackUp,
  type EsSecurityInfo,
  type KafkaListener,
  type KafkaSecurityInfo,
} from '../../src/stack/index.js';

export interface StackEndpoints {
  brokers: string[];
  esUrl: string;
}

let pending: Promise<StackEndpoints> | undefined;

export async function ensureStack(): Promise<StackEndpoints> {
  const brokersEnv = process.env.KIVER_KAFKA__BROKERS?.trim();
  const esEnv = process.env.KIVER_ELASTICSEARCH__URL?.trim();
  if (brokersEnv && esEnv) {
    return {
      brokers: brokersEnv
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      esUrl: esEnv,
    };
  }
  // One stackUp per test process; stackUp itself locks against other processes.
  pending ??= stackUp({}).then((r) => ({
    brokers: brokersEnv ? brokersEnv.split(',').map((b) => b.trim()) : r.brokers,
    esUrl: esEnv || r.esUrl,
  }));
  return pending;
}

export interface SecureKafka {
  /** The PLAINTEXT listener, for the tests' own admin and readers. */
  plainBrokers: string[];
  saslSsl: string;
  mtls: string;
  security: KafkaSecurityInfo;
}

function listenerAddress(listeners: KafkaListener[], name: KafkaListener['name']): string {
  const l = listeners.find((x) => x.name === name);
  if (!l)
    throw new Error(
      `the stack has no ${name} Kafka listener (started before it had one? run 'kiver stack down' and 'up')`,
    );
  return l.address;
}

/**
 * The stack's secured Kafka listeners and their CA, client certificate and password files:
 * from the stack in KIVER_STACK_DIR when set (started with `kiver stack up --dir`), else from
 * the default stack (started or reused).
 */
export async function secureKafka(): Promise<SecureKafka> {
  const dir = process.env.KIVER_STACK_DIR?.trim();
  const found = dir
    ? await stackStatus({ dir }).then((s) => {
        if (!s.healthy) throw new Error(`the stack in ${dir} is not running: kiver stack up --dir ${dir}`);
        return { listeners: s.kafkaListeners, security: s.kafkaSecurity };
      })
    : await stackUp({}).then((r) => ({ listeners: r.kafkaListeners, security: r.kafkaSecurity }));
  return {
    plainBrokers: [listenerAddress(found.listeners, 'PLAINTEXT')],
    saslSsl: listenerAddress(found.listeners, 'SASL_SSL'),
    mtls: listenerAddress(found.listeners, 'MTLS'),
    security: found.security,
  };
}

/** `prefix-<time>-<random>`, lower case, valid as a Kafka topic, ES index and group id. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Included in the error, e.g. "all 100 messages consumed". */
  message?: string;
}

/** Polls until the predicate returns a truthy value and returns it; throws after the timeout. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100, message = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Creates a topic and waits for its partition leaders, so the first produce does not race them. */
export async function createTopic(brokers: string[], name: string, partitions = 1): Promise<void> {
  const admin = new Kafka({ clientId: 'kiver-test-admin', brokers, logLevel: logLevel.WARN }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true });
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [name] });
        const parts = meta.topics[0]?.partitions ?? [];
        return parts.length === partitions && parts.every((p) => p.leader >= 0);
      },
      { timeoutMs: 15_000, message: `leaders for all ${partitions} partitions of ${name}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * The secured Elasticsearch of `kiver stack up --secure` (KIVER_STACK_DIR's stack, else the
 * default one), with the stack dir; undefined when that stack was started without --secure.
 */
export async function secureElasticsearch(): Promise<{ es: EsSecurityInfo; stackDir: string } | undefined> {
  const dir = process.env.KIVER_STACK_DIR?.trim();
  const status = await stackStatus(dir ? { dir } : {});
  const up = status.services.find((s) => s.name === 'elasticsearch-secure');
  if (!status.secureElasticsearch || !up?.answers) return undefined;
  return { es: status.secureElasticsearch, stackDir: status.dir };
}
