/**
 * `kiver stack up --secure`: a second Elasticsearch next to the plain one, on --es-port + 1,
 * with HTTPS (the stack's server certificate, see tls.ts) and authentication by the file realm:
 * the user `kiver` (role superuser) is added with ES's own `elasticsearch-users` tool before the
 * first start, its password kept in `<stack dir>/secrets/es-kiver.password`. The plain one
 * stays as it is, so every other test keeps working and a default `up` costs nothing more.
 *
 * API keys do not work on this distribution: creating one needs the `.security` index, whose
 * settings use the `pattern_capture` token filter of the analysis-common module, which the
 * integ-test-zip lacks (`POST _security/api_key` answers 400 "Unknown filter type
 * [pattern_capture] for [email]"). See src/stack/README.md.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { StackError } from '../errors.js';
import type { JavaInstall } from './java.js';
import { esRuntimePaths, type StackLayout } from './layout.js';
import { STACK_HOST } from './ports.js';
import { findEsServer, prepareEs, startEs } from './elasticsearch.js';
import type { ProcessRecord } from './process.js';
import { waitForEs, type EsAccess } from './readiness.js';
import type { EsState } from './state.js';
import { ensureSecretFile, secretsDir } from './secrets.js';
import { tlsFiles } from './tls.js';

export const ES_USER = 'kiver';

/** What a client needs for the secured Elasticsearch (paths only, never the password). */
export interface EsSecurityInfo {
  url: string;
  caFile: string;
  username: string;
  passwordFile: string;
}

export function esSecurityInfo(stackDir: string, port: number): EsSecurityInfo {
  return {
    url: `https://${STACK_HOST}:${port}`,
    caFile: tlsFiles(stackDir).caCert,
    username: ES_USER,
    passwordFile: path.join(secretsDir(stackDir), 'es-kiver.password'),
  };
}

/** The same layout with its own runtime dir, pid file and log: two ES never share data. */
export function secureEsLayout(layout: StackLayout): StackLayout {
  return {
    ...layout,
    esLog: path.join(layout.logsDir, 'elasticsearch-secure.log'),
    ...esRuntimePaths(`${layout.esRuntimeDir}-secure`),
  };
}

/** Runs `elasticsearch-users useradd` with the password on stdin (it asks twice), never in argv. */
function addUser(layout: StackLayout, java: JavaInstall, configDir: string, password: string): Promise<void> {
  const tool = path.join(layout.esHome, 'bin', 'elasticsearch-users');
  return new Promise((resolve, reject) => {
    const child = execFile(
      tool,
      ['useradd', ES_USER, '-r', 'superuser'],
      { env: { ...process.env, ES_PATH_CONF: configDir, ES_JAVA_HOME: java.home }, cwd: configDir },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const tail = `${stdout}${stderr}`
          .split(password)
          .join('***')
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ');
        reject(new StackError(`elasticsearch-users could not add the user '${ES_USER}': ${tail}`));
      },
    );
    child.stdin?.end(`${password}\n${password}\n`);
  });
}

export interface SecureEsPlan {
  layout: StackLayout;
  info: EsSecurityInfo;
  access: EsAccess;
  security: {
    files: { certificate: string; key: string; ca: string };
    addUsers: (configDir: string) => Promise<void>;
  };
}

/** Everything the secured ES needs before prepareEs/startEs; the certificates must exist (ensureTls). */
export async function planSecureEs(
  layout: StackLayout,
  java: JavaInstall,
  port: number,
): Promise<SecureEsPlan> {
  const info = esSecurityInfo(layout.dir, port);
  const tls = tlsFiles(layout.dir);
  const password = await ensureSecretFile(info.passwordFile);
  return {
    layout: secureEsLayout(layout),
    info,
    access: { username: ES_USER, password, caFile: tls.caCert },
    security: {
      files: { certificate: tls.serverCert, key: tls.serverKey, ca: tls.caCert },
      addUsers: (configDir) => addUser(layout, java, configDir, password),
    },
  };
}

/** The secured ES's part of `up`: prepare, start, wait, and find its server JVM. */
export interface SecureEsRun {
  prepare(): Promise<void>;
  start(): Promise<EsState>;
  ready(es: EsState, deadline: number): Promise<void>;
  findServer(es: EsState): Promise<ProcessRecord>;
}

export async function secureEsRun(
  layout: StackLayout,
  java: JavaInstall,
  ports: { http: number; transport: number },
  log: (line: string) => void,
): Promise<SecureEsRun> {
  const plan = await planSecureEs(layout, java, ports.http);
  const input = {
    layout: plan.layout,
    java,
    httpPort: ports.http,
    transportPort: ports.transport,
    security: plan.security,
  };
  return {
    prepare: () => prepareEs(input),
    start: async () => {
      log(`starting the secured Elasticsearch on ${plan.info.url} (HTTPS, user ${plan.info.username})`);
      return {
        launcher: await startEs(input),
        port: ports.http,
        transportPort: ports.transport,
        javaHome: java.home,
        runtimeDir: plan.layout.esRuntimeDir,
      };
    },
    ready: async (es, deadline) => {
      await waitForEs(plan.info.url, {
        record: es.launcher,
        logFile: plan.layout.esLog,
        deadline,
        access: plan.access,
      });
      log('the secured Elasticsearch is ready (HTTPS, authenticated)');
    },
    findServer: async (es) => {
      const server = await findEsServer(plan.layout, es.launcher);
      if (!server) {
        throw new StackError(
          `The secured Elasticsearch answers but its server process (child of pid ${es.launcher.pid}) was not found.`,
          `Read ${plan.layout.esLog}.`,
        );
      }
      return server;
    },
  };
}

/** The access for status checks of a running secured ES (undefined when its files are gone). */
export async function secureEsAccess(stackDir: string, port: number): Promise<EsAccess | undefined> {
  const info = esSecurityInfo(stackDir, port);
  try {
    const [password] = await Promise.all([readFile(info.passwordFile, 'utf8'), stat(info.caFile)]);
    return { username: ES_USER, password: password.trim(), caFile: info.caFile };
  } catch {
    return undefined;
  }
}
