/**
 * A tailed file's lifecycle, as one union and one transition table. Anything not in the
 * table is a bug and throws, instead of leaving a file in a state nobody handles.
 *
 *   opening   -> reading            fd open, identity checked, offset chosen
 *   reading   <-> idle             caught up at EOF / new data seen
 *   reading|idle -> closed         fd closed (inactive, or the open-file limit) — place kept
 *   closed    -> opening           the file changed: reopen, re-verify identity
 *   *         -> draining          the path is gone (rename rotation or delete): read to EOF
 *   draining  -> released          drained (or unreadable): forget, keep the checkpoint
 *   draining  -> reading           the identity showed up under another path (a rename
 *                                  seen as delete + create by two directory scans)
 */
export type TailKind = 'opening' | 'reading' | 'idle' | 'closed' | 'draining' | 'released';

export type CloseReason = 'inactive' | 'open-file-limit' | 'shutdown';
export type ReleaseReason = 'deleted' | 'rotated' | 'unreadable' | 'shutdown' | 'replaced';

export type TailState =
  | { kind: 'opening' }
  | { kind: 'reading' }
  | { kind: 'idle'; sinceMs: number }
  | { kind: 'closed'; reason: CloseReason }
  | { kind: 'draining'; why: 'deleted' | 'rotated' }
  | { kind: 'released'; reason: ReleaseReason; atMs: number };

const allowed: { readonly [K in TailKind]: readonly TailKind[] } = {
  opening: ['reading', 'closed', 'draining', 'released'],
  reading: ['idle', 'closed', 'draining', 'released'],
  idle: ['reading', 'closed', 'draining', 'released'],
  closed: ['opening', 'draining', 'released'],
  draining: ['released', 'reading'],
  released: [],
};

export function canTransition(from: TailKind, to: TailKind): boolean {
  return allowed[from].includes(to);
}

export function assertTransition(from: TailState, to: TailState): void {
  if (!canTransition(from.kind, to.kind)) {
    throw new Error(`illegal tail transition ${from.kind} -> ${to.kind} (a bug)`);
  }
}
