/** A growable byte buffer for text held across reads (a line waiting for its continuation). */
export class ByteBuffer {
  buf: Buffer;
  length = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reset(): void {
    this.length = 0;
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
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
