/**
 * Kafka's secured listeners, next to the PLAINTEXT one the tests mostly use:
 *  - SASL_SSL (port N+2): TLS with the stack's server certificate, then SASL with either
 *    SCRAM-SHA-512 (user `kiver-scram`, created at format time) or PLAIN (user `kiver-plain`,
 *    defined in the listener's JAAS line);
 *  - SSL with `ssl.client.auth=required` (port N+3): mutual TLS, a client must present a
 *    certificate signed by the stack's CA (its principal is the certificate's subject).
 * No authorizer is configured, so an authenticated client may do anything, like on PLAINTEXT.
 * Brokers talk to each other (and to the controller) over PLAINTEXT: only clients are secured.
 *
 * Passwords are made once per stack dir and kept in `<stack dir>/secrets/` (mode 0600), so a
 * configuration that points at the files keeps working across `up`s (Kafka is reformatted
 * every time, and the SCRAM user made again with the same password).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { STACK_HOST } from './ports.js';
import { ensureSecretFile, secretsDir } from './secrets.js';
import { ensureTls, type TlsFiles } from './tls.js';

export const SCRAM_USER = 'kiver-scram';
export const PLAIN_USER = 'kiver-plain';

export type KafkaSecurityProtocol = 'PLAINTEXT' | 'SASL_SSL' | 'SSL';

/** One client listener, as `stack status` shows it. */
export interface KafkaListener {
  name: 'PLAINTEXT' | 'SASL_SSL' | 'MTLS';
  address: string;
  securityProtocol: KafkaSecurityProtocol;
  /** SASL mechanisms the listener accepts. */
  saslMechanisms: string[];
  /** Whether a client certificate is required. */
  clientCertificate: boolean;
}

export interface KafkaUser {
  mechanism: 'scram-sha-512' | 'plain';
  username: string;
  passwordFile: string;
}

/** What a client needs to reach the secured listeners (all paths; no secret itself). */
export interface KafkaSecurityInfo {
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  users: KafkaUser[];
}

export interface KafkaSecurePorts {
  saslSslPort: number;
  mtlsPort: number;
}

export function kafkaUsers(stackDir: string): KafkaUser[] {
  const dir = secretsDir(stackDir);
  return [
    {
      mechanism: 'scram-sha-512',
      username: SCRAM_USER,
      passwordFile: path.join(dir, 'kafka-scram.password'),
    },
    { mechanism: 'plain', username: PLAIN_USER, passwordFile: path.join(dir, 'kafka-plain.password') },
  ];
}

export function kafkaSecurityInfo(stackDir: string, tls: TlsFiles): KafkaSecurityInfo {
  return {
    caFile: tls.caCert,
    clientCertFile: tls.clientCert,
    clientKeyFile: tls.clientKey,
    users: kafkaUsers(stackDir),
  };
}

export function kafkaListeners(plainPort: number, ports: KafkaSecurePorts | undefined): KafkaListener[] {
  const at = (p: number) => `${STACK_HOST}:${p}`;
  const out: KafkaListener[] = [
    {
      name: 'PLAINTEXT',
      address: at(plainPort),
      securityProtocol: 'PLAINTEXT',
      saslMechanisms: [],
      clientCertificate: false,
    },
  ];
  if (!ports) return out;
  out.push(
    {
      name: 'SASL_SSL',
      address: at(ports.saslSslPort),
      securityProtocol: 'SASL_SSL',
      saslMechanisms: ['SCRAM-SHA-512', 'PLAIN'],
      clientCertificate: false,
    },
    {
      name: 'MTLS',
      address: at(ports.mtlsPort),
      securityProtocol: 'SSL',
      saslMechanisms: [],
      clientCertificate: true,
    },
  );
  return out;
}

/** Reads each user's password file, making the missing ones; returns username -> password. */
export async function ensurePasswords(stackDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of kafkaUsers(stackDir)) out.set(u.username, await ensureSecretFile(u.passwordFile));
  return out;
}

export interface SecureListenerInput {
  ports: KafkaSecurePorts;
  tls: TlsFiles;
  storePassword: string;
  passwords: Map<string, string>;
}

/** The listeners and TLS/SASL settings to add to server.properties (which is then 0600). */
export function secureListenerProperties(input: SecureListenerInput): {
  listeners: string[];
  protocolMap: string[];
  props: [string, string][];
} {
  const { ports, tls } = input;
  const sasl = `SASL_SSL://${STACK_HOST}:${ports.saslSslPort}`;
  const mtls = `MTLS://${STACK_HOST}:${ports.mtlsPort}`;
  const plainPassword = input.passwords.get(PLAIN_USER) ?? '';
  return {
    listeners: [sasl, mtls],
    protocolMap: ['SASL_SSL:SASL_SSL', 'MTLS:SSL'],
    props: [
      ['ssl.keystore.type', 'PKCS12'],
      ['ssl.keystore.location', tls.keystore],
      ['ssl.keystore.password', input.storePassword],
      ['ssl.key.password', input.storePassword],
      ['ssl.truststore.type', 'PKCS12'],
      ['ssl.truststore.location', tls.truststore],
      ['ssl.truststore.password', input.storePassword],
      ['sasl.enabled.mechanisms', 'SCRAM-SHA-512,PLAIN'],
      ['listener.name.sasl_ssl.sasl.enabled.mechanisms', 'SCRAM-SHA-512,PLAIN'],
      [
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config',
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      ],
      [
        'listener.name.sasl_ssl.plain.sasl.jaas.config',
        `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER}="${plainPassword}";`,
      ],
      ['listener.name.sasl_ssl.ssl.client.auth', 'none'],
      ['listener.name.mtls.ssl.client.auth', 'required'],
    ],
  };
}

/** StorageTool arguments that create the SCRAM user while formatting (KRaft has no ZooKeeper to hold it). */
export function scramFormatArgs(passwords: Map<string, string>): string[] {
  return ['--add-scram', `SCRAM-SHA-512=[name=${SCRAM_USER},password=${passwords.get(SCRAM_USER) ?? ''}]`];
}

/** Certificates, stores and passwords for `up`: made on the first `up`, reused after. */
export async function prepareKafkaSecurity(
  stackDir: string,
  java: { home: string },
  ports: KafkaSecurePorts,
  log: (line: string) => void,
): Promise<SecureListenerInput> {
  const { files, made } = await ensureTls(stackDir, path.join(java.home, 'bin', 'keytool'));
  if (made) log(`made the stack's CA and certificates in ${files.dir}`);
  const [passwords, storePassword] = await Promise.all([
    ensurePasswords(stackDir),
    readFile(files.storePasswordFile, 'utf8').then((s) => s.trim()),
  ]);
  return { ports, tls: files, storePassword, passwords };
}
