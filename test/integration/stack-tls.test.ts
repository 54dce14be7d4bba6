// The stack's certificates (src/stack/tls.ts), made with the real openssl and keytool: made
// once, reused while valid, made again when one no longer chains to the CA.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findJavaInstalls, pickKafkaJava } from '../../src/stack/java.js';
import { ensureTls, makeCa, tlsStillValid } from '../../src/stack/tls.js';
import { KAFKA_MIN_JAVA } from '../../src/stack/versions.js';

const keytool = join(pickKafkaJava(findJavaInstalls(), KAFKA_MIN_JAVA).home, 'bin', 'keytool');

test('made once, reused while valid, made again when a certificate does not chain to the CA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiver-tls-'));
  const first = await ensureTls(dir, keytool);
  assert.equal(first.made, true);
  const f = first.files;
  const ca = new X509Certificate(readFileSync(f.caCert));
  const server = new X509Certificate(readFileSync(f.serverCert));
  const client = new X509Certificate(readFileSync(f.clientCert));
  assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'server certificate signed by the CA');
  assert.ok(client.checkIssued(ca) && client.verify(ca.publicKey), 'client certificate signed by the CA');
  assert.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(server.subjectAltName ?? '', /DNS:localhost/);
  assert.ok(server.checkIP('127.0.0.1'));
  assert.match(client.subject, /CN=kiver-client/);
  for (const secret of [f.caKey, f.serverKey, f.clientKey, f.keystore, f.truststore, f.storePasswordFile])
    assert.equal(statSync(secret).mode & 0o777, 0o600, `${secret} is 0600`);

  const again = await ensureTls(dir, keytool);
  assert.equal(again.made, false, 'reused');
  assert.equal(readFileSync(f.caCert, 'utf8'), ca.toString(), 'same CA');

  // A server certificate the CA did not sign (here: another CA's own) is not reused.
  await makeCa(f.serverCert, join(dir, 'other.key'), 'Someone else');
  assert.equal(await tlsStillValid(f), false);
  const remade = await ensureTls(dir, keytool);
  assert.equal(remade.made, true);
  assert.equal(await tlsStillValid(remade.files), true);
  assert.equal(
    await tlsStillValid(remade.files, Date.now() + 900 * 24 * 3600 * 1000),
    false,
    'expired later',
  );
});
