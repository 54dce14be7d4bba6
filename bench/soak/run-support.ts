/** What the soak and the delay bench share besides the chain: the drain wait and the environment block. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { ES_VERSION, KAFKA_VERSION } from '../../src/stack/index.js';
import type { ProbePoller } from './probes.js';

export interface DrainResult {
  waitedMs: number;
  documents: number;
  pendingProbes: number;
  reason: 'all probes found and the count is steady' | 'count steady for 60 s' | 'timeout';
}

async function count(es: Client, pattern: string): Promise<number | null> {
  try {
    const r = await es.count(
      { index: pattern, ignore_unavailable: true, allow_no_indices: true },
      { requestTimeout: 10_000 },
    );
    return r.count;
  } catch {
    return null;
  }
}

/**
 * Waits until the index stops growing: every probe found and the count unchanged for 15 s,
 * or the count unchanged for 60 s (something is missing; the scan will say what), or 10 min.
 */
export async function waitForDrain(
  es: Client,
  pattern: string,
  probes: ProbePoller,
  say: (line: string) => void,
): Promise<DrainResult> {
  const t0 = Date.now();
  let last = -1;
  let steadySince = Date.now();
  let lastSaid = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const c = (await count(es, pattern)) ?? last;
    if (c !== last) {
      last = c;
      steadySince = Date.now();
    }
    const steady = Date.now() - steadySince;
    const base = { waitedMs: Date.now() - t0, documents: last, pendingProbes: probes.pending };
    if (probes.pending === 0 && steady >= 15_000)
      return { ...base, reason: 'all probes found and the count is steady' };
    if (steady >= 60_000) return { ...base, reason: 'count steady for 60 s' };
    if (Date.now() - t0 > 600_000) return { ...base, reason: 'timeout' };
    if (Date.now() - lastSaid > 10_000) {
      lastSaid = Date.now();
      say(`drain: ${last} documents, ${probes.pending} probes pending`);
    }
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

export function environment(): Record<string, unknown> {
  return {
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? null,
      memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      kernel: os.release(),
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      node: process.version,
      kafka: KAFKA_VERSION,
      elasticsearch: ES_VERSION,
      kiverCommit: gitCommit(),
    },
  };
}
