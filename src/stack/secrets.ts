/**
 * Per-stack passwords, each in its own file under `<stack dir>/secrets/` (mode 0600): made on
 * the first `up` and reused after, so a configuration that points at the file keeps working.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function secretsDir(stackDir: string): string {
  return path.join(stackDir, 'secrets');
}

/** Hex: nothing that needs quoting in a JAAS line, a StorageTool argument or a users file. */
export async function ensureSecretFile(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{16,}$/.test(existing)) return existing;
  } catch {
    // not made yet
  }
  const made = randomBytes(18).toString('hex');
  await writeFile(file, made, { mode: 0o600 });
  return made;
}
