/**
 * The first hops of a probe: when the collector read it (the record's collected_at) and when
 * it was readable in Kafka (an independent consumer group sees the record; with one broker
 * and acks=all that is when the produce was acknowledged, plus one fetch wait).
 */
import type { Consumer, Kafka } from 'kafkajs';
import { FINGERPRINT_HEADER, headerString, RawRecordCodec } from '../../src/schema/raw-record.js';
import { TOKEN_PATTERN } from '../soak/families.js';

export interface ProbeHops {
  collectedAt: number;
  inKafkaAt: number;
}

export class KafkaHopObserver {
  readonly hops = new Map<number, ProbeHops>();
  readonly #codec = new RawRecordCodec();
  #consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly probeEvery: number,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `delay-hops-${Date.now()}`, maxWaitTimeInMs: 20 });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const message of batch.messages) {
          const record = this.#codec.decode(
            message.value,
            headerString(message.headers?.[FINGERPRINT_HEADER]),
          );
          for (const event of record.events) {
            const m = TOKEN_PATTERN.exec(event.message);
            if (!m) continue;
            const seq = Number(m[1]);
            if (seq % this.probeEvery !== 0 || this.hops.has(seq)) continue;
            this.hops.set(seq, { collectedAt: Number(record.collected_at), inKafkaAt: now });
          }
        }
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
  }
}
