/**
 * The stack's own small PKI, made with OpenSSL and the JDK's keytool and kept in
 * `<stack dir>/tls/`: a CA, a server certificate for 127.0.0.1/localhost (Kafka's TLS
 * listeners, and Elasticsearch's HTTPS) and a client certificate for mutual TLS. Made once and
 * reused while every certificate is valid for another day and still chains to the CA, so a
 * client configured with the CA file keeps working across `up`s.
 *
 * Keys are written 0600 and passwords go to OpenSSL and keytool through files, never argv.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from '../errors.js';

const run = promisify(execFile);

/** Long enough never to expire under a developer, short enough for clients that cap validity. */
const VALID_DAYS = 825;
/** A certificate that expires within this is made again. */
const MIN_REMAINING_MS = 24 * 3600 * 1000;
export const SERVER_NAMES = { ip: '127.0.0.1', dns: 'localhost' } as const;
export const CLIENT_CN = 'kiver-client';

export interface TlsFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** PKCS#12: server key + certificate chain, for Kafka. */
  keystore: string;
  /** PKCS#12: the CA only, for Kafka to verify client certificates. */
  truststore: string;
  /** Password of both stores (a file, mode 0600). */
  storePasswordFile: string;
}

export function tlsFiles(stackDir: string): TlsFiles {
  const dir = path.join(stackDir, 'tls');
  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    keystore: f('server.keystore.p12'),
    truststore: f('truststore.p12'),
    storePasswordFile: f('store.password'),
  };
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const e = error as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new StackError(
        'The stack needs openssl to make its TLS certificates, and it is not on PATH.',
        'Install it, e.g. `apt-get install openssl`.',
      );
    }
    throw new StackError(`openssl ${args[0]} failed: ${(e.stderr ?? String(error)).trim()}`, undefined, {
      cause: error,
    });
  }
}

/** A self-signed CA (also used by the tests to make a CA the server does not trust). */
export async function makeCa(certFile: string, keyFile: string, commonName: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(VALID_DAYS),
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    path.dirname(certFile),
  );
  await chmod(keyFile, 0o600);
}

interface LeafInput {
  files: TlsFiles;
  cert: string;
  key: string;
  commonName: string;
  extensions: string[];
}

async function makeLeaf(input: LeafInput): Promise<void> {
  const { files } = input;
  const csr = `${input.cert}.csr`;
  const ext = `${input.cert}.ext`;
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      input.key,
      '-out',
      csr,
      '-subj',
      `/CN=${input.commonName}`,
    ],
    files.dir,
  );
  await writeFile(ext, `${input.extensions.join('\n')}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      files.caCert,
      '-CAkey',
      files.caKey,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(VALID_DAYS),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      input.cert,
    ],
    files.dir,
  );
  await chmod(input.key, 0o600);
  await rm(csr, { force: true });
  await rm(ext, { force: true });
}

async function makeStores(files: TlsFiles, keytool: string): Promise<void> {
  await writeFile(files.storePasswordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
  await openssl(
    [
      'pkcs12',
      '-export',
      '-in',
      files.serverCert,
      '-inkey',
      files.serverKey,
      '-certfile',
      files.caCert,
      '-name',
      'kiver-server',
      '-passout',
      `file:${files.storePasswordFile}`,
      '-out',
      files.keystore,
    ],
    files.dir,
  );
  try {
    // keytool, not openssl: Java only trusts a PKCS#12 certificate entry that carries its own
    // trust attribute, which keytool -importcert writes.
    await run(
      keytool,
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'kiver-ca',
        '-file',
        files.caCert,
        '-keystore',
        files.truststore,
        '-storetype',
        'PKCS12',
        '-storepass:file',
        files.storePasswordFile,
      ],
      { cwd: files.dir },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new StackError(
      `keytool failed to write ${files.truststore}: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim()}`,
    );
  }
  await chmod(files.keystore, 0o600);
  await chmod(files.truststore, 0o600);
}

async function readCert(file: string): Promise<X509Certificate | undefined> {
  try {
    return new X509Certificate(await readFile(file));
  } catch {
    return undefined;
  }
}

/** Whether the files on disk are complete, valid for another day, and chain to the CA. */
export async function tlsStillValid(files: TlsFiles, now = Date.now()): Promise<boolean> {
  const [ca, server, client] = await Promise.all([
    readCert(files.caCert),
    readCert(files.serverCert),
    readCert(files.clientCert),
  ]);
  if (!ca || !server || !client) return false;
  const fresh = (c: X509Certificate) => Date.parse(c.validTo) - now > MIN_REMAINING_MS;
  if (![ca, server, client].every(fresh)) return false;
  if (![server, client].every((c) => c.checkIssued(ca) && c.verify(ca.publicKey))) return false;
  if (!(server.subjectAltName ?? '').includes(`IP Address:${SERVER_NAMES.ip}`)) return false;
  const others = [
    files.caKey,
    files.serverKey,
    files.clientKey,
    files.keystore,
    files.truststore,
    files.storePasswordFile,
  ];
  const present = await Promise.all(
    others.map((f) =>
      readFile(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}

/** Makes (or reuses) the CA, server and client certificates and Kafka's stores. */
export async function ensureTls(
  stackDir: string,
  keytool: string,
): Promise<{ files: TlsFiles; made: boolean }> {
  const files = tlsFiles(stackDir);
  if (await tlsStillValid(files)) return { files, made: false };
  await rm(files.dir, { recursive: true, force: true });
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  await makeCa(files.caCert, files.caKey, 'Kiver stack CA');
  await makeLeaf({
    files,
    cert: files.serverCert,
    key: files.serverKey,
    commonName: SERVER_NAMES.dns,
    extensions: [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=IP:${SERVER_NAMES.ip},DNS:${SERVER_NAMES.dns}`,
    ],
  });
  await makeLeaf({
    files,
    cert: files.clientCert,
    key: files.clientKey,
    commonName: CLIENT_CN,
    extensions: [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
    ],
  });
  await makeStores(files, keytool);
  return { files, made: true };
}
