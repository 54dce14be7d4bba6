/**
 * Which events belong to which Kafka record, and when a record is settled. A raw record (v2)
 * carries a run of events; each event is indexed, dropped or dead-lettered on its own, and
 * its record counts as settled only once every one of its events is — only then may the
 * offset move past it (guarantee 1). The record-level prefix logic stays in `Settlement`.
 *
 * Events get dense refs in the order they are registered (the order of the batch, then of
 * the run), which is also the handle the bulk driver gives back.
 */
import { Settlement } from './settlement.js';

export class EventLedger {
  readonly settlement: Settlement;
  /** Per record: events registered and not yet settled; -1 before the record was opened. */
  readonly #outstanding: number[];
  /** Per event ref: the position of its record in the batch. */
  readonly #recordOf: number[] = [];
  /** Per event ref: whether it was settled (a second settle of one event is a bug). */
  readonly #settled: boolean[] = [];

  /** `offsets`: the batch's record offsets in the order Kafka delivered them. */
  constructor(offsets: readonly string[]) {
    this.settlement = new Settlement(offsets);
    this.#outstanding = offsets.map(() => -1);
  }

  get eventCount(): number {
    return this.#recordOf.length;
  }

  /**
   * Registers the events of record `record` and returns the ref of the first one (the others
   * follow it). A record of no events is settled at once.
   */
  open(record: number, events: number): number {
    if (this.#outstanding[record] !== -1) throw new RangeError(`record ${record} was opened already`);
    const first = this.#recordOf.length;
    for (let i = 0; i < events; i++) {
      this.#recordOf.push(record);
      this.#settled.push(false);
    }
    this.#outstanding[record] = events;
    if (events === 0) this.settlement.settle(record);
    return first;
  }

  /** Settles a record as a whole (it could not be decoded into events): one dead letter for it. */
  settleRecord(record: number): void {
    if (this.#outstanding[record] !== -1) throw new RangeError(`record ${record} has events; settle them`);
    this.#outstanding[record] = 0;
    this.settlement.settle(record);
  }

  /** Settles one event; its record settles with its last event. */
  settleEvent(ref: number): void {
    const record = this.#recordOf[ref];
    if (record === undefined) throw new RangeError(`no event ${ref}`);
    if (this.#settled[ref]) throw new RangeError(`event ${ref} was settled already`);
    this.#settled[ref] = true;
    const left = (this.#outstanding[record] as number) - 1;
    this.#outstanding[record] = left;
    if (left === 0) this.settlement.settle(record);
  }

  recordOf(ref: number): number {
    const record = this.#recordOf[ref];
    if (record === undefined) throw new RangeError(`no event ${ref}`);
    return record;
  }
}
