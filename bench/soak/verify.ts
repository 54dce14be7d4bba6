/**
 * The final look-up: every document of the soak's indices (point in time + search_after, so
 * a full scan sees one consistent view) and every record of the dead-letter topic, reduced to
 * sequence numbers.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import { TOKEN_PATTERN } from './families.js';
import { FoundTally } from './seq-book.js';

export interface ScannedDoc {
  seq: number | null;
  tags: string[];
  path: string | undefined;
  offset: number | undefined;
}

interface DocSource {
  message?: string;
  tags?: string[];
  log?: { file?: { path?: string }; offset?: number };
}

/** Calls `onDoc` for every document in `pattern`; returns how many there were. */
export async function scanIndex(
  client: Client,
  pattern: string,
  onDoc: (d: ScannedDoc) => void,
): Promise<number> {
  await client.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  const pit = await client.openPointInTime({ index: pattern, keep_alive: '5m', ignore_unavailable: true });
  let total = 0;
  try {
    let after: (string | number)[] | undefined;
    for (;;) {
      const res = await client.search<DocSource>({
        pit: { id: pit.id, keep_alive: '5m' },
        size: 5000,
        sort: [{ _shard_doc: 'asc' }],
        _source: ['message', 'tags', 'log.file.path', 'log.offset'],
        ...(after ? { search_after: after } : {}),
      });
      const hits = res.hits.hits;
      if (hits.length === 0) break;
      for (const hit of hits) {
        const s = hit._source ?? {};
        const m = TOKEN_PATTERN.exec((s.message ?? '').slice(0, 4096));
        onDoc({
          seq: m ? Number(m[1]) : null,
          tags: s.tags ?? [],
          path: s.log?.file?.path,
          offset: s.log?.offset,
        });
      }
      total += hits.length;
      after = hits[hits.length - 1]!.sort as (string | number)[];
    }
  } finally {
    await client.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
  return total;
}

export interface FlagCheck {
  /** Documents of the special kind, and how many carry the expected tag. */
  documents: number;
  tagged: number;
}

/** Scans the index into a tally, checking that the deliberately bad inputs are flagged. */
export async function tallyIndex(
  client: Client,
  pattern: string,
  expected: number,
  tagFor: (seq: number) => string | undefined,
): Promise<{ tally: FoundTally; documents: number; flags: Record<string, FlagCheck> }> {
  const tally = new FoundTally(expected);
  const flags: Record<string, FlagCheck> = {};
  const documents = await scanIndex(client, pattern, (d) => {
    tally.add(d.seq, { path: d.path, offset: d.offset, tags: d.tags });
    const tag = d.seq === null ? undefined : tagFor(d.seq);
    if (tag) {
      const f = (flags[tag] ??= { documents: 0, tagged: 0 });
      f.documents++;
      if (d.tags.includes(tag)) f.tagged++;
    }
  });
  return { tally, documents, flags };
}

export interface DeadLetterSummary {
  records: number;
  /** reason_class -> count */
  byClass: Record<string, number>;
  /** A few reasons, as written. */
  sampleReasons: string[];
  seqs: Set<number>;
}

interface LetterValue {
  reason_class?: string;
  reason?: string;
  raw?: { data?: string };
}

/** Reads the dead-letter topic from the start up to its end offsets. */
export async function readDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetterSummary> {
  const out: DeadLetterSummary = { records: 0, byClass: {}, sampleReasons: [], seqs: new Set() };
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  if ([...ends.values()].every((e) => e === 0n)) return out;
  const consumer = kafka.consumer({ groupId: `soak-dlq-reader-${Date.now()}` });
  await consumer.connect();
  const done = new Set<number>([...ends].filter(([, e]) => e === 0n).map(([p]) => p));
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 120 s`)), 120_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.records++;
          try {
            const letter = JSON.parse(String(message.value)) as LetterValue;
            const cls = letter.reason_class ?? 'unknown';
            out.byClass[cls] = (out.byClass[cls] ?? 0) + 1;
            if (out.sampleReasons.length < 10 && letter.reason)
              out.sampleReasons.push(letter.reason.slice(0, 300));
            const raw = Buffer.from(letter.raw?.data ?? '', 'base64').toString('latin1');
            for (const m of raw.matchAll(new RegExp(TOKEN_PATTERN.source, 'g'))) out.seqs.add(Number(m[1]));
          } catch {
            out.byClass['unreadable-letter'] = (out.byClass['unreadable-letter'] ?? 0) + 1;
          }
          if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) done.add(partition);
          if (done.size >= ends.size) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
