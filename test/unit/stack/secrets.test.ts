import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensurePasswords, kafkaUsers, PLAIN_USER, SCRAM_USER } from '../../../src/stack/kafka-security.js';
import { ensureSecretFile } from '../../../src/stack/secrets.js';

test('a password file is made 0600 once and reused; a damaged one is made again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-secrets-'));
  const file = join(dir, 'secrets', 'x.password');
  const first = await ensureSecretFile(file);
  assert.match(first, /^[0-9a-f]{36}$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
  assert.equal(await ensureSecretFile(file), first, 'reused');
  writeFileSync(file, 'short');
  const again = await ensureSecretFile(file);
  assert.notEqual(again, first);
  assert.equal(readFileSync(file, 'utf8'), again);
});

test("each Kafka user's password comes from its own file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-secrets-'));
  const passwords = await ensurePasswords(dir);
  assert.deepEqual([...passwords.keys()].sort(), [PLAIN_USER, SCRAM_USER].sort());
  for (const u of kafkaUsers(dir))
    assert.equal(readFileSync(u.passwordFile, 'utf8'), passwords.get(u.username));
  assert.notEqual(passwords.get(PLAIN_USER), passwords.get(SCRAM_USER));
  assert.deepEqual(await ensurePasswords(dir), passwords, 'the same on the next up');
});
