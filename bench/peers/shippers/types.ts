/** What every shipper offers the bench. */
import type { Spawned } from './process.js';

export type Codec = 'gzip' | 'lz4' | 'zstd';
export type Family = 'kiver' | 'flume' | 'rsyslog';

/** The part of the bench's Kafka a shipper needs: the records in its topic so far. */
export interface BenchKafkaLike {
  records(topic: string): Promise<number>;
}

export interface RunContext {
  topic: string;
  codec: Codec;
  /** The folder the shipper follows (flat backlog or tree root). */
  root: string;
  /** A fresh folder for the shipper's own state, configuration and log. */
  workDir: string;
  brokers: string[];
  core: string;
  /** kiver only: `collector.record_max_events`. */
  recordMaxEvents?: number;
}

export interface Running {
  spawned: Spawned;
  logFile: string;
  /** Lines (events) that Kafka acknowledged so far, as cheaply as the shipper allows. */
  progress(): Promise<number | null>;
}

export interface Shipper {
  /** Stable id in the results, e.g. `kiver-kafkajs`, `rsyslog-resubmit`. */
  id: string;
  family: Family;
  label: string;
  /** How records hold lines: kiver's Avro runs, or one line per record. */
  records: 'kiver-avro' | 'line';
  /** null when it can run here, else why not. */
  unavailable(): Promise<string | null>;
  /** The settings that matter for the comparison, recorded with the results. */
  settings(ctx: Pick<RunContext, 'codec' | 'recordMaxEvents'>): Record<string, unknown>;
  start(ctx: RunContext): Promise<Running>;
}
