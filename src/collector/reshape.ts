/**
 * Makes a record smaller when the broker refused it as too large (the producer's `reshape`
 * callback): a run of several events is split in two runs, in order; a single event is cut
 * (flagged `truncated`) until its record fits; the producer reports the cut once the record
 * is acknowledged. Rare, so decoding the record again is fine.
 */
import type { RawRecordCodec } from '../schema/raw-record.js';
import type { ReshapedRecord } from './producer/port.js';
import { truncateUtf8 } from '../schema/utf8.js';

/** Room for the added flag and the length varints (which only shrink). */
const SLACK = 32;

export function reshapeRecord(
  codec: RawRecordCodec,
  value: Buffer,
  maxBytes: number,
): ReshapedRecord[] | null {
  const run = codec.decode(value);
  if (run.events.length > 1) {
    const mid = run.events.length >>> 1;
    return [
      { value: codec.encode({ ...run, events: run.events.slice(0, mid) }), events: mid },
      { value: codec.encode({ ...run, events: run.events.slice(mid) }), events: run.events.length - mid },
    ];
  }
  const event = run.events[0];
  if (!event) return null;
  const overhead = value.length - Buffer.byteLength(event.message, 'utf8');
  if (event.message.length === 0 || overhead + SLACK >= maxBytes) return null;
  const message = truncateUtf8(event.message, maxBytes - overhead - SLACK) ?? event.message;
  const flags = event.flags.includes('truncated') ? event.flags : [...event.flags, 'truncated'];
  return [{ value: codec.encode({ ...run, events: [{ ...event, message, flags }] }), events: 1 }];
}
