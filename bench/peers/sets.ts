/**
 * The sets of the benchmark and which shippers run in each: `gzip` and `lz4` for every
 * shipper (the comparison), and kiver alone for `zstd`, `<codec>-rme1` (one event per
 * record: what the run shape buys) and `<codec>-tree` (a 10-level tree with files and
 * folders created during the run, which neither peer follows).
 */
import type { Codec, Family } from './shippers/types.js';

export type Variant = 'flat' | 'rme1' | 'tree';

export interface BenchSet {
  name: string;
  codec: Codec;
  variant: Variant;
}

const CODECS: readonly Codec[] = ['gzip', 'lz4', 'zstd'];

export function parseSet(name: string): BenchSet {
  const [codec, variant = 'flat', ...rest] = name.split('-');
  if (!CODECS.includes(codec as Codec) || rest.length > 0 || !['flat', 'rme1', 'tree'].includes(variant)) {
    throw new Error(
      `unknown set '${name}': use <codec>[-rme1|-tree] with codec ${CODECS.join('|')}, e.g. gzip, lz4-rme1`,
    );
  }
  return { name, codec: codec as Codec, variant: variant as Variant };
}

/** Whether a shipper family takes part in a set. */
export function runsIn(family: Family, set: BenchSet): boolean {
  if (family === 'kiver') return true;
  return set.variant === 'flat' && (set.codec === 'gzip' || set.codec === 'lz4');
}

export function recordMaxEvents(set: BenchSet): number | undefined {
  return set.variant === 'rme1' ? 1 : undefined;
}

export const DEFAULT_SETS = 'gzip,lz4,zstd,gzip-rme1,lz4-rme1,gzip-tree';
export const DEFAULT_SHIPPERS = 'kiver,flume,rsyslog,rsyslog-defaults';
export const DEFAULT_CLIENTS = 'kafkajs,librdkafka';
