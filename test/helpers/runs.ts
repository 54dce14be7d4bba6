/** Test and bench helper: one-event (v1-shaped) records packed the way a collector packs them. */
import {
  upgradeV1,
  type RawRecord as RawRun,
  type RawRecordV1 as RawRecord,
} from '../../src/schema/raw-record.js';

/** Packs one-event records into runs of up to `runLength` consecutive events of one file. */
export function packRuns(records: RawRecord[], runLength: number): RawRun[] {
  const open = new Map<string, RawRun>();
  const runs: RawRun[] = [];
  for (const r of records) {
    const key = `${r.host}/${r.file.dev}:${r.file.inode}/${r.file.fingerprint}`;
    let run = open.get(key);
    if (!run || run.events.length >= runLength) {
      const upgraded = upgradeV1(r);
      run = { ...upgraded, events: [] };
      open.set(key, run);
      runs.push(run);
    }
    run.events.push({ offset: r.offset, length: r.length, message: r.message, flags: r.flags });
  }
  return runs;
}
