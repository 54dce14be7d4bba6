/**
 * A TCP proxy in front of the shared broker that makes Kafka unreachable for one client only,
 * whatever the client library. The broker advertises its own address (127.0.0.1:9092) in
 * metadata responses, so a plain proxy on the bootstrap address is bypassed after the first
 * response; this one reads the broker's responses frame by frame (int32 length prefix) and
 * rewrites the advertised port to its own wherever the advertised host and port appear
 * (Metadata, FindCoordinator, DescribeCluster). The host string keeps its length, so no
 * frame changes size. Closing the proxy destroys its live sockets: the client sees the
 * broker down until `open()` again (same port).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class KafkaProxy {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(readonly target: { host: string; port: number }) {}

  get address(): string {
    return `${this.target.host}:${this.port}`;
  }

  async open(): Promise<void> {
    this.#server = createServer((client) => this.#pair(client));
    await new Promise<void>((r) => this.#server!.listen(this.port, this.target.host, () => r()));
    this.port = (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  #pair(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream);
    let held: Buffer = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      let at = 0;
      while (held.length - at >= 4) {
        const size = held.readInt32BE(at);
        if (held.length - at < 4 + size) break;
        const frame = held.subarray(at, at + 4 + size);
        this.#rewrite(frame);
        client.write(Buffer.from(frame));
        at += 4 + size;
      }
      held = held.subarray(at);
    });
  }

  /** Replaces every `<host><int32 target port>` in the frame by `<host><int32 proxy port>`. */
  #rewrite(frame: Buffer): void {
    const pattern = Buffer.concat([Buffer.from(this.target.host), int32(this.target.port)]);
    const replacement = int32(this.port);
    for (let i = frame.indexOf(pattern); i >= 0; i = frame.indexOf(pattern, i + pattern.length)) {
      replacement.copy(frame, i + this.target.host.length);
    }
  }
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
