/**
 * Which Kafka offset may be committed. A record is *settled* when its document is in
 * Elasticsearch (created, or a 409 that says it already was), it was dropped by a pipeline
 * on purpose, or its dead letter was acknowledged by Kafka. The committed offset is the one
 * after the longest settled prefix: never past a record that is still pending (guarantee 1).
 */

export class Settlement {
  readonly #offsets: readonly string[];
  readonly #settled: boolean[];
  #prefix = 0;

  /** `offsets` in the order Kafka delivered them (ascending, possibly with gaps). */
  constructor(offsets: readonly string[]) {
    this.#offsets = offsets;
    this.#settled = offsets.map(() => false);
  }

  /** Marks the record at position `index` in the batch as settled. */
  settle(index: number): void {
    if (index < 0 || index >= this.#settled.length) throw new RangeError(`no record at position ${index}`);
    this.#settled[index] = true;
    while (this.#prefix < this.#settled.length && this.#settled[this.#prefix]) this.#prefix += 1;
  }

  get settledPrefix(): number {
    return this.#prefix;
  }

  get complete(): boolean {
    return this.#prefix === this.#offsets.length;
  }

  /** Offset of the last record of the settled prefix (for `resolveOffset`), or null when none. */
  lastSettledOffset(): string | null {
    return this.#prefix === 0 ? null : (this.#offsets[this.#prefix - 1] ?? null);
  }

  /** The offset to commit (Kafka commits the *next* offset to read), or null when nothing new. */
  commitOffset(): string | null {
    const last = this.lastSettledOffset();
    return last === null ? null : (BigInt(last) + 1n).toString();
  }
}
