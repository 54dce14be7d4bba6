/**
 * What each file-system operation means for a followed file, as a table: operation x what is
 * known of the file -> action. The collector loop only carries these actions out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type FsAction, type TailView } from '../../../src/collector/fs-decisions.js';
import { fileKey } from '../../../src/collector/identity.js';
import type { FileStat, FsOp } from '../../../src/collector/snapshot.js';
import type { TailKind } from '../../../src/collector/tail-state.js';

const stat: FileStat = { dev: 1n, ino: 7n, size: 300, mtimeMs: 1 };
const key = fileKey(1n, 7n);

function known(kind: TailKind, path = '/logs/a.log', size = 300, position = 120): TailView {
  return { path, state: { kind }, size, position };
}

const cases: { name: string; op: FsOp; tail: TailView | undefined; want: FsAction }[] = [
  {
    name: 'a new file is admitted',
    op: { op: 'create', path: '/logs/a.log', stat },
    tail: undefined,
    want: { act: 'admit', path: '/logs/a.log', stat },
  },
  {
    name: 'a create of a known identity is its new path (rename seen as delete + create)',
    op: { op: 'create', path: '/logs/a.log.1', stat },
    tail: known('reading'),
    want: { act: 'move', key, to: '/logs/a.log.1' },
  },
  {
    name: 'growth of a followed file is read, with its new size',
    op: { op: 'write', path: '/logs/a.log', stat },
    tail: known('idle'),
    want: { act: 'read', key, size: 300 },
  },
  {
    name: 'a truncation is read too (the tailer sees the shrink and restarts at 0)',
    op: { op: 'truncate', path: '/logs/a.log', stat },
    tail: known('closed'),
    want: { act: 'read', key, size: 300 },
  },
  {
    name: 'growth of a file not followed (missed creation) admits it',
    op: { op: 'write', path: '/logs/b.log', stat },
    tail: undefined,
    want: { act: 'admit', path: '/logs/b.log', stat },
  },
  {
    name: 'a rename moves the followed file',
    op: { op: 'rename', from: '/logs/a.log', to: '/logs/a.log.1', stat },
    tail: known('reading'),
    want: { act: 'move', key, to: '/logs/a.log.1' },
  },
  {
    name: 'a rename of a file not followed admits it under its new name',
    op: { op: 'rename', from: '/logs/x.tmp', to: '/logs/x.log', stat },
    tail: undefined,
    want: { act: 'admit', path: '/logs/x.log', stat },
  },
  {
    name: 'an open file losing its name is drained',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('idle'),
    want: { act: 'drain', key },
  },
  {
    name: 'a reading file losing its name is drained',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('reading'),
    want: { act: 'drain', key },
  },
  {
    name: 'a closed file losing its name is forgotten, what was not read counted',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('closed', '/logs/a.log', 300, 120),
    want: { act: 'forget', key, bytesUnread: 180 },
  },
  {
    name: 'a file not opened yet losing its name is forgotten',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('opening', '/logs/a.log', 100, 100),
    want: { act: 'forget', key, bytesUnread: 0 },
  },
  {
    name: 'a draining file losing its name only leaves the path index',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('draining'),
    want: { act: 'unindex', key, path: '/logs/a.log' },
  },
  {
    name: 'a released file losing its name only leaves the path index',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('released'),
    want: { act: 'unindex', key, path: '/logs/a.log' },
  },
  {
    name: 'a delete of the old path of a file already seen elsewhere changes nothing',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: known('reading', '/logs/a.log.1'),
    want: { act: 'none' },
  },
  {
    name: 'a delete of a file not followed changes nothing',
    op: { op: 'delete', path: '/logs/a.log', stat },
    tail: undefined,
    want: { act: 'none' },
  },
];

for (const c of cases) {
  test(`fs decision: ${c.name}`, () => {
    assert.deepEqual(
      decide(c.op, (k) => (k === key ? c.tail : undefined)),
      c.want,
    );
  });
}
