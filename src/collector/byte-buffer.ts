/**
 * A growable byte buffer for text held across reads (a line waiting for its continuation).
 * Storage is taken on first use and can be handed back (`release`) while nothing is held:
 * a collector follows thousands of quiet files, and a few KiB kept per file for nothing add
 * up to tens of MB.
 */
const EMPTY = Buffer.alloc(0);

export class ByteBuffer {
  buf: Buffer = EMPTY;
  length = 0;
  readonly #initial: number;

  constructor(initialCapacity = 4096) {
    this.#initial = initialCapacity;
  }

  reset(): void {
    this.length = 0;
  }

  /** Drops the storage when nothing is held; the next append takes it again. */
  release(): void {
    if (this.length === 0) this.buf = EMPTY;
  }

  append(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.#ensure(n);
    src.copy(this.buf, this.length, start, end);
    this.length += n;
  }

  appendByte(byte: number): void {
    this.#ensure(1);
    this.buf[this.length++] = byte;
  }

  #ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.#initial, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
