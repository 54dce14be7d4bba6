/**
 * Per-file ordered acknowledgement: events are registered in file order as they are handed
 * to the sender; Kafka acknowledges them (possibly batch by batch); the committed offset
 * advances only past a contiguous acknowledged prefix, so a checkpoint never skips an event
 * that is still in flight (guarantee 1).
 *
 * A truncation starts a new generation: acknowledgements of events read before it still
 * arrive but no longer move the offset of the new content.
 */
export interface AckTicket {
  readonly generation: number;
  readonly seq: number;
}

export class AckTracker {
  #generation = 0;
  /** End offsets of registered events, oldest first, from sequence number `#base`. */
  #ends: number[] = [];
  #acked: boolean[] = [];
  #head = 0;
  #base = 0;
  #committed: number;

  constructor(committedOffset: number) {
    this.#committed = committedOffset;
  }

  /** Every byte before this offset was acknowledged. */
  get committed(): number {
    return this.#committed;
  }

  /**
   * End of the last event handed to the sender (acknowledged or not): what a restart from
   * `committed` may send a second time lies between the two.
   */
  get handedOver(): number {
    return this.#ends.length > 0 ? this.#ends[this.#ends.length - 1]! : this.#committed;
  }

  /** Events registered and not yet covered by the committed offset. */
  get outstanding(): number {
    return this.#ends.length - this.#head;
  }

  /** Registers the next event of the file (it ends at `endOffset`). */
  track(endOffset: number): AckTicket {
    this.#ends.push(endOffset);
    this.#acked.push(false);
    return { generation: this.#generation, seq: this.#base + this.#ends.length - 1 };
  }

  /** Marks one event acknowledged. Returns whether the committed offset moved. */
  ack(ticket: AckTicket): boolean {
    if (ticket.generation !== this.#generation) return false;
    const idx = ticket.seq - this.#base;
    if (idx < this.#head || idx >= this.#ends.length) return false;
    this.#acked[idx] = true;
    const before = this.#committed;
    while (this.#head < this.#ends.length && this.#acked[this.#head]) {
      this.#committed = this.#ends[this.#head]!;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#ends.length) this.#compact();
    return this.#committed !== before;
  }

  /** The file was truncated or replaced: forget in-flight events, restart at `offset`. */
  reset(offset: number): void {
    this.#generation += 1;
    this.#base += this.#ends.length;
    this.#ends = [];
    this.#acked = [];
    this.#head = 0;
    this.#committed = offset;
  }

  #compact(): void {
    this.#base += this.#head;
    this.#ends = this.#ends.slice(this.#head);
    this.#acked = this.#acked.slice(this.#head);
    this.#head = 0;
  }
}
