/**
 * "Ready" means usable the way the tests use it, not "the port is open": Kafka is ready when
 * an admin client can create a topic and a consumer group can join (that needs the group
 * coordinator and __consumer_offsets), Elasticsearch when cluster health reaches yellow.
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '@elastic/elasticsearch';
import { logLevel, type Kafka } from 'kafkajs';
import { createElasticsearchClient, createKafka } from '../config/clients.js';
import { defaultConfig } from '../config/load.js';
import { StackError } from '../errors.js';
import { isOurs, type ProcessRecord } from './process.js';

export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(log file is missing)';
  }
}

async function notReadyError(service: string, why: string, logFile: string): Promise<StackError> {
  const tail = await logTail(logFile);
  return new StackError(`${service} ${why}.`, `Read ${logFile}; its last lines:\n${tail}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export const READINESS_TOPIC = 'kiver-stack-readiness';

function quietKafka(brokers: string[], clientId: string): Kafka {
  // The project's one client set-up, on the stack's plaintext listener. Retries are ours (the
  // loops here); kafkajs's own would log every refused connection.
  return createKafka({ ...defaultConfig().kafka, brokers, client_id: 'kiver-stack' }, clientId, {
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

/** Admin connects and lists topics: the broker answers clients. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 5000): Promise<boolean> {
  const admin = quietKafka(brokers, 'kiver-stack-status').admin();
  try {
    await withTimeout(
      (async () => {
        await admin.connect();
        await admin.listTopics();
      })(),
      timeoutMs,
      'kafka status',
    );
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One full check: topic create/list and a consumer-group join. */
async function kafkaFunctional(brokers: string[], timeoutMs: number): Promise<void> {
  const kafka = quietKafka(brokers, 'kiver-stack-readiness');
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: 'kiver-stack-readiness', sessionTimeout: 10_000 });
  try {
    await withTimeout(
      (async () => {
        await admin.connect();
        const topics = await admin.listTopics();
        if (!topics.includes(READINESS_TOPIC)) {
          await admin.createTopics({
            topics: [{ topic: READINESS_TOPIC, numPartitions: 1 }],
            waitForLeaders: true,
          });
        }
        if (!(await admin.listTopics()).includes(READINESS_TOPIC)) throw new Error('topic not listed');
        const joined = new Promise<void>((resolve) =>
          consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
        );
        await consumer.connect();
        await consumer.subscribe({ topic: READINESS_TOPIC, fromBeginning: true });
        await consumer.run({ eachMessage: async () => undefined });
        await joined;
      })(),
      timeoutMs,
      'kafka readiness',
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export interface WaitInput {
  record: ProcessRecord;
  logFile: string;
  deadline: number;
}

export async function waitForKafka(brokers: string[], input: WaitInput): Promise<void> {
  let lastError = 'no attempt finished';
  while (Date.now() < input.deadline) {
    if (!isOurs(input.record)) throw await notReadyError('Kafka', 'exited during startup', input.logFile);
    try {
      await kafkaFunctional(brokers, Math.max(1000, Math.min(30_000, input.deadline - Date.now())));
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await sleep(500);
    }
  }
  throw await notReadyError(
    'Kafka',
    `was not ready before the timeout (last error: ${lastError})`,
    input.logFile,
  );
}

/** How the stack reaches its secured Elasticsearch: the file-realm user and the stack's CA. */
export interface EsAccess {
  username: string;
  password: string;
  /** PEM file of the CA that signed the server certificate. */
  caFile: string;
}

/** A client through the project's one Elasticsearch set-up (config/clients.ts). */
export function esClient(url: string, requestTimeout = 10_000, access?: EsAccess): Client {
  const base = defaultConfig().elasticsearch;
  return createElasticsearchClient({
    ...base,
    url,
    request_timeout_ms: requestTimeout,
    auth: access ? { ...base.auth, username: access.username, password: access.password } : base.auth,
    tls: access ? { ...base.tls, ca_file: access.caFile } : base.tls,
  });
}

/** Cluster health at least yellow; never ping()/info(): the integ-test-zip has no GET /. */
export async function esAnswers(url: string, timeoutMs = 5000, access?: EsAccess): Promise<boolean> {
  const client = esClient(url, timeoutMs, access);
  try {
    const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '1s' });
    return !health.timed_out && health.status !== 'red';
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

export async function waitForEs(url: string, input: WaitInput & { access?: EsAccess }): Promise<void> {
  while (Date.now() < input.deadline) {
    if (!isOurs(input.record))
      throw await notReadyError('Elasticsearch', 'exited during startup', input.logFile);
    if (await esAnswers(url, 5000, input.access)) return;
    await sleep(500);
  }
  throw await notReadyError(
    'Elasticsearch',
    'was not ready (cluster health yellow) before the timeout',
    input.logFile,
  );
}
