/**
 * When does a written line become searchable? Every `every`-th sequence number is a probe;
 * the poller asks Elasticsearch for the pending probes' tokens (a `terms` query on `message`,
 * oldest first) and notes the first moment each one is found. The delay is that moment minus
 * the write time, with the poll interval as its resolution.
 */
import type { Client } from '@elastic/elasticsearch';
import { token, TOKEN_PATTERN } from './families.js';
import type { SeqBook } from './seq-book.js';

export class ProbePoller {
  readonly visibleAt = new Map<number, number>();
  readonly #pending: number[] = [];
  #nextProbe = 0;
  #polls = 0;
  #errors = 0;

  constructor(
    private readonly client: Client,
    private readonly pattern: string,
    private readonly book: SeqBook,
    private readonly every: number,
  ) {}

  get pending(): number {
    return this.#pending.length;
  }

  get stats(): { polls: number; errors: number; probes: number; found: number; pending: number } {
    return {
      polls: this.#polls,
      errors: this.#errors,
      probes: this.#nextProbe / this.every,
      found: this.visibleAt.size,
      pending: this.#pending.length,
    };
  }

  async pollOnce(batch = 2000): Promise<void> {
    while (this.#nextProbe < this.book.count) {
      this.#pending.push(this.#nextProbe);
      this.#nextProbe += this.every;
    }
    if (this.#pending.length === 0) return;
    const asked = this.#pending.slice(0, batch);
    this.#polls++;
    try {
      const res = await this.client.search<{ message?: string }>(
        {
          index: this.pattern,
          ignore_unavailable: true,
          allow_no_indices: true,
          size: asked.length * 2,
          _source: ['message'],
          query: { terms: { message: asked.map(token) } },
        },
        { requestTimeout: 5000, maxRetries: 0 },
      );
      const now = Date.now();
      const found = new Set<number>();
      for (const hit of res.hits.hits) {
        const m = TOKEN_PATTERN.exec(hit._source?.message ?? '');
        if (m) found.add(Number(m[1]));
      }
      for (const seq of found) if (!this.visibleAt.has(seq)) this.visibleAt.set(seq, now);
      const left = this.#pending.filter((s) => !this.visibleAt.has(s));
      this.#pending.length = 0;
      this.#pending.push(...left);
    } catch {
      this.#errors++; // ES frozen or restarting: the probes stay pending
    }
  }

  /** Polls until `signal` aborts, at most every `intervalMs`. */
  async run(signal: AbortSignal, intervalMs: number): Promise<void> {
    while (!signal.aborted) {
      const t0 = Date.now();
      await this.pollOnce();
      const wait = intervalMs - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Delays of the found probes, optionally only of those written at a time `keep` accepts. */
  delaysMs(keep: (writtenAtMs: number) => boolean = () => true): number[] {
    const out: number[] = [];
    for (const [seq, at] of this.visibleAt) {
      const written = this.book.writtenAt(seq);
      if (keep(written)) out.push(at - written);
    }
    return out;
  }
}
