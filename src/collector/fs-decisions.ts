/**
 * What a file-system operation (from the snapshot diff, snapshot.ts) means for the files the
 * collector follows: a pure function of the operation and what is known of the file, so the
 * whole table is tested without a file system (test/unit/collector/fs-decisions.test.ts).
 */
import type { FileKey } from './identity.js';
import { keyOf, type FileStat, type FsOp } from './snapshot.js';
import type { TailKind } from './tail-state.js';

/** What the decision needs to know of a followed file. */
export interface TailView {
  readonly path: string;
  readonly state: { readonly kind: TailKind };
  readonly size: number;
  readonly position: number;
}

export type FsAction =
  /** A file not followed yet: start following it. */
  | { act: 'admit'; path: string; stat: FileStat }
  /** A followed file has a new path (a rename, maybe seen as delete + create). */
  | { act: 'move'; key: FileKey; to: string }
  /** A followed file changed in place: read it (its size is known now). */
  | { act: 'read'; key: FileKey; size: number }
  /** A followed, open file lost its name: read it to its end, then release it. */
  | { act: 'drain'; key: FileKey }
  /**
   * A followed file without a handle lost its name: it cannot be reopened by inode, so what
   * was written since it was last read is lost (counted).
   */
  | { act: 'forget'; key: FileKey; bytesUnread: number }
  /** A file already being drained or released lost its name: only the path index changes. */
  | { act: 'unindex'; key: FileKey; path: string }
  | { act: 'none' };

const NONE: FsAction = { act: 'none' };

export function decide(op: FsOp, lookup: (key: FileKey) => TailView | undefined): FsAction {
  switch (op.op) {
    case 'create': {
      const key = keyOf(op.stat);
      return lookup(key) ? { act: 'move', key, to: op.path } : { act: 'admit', path: op.path, stat: op.stat };
    }
    case 'write':
    case 'truncate': {
      const key = keyOf(op.stat);
      return lookup(key)
        ? { act: 'read', key, size: op.stat.size }
        : { act: 'admit', path: op.path, stat: op.stat };
    }
    case 'rename': {
      const key = keyOf(op.stat);
      return lookup(key) ? { act: 'move', key, to: op.to } : { act: 'admit', path: op.to, stat: op.stat };
    }
    case 'delete': {
      const key = keyOf(op.stat);
      const t = lookup(key);
      // Unknown, or already seen under its new path: nothing to do.
      if (!t || t.path !== op.path) return NONE;
      return vanished(key, t, op.path);
    }
  }
}

function vanished(key: FileKey, t: TailView, path: string): FsAction {
  switch (t.state.kind) {
    case 'draining':
    case 'released':
      return { act: 'unindex', key, path };
    case 'closed':
    case 'opening':
      return { act: 'forget', key, bytesUnread: Math.max(0, t.size - t.position) };
    case 'reading':
    case 'idle':
      return { act: 'drain', key };
  }
}
