/** Apache Flume 1.11: TAILDIR -> memory channel -> Kafka sink, on the machine's Java. */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureFlumeClasspath, FLUME_VERSION } from './flume-classpath.js';
import { spawnPinned } from './process.js';
import type { BenchKafkaLike, Running, RunContext, Shipper } from './types.js';

export const FLUME_HEAP = ['-Xms128m', '-Xmx512m'];
export const FLUME_BATCH = 1000;

/** The agent's configuration (Java properties: `\\.` is a regex `\.`). */
export function flumeConfig(ctx: RunContext): string {
  const a = 'agent';
  return [
    `${a}.sources = r1`,
    `${a}.channels = c1`,
    `${a}.sinks = k1`,
    `${a}.sources.r1.type = TAILDIR`,
    `${a}.sources.r1.channels = c1`,
    `${a}.sources.r1.positionFile = ${path.join(ctx.workDir, 'taildir_position.json')}`,
    `${a}.sources.r1.filegroups = g1`,
    `${a}.sources.r1.filegroups.g1 = ${ctx.root}/.*\\\\.log`,
    `${a}.sources.r1.batchSize = ${FLUME_BATCH}`,
    `${a}.channels.c1.type = memory`,
    `${a}.channels.c1.capacity = 100000`,
    `${a}.channels.c1.transactionCapacity = ${FLUME_BATCH}`,
    `${a}.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink`,
    `${a}.sinks.k1.channel = c1`,
    `${a}.sinks.k1.kafka.bootstrap.servers = ${ctx.brokers.join(',')}`,
    `${a}.sinks.k1.kafka.topic = ${ctx.topic}`,
    `${a}.sinks.k1.flumeBatchSize = ${FLUME_BATCH}`,
    `${a}.sinks.k1.kafka.producer.acks = all`,
    `${a}.sinks.k1.kafka.producer.compression.type = ${ctx.codec}`,
    `${a}.sinks.k1.useFlumeEventFormat = false`,
    '',
  ].join('\n');
}

const LOG4J2 = `<Configuration status="ERROR">
  <Appenders><Console name="Console" target="SYSTEM_ERR"><PatternLayout pattern="%d (%t) [%p - %c{1}] %m%n"/></Console></Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="Console"/></Root></Loggers>
</Configuration>
`;

function javaVersionLine(): string {
  const r = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' });
  return r.trim().split('\n')[0] ?? 'unknown';
}

export function flumeShipper(kafka: BenchKafkaLike, log: (line: string) => void): Shipper {
  let libs: string | null = null;
  return {
    id: 'flume',
    family: 'flume',
    label: `Apache Flume ${FLUME_VERSION}`,
    records: 'line',
    async unavailable() {
      try {
        execFileSync('java', ['-version'], { stdio: 'ignore' });
      } catch {
        return 'no java on PATH';
      }
      try {
        libs = ensureFlumeClasspath(log);
      } catch (error) {
        return `Flume's classpath could not be resolved with Maven: ${String(error)}`;
      }
      return existsSync(libs) ? null : `no ${libs}`;
    },
    settings: (ctx) => ({
      java: javaVersionLine(),
      heap: FLUME_HEAP.join(' '),
      classpath: 'flume-ng-node, flume-taildir-source, flume-ng-kafka-sink 1.11.0 + log4j 2 (Maven Central)',
      source: `TAILDIR, one filegroup (the flat folder), batchSize ${FLUME_BATCH}`,
      channel: `memory, capacity 100000, transactionCapacity ${FLUME_BATCH}`,
      sink: `KafkaSink, flumeBatchSize ${FLUME_BATCH}, kafka.producer.acks=all, kafka.producer.compression.type=${ctx.codec}, other producer settings at kafka-clients 2.7.2 defaults`,
      logging: 'log4j2 at WARN to stderr',
    }),
    async start(ctx: RunContext): Promise<Running> {
      libs ??= ensureFlumeClasspath(log);
      const conf = path.join(ctx.workDir, 'flume.conf');
      const log4j = path.join(ctx.workDir, 'log4j2.xml');
      writeFileSync(conf, flumeConfig(ctx));
      writeFileSync(log4j, LOG4J2);
      const logFile = path.join(ctx.workDir, 'flume.log');
      const spawned = spawnPinned(
        ctx.core,
        'java',
        [
          ...FLUME_HEAP,
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          `${libs}/*`,
          'org.apache.flume.node.Application',
          '-n',
          'agent',
          '-f',
          conf,
          '--no-reload-conf',
        ],
        { cwd: ctx.workDir, logFile },
      );
      return { spawned, logFile, progress: () => kafka.records(ctx.topic) };
    },
  };
}
