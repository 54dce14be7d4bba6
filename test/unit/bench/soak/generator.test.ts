import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TreeWriter } from '../../../../bench/soak/generator.js';
import { seededRandom } from '../../../../bench/soak/schedule.js';
import { EventKind } from '../../../../bench/soak/seq-book.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

test('the tree: steady rate, both rotations, new folders, bad inputs, each sequence number written once', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kiver-soak-gen-'));
  try {
    const w = new TreeWriter({
      root,
      linesPerSecond: 2000,
      random: seededRandom(1),
      rotateBytes: 16 * 1024,
      maxEventBytes: 1024,
      newFolderEverySec: 20,
      badInputs: true,
    });
    const t0 = 1_000_000;
    for (let t = 0; t <= 45_000; t += 100) w.tick(t0 + t);
    w.close();
    const s = w.stats;
    assert.ok(s.lines >= 90_000 && s.lines <= 90_010, `lines ${s.lines} at 2000/s over 45 s`);
    assert.equal(w.book.count, s.events);
    assert.equal(s.foldersCreated, 2);
    assert.ok(s.renameRotations > 10 && s.copytruncateRotations > 10, JSON.stringify(s));
    assert.ok(s.stackTraces > 0 && s.invalidUtf8 > 0, JSON.stringify(s));
    assert.equal(s.overLong, 2, 'one over-long line after 7 s, then every 30 s');
    const files = filesUnder(root);
    assert.ok(files.some((f) => f.endsWith('.log.1')) && files.some((f) => f.endsWith('.log.2')));
    assert.ok(
      files.some((f) => /\.log-\d{17}$/.test(f)),
      'copytruncate copies',
    );
    assert.ok(
      files.some((f) => f.includes('/pod-001/')),
      'a folder created during the run',
    );
    // Rotation moves bytes, never repeats them: no sequence number is on disk twice.
    const seen = new Uint8Array(w.book.count);
    for (const f of files) {
      for (const m of readFileSync(f, 'latin1').matchAll(/kq(\d+)/g)) {
        const seq = Number(m[1]);
        assert.equal(seen[seq], 0, `kq${seq} twice (${f})`);
        seen[seq] = 1;
      }
    }
    const kinds = new Set(Array.from({ length: w.book.count }, (_, i) => w.book.kind(i)));
    assert.deepEqual([...kinds].sort(), [
      EventKind.Normal,
      EventKind.StackTrace,
      EventKind.InvalidUtf8,
      EventKind.OverLong,
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
