/**
 * Where reading starts when a file is followed for the first time in this run: from its
 * checkpoint, from its start, or (for files found at start-up with `start_at: end`) from its
 * current end. A pure function of what the scan saw and what the checkpoint holds.
 */
import type { CheckpointEntry } from './checkpoint-store.js';
import { EMPTY_FINGERPRINT, type Fingerprint } from './identity.js';
import type { FileStat } from './snapshot.js';

export interface StartPlan {
  offset: number;
  fp: Fingerprint;
  generation: number;
  startedFrom: 'checkpoint' | 'beginning' | 'end';
  /** Events below this offset were handed to Kafka by the previous run (possible duplicates). */
  resendUntil: number;
  /** The checkpoint belonged to another file that had this inode before (birth times differ). */
  inodeReused: boolean;
}

export function planStart(
  stat: FileStat,
  stored: CheckpointEntry | undefined,
  foundAtStartup: boolean,
  startAt: 'beginning' | 'end',
): StartPlan {
  const inodeReused =
    stored?.birth !== undefined &&
    stored.birth !== '' &&
    (stat.birthNs ?? '') !== '' &&
    stored.birth !== stat.birthNs;
  const entry = inodeReused ? undefined : stored;
  if (entry) {
    return {
      offset: entry.offset,
      fp: { hash: entry.fp, length: entry.fp_len },
      generation: entry.gen ?? 0,
      startedFrom: 'checkpoint',
      resendUntil: entry.sent !== undefined && entry.sent > entry.offset ? entry.sent : 0,
      inodeReused,
    };
  }
  const atEnd = foundAtStartup && startAt === 'end' ? stat.size : 0;
  return {
    offset: atEnd,
    fp: EMPTY_FINGERPRINT,
    generation: 0,
    startedFrom: atEnd > 0 ? 'end' : 'beginning',
    resendUntil: 0,
    inodeReused,
  };
}
