/**
 * An in-memory producer behind the collector's producer port, for core tests without a
 * broker: it keeps every record (decoded on demand) and acknowledges at once, or only when
 * the test says so (`autoAck: false`, then `ackAll()`), so backpressure and crash windows can
 * be driven step by step.
 */
import type {
  OutgoingRecord,
  ProducerCallbacks,
  ProducerFactory,
  ProducerSettings,
  RecordProducer,
} from '../../src/collector/producer/port.js';
import { RawRecordCodec, type RawRecord } from '../../src/schema/raw-record.js';

const codec = new RawRecordCodec();

/** The broker side: what was sent, and what still waits for its acknowledgement. */
export class MemoryKafka {
  readonly records: OutgoingRecord[] = [];
  autoAck: boolean;
  readonly pending: (() => void)[] = [];
  inFlight = 0;
  maxInFlight = Infinity;
  readonly roomWaiters: (() => void)[] = [];

  constructor(opts: { autoAck?: boolean } = {}) {
    this.autoAck = opts.autoAck ?? true;
  }

  /** Every run, decoded, in the order sent. */
  runs(): RawRecord[] {
    return this.records.map((r) => codec.decode(r.value));
  }

  /** Every event's message, in the order sent. */
  messages(): string[] {
    return this.runs().flatMap((r) => r.events.map((e) => e.message));
  }

  /** Acknowledges everything sent so far, in order. */
  ackAll(): void {
    for (const ack of this.pending.splice(0)) ack();
  }

  readonly factory: ProducerFactory = <T>(settings: ProducerSettings, callbacks: ProducerCallbacks<T>) =>
    new MemoryProducer<T>(this, settings, callbacks);
}

class MemoryProducer<T> implements RecordProducer<T> {
  readonly kafkaUp = true;

  constructor(
    private readonly kafka: MemoryKafka,
    settings: ProducerSettings,
    private readonly callbacks: ProducerCallbacks<T>,
  ) {
    kafka.maxInFlight = settings.maxInFlightBytes;
  }

  send(record: OutgoingRecord, token: T): void {
    const k = this.kafka;
    k.records.push(record);
    k.inFlight += record.value.length;
    const ack = (): void => {
      k.inFlight -= record.value.length;
      this.callbacks.acknowledged([token]);
      if (this.hasRoom) for (const w of k.roomWaiters.splice(0)) w();
    };
    if (k.autoAck) queueMicrotask(ack);
    else k.pending.push(ack);
  }

  get hasRoom(): boolean {
    return this.kafka.inFlight < this.kafka.maxInFlight;
  }

  waitForRoom(): Promise<void> {
    return this.hasRoom ? Promise.resolve() : new Promise((r) => this.kafka.roomWaiters.push(r));
  }

  get inFlightBytes(): number {
    return this.kafka.inFlight;
  }

  async drain(): Promise<boolean> {
    if (this.kafka.autoAck) await new Promise((r) => setImmediate(r));
    return this.kafka.pending.length === 0;
  }

  async close(): Promise<void> {}
}
