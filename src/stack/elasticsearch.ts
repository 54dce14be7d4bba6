/**
 * Elasticsearch from the integ-test-zip. It refuses to run as root, so as root it runs as a
 * dedicated system user via `setpriv` (which execs, so the pid we spawn becomes ES's launcher
 * JVM). `bin/elasticsearch` in 8.x is a launcher that starts the server as a child JVM; both
 * pids are recorded so `down` leaves neither behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from '../errors.js';
import type { JavaInstall } from './java.js';
import type { StackLayout } from './layout.js';
import { STACK_HOST } from './ports.js';
import { childrenOf, recordFor, spawnDetached, type ProcessRecord } from './process.js';

const run = promisify(execFile);

export const ES_HEAP = '-Xms512m -Xmx512m';
/** Every ES server JVM command line carries this main class. */
export const ES_SERVER_MARKER = 'org.elasticsearch.bootstrap.Elasticsearch';

export interface EsYmlInput {
  httpPort: number;
  transportPort: number;
  dataDir: string;
  logsDir: string;
  /** xpack.security.* is only a known setting when the x-pack-security module is present. */
  hasSecurityModule: boolean;
  /** HTTPS with these files (names inside the config dir) and the file realm; absent: plain HTTP. */
  security?: EsSecurityFiles;
}

/** The server certificate, its key and the CA, as copied into ES's config dir. */
export interface EsSecurityFiles {
  certificate: string;
  key: string;
  ca: string;
}

export function renderElasticsearchYml(input: EsYmlInput): string {
  const lines = [
    'cluster.name: kiver-stack',
    'node.name: kiver-node-1',
    // single-node + loopback: bootstrap checks (vm.max_map_count, fds) only warn.
    'discovery.type: single-node',
    `network.host: ${STACK_HOST}`,
    `http.port: ${input.httpPort}`,
    `transport.port: ${input.transportPort}`,
    `path.data: ${input.dataDir}`,
    `path.logs: ${input.logsDir}`,
    // Dev machines are often fuller than the default watermarks allow; shards would stay unassigned.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    // Tests delete indices by wildcard.
    'action.destructive_requires_name: false',
  ];
  if (input.security) {
    // HTTPS and authentication (file realm users, see secure-es.ts). Explicit TLS settings also
    // turn off the first-start auto-configuration (enrollment, generated certificates).
    lines.push(
      'xpack.security.enabled: true',
      'xpack.security.http.ssl.enabled: true',
      `xpack.security.http.ssl.certificate: ${input.security.certificate}`,
      `xpack.security.http.ssl.key: ${input.security.key}`,
      `xpack.security.http.ssl.certificate_authorities: [${input.security.ca}]`,
    );
  } else if (input.hasSecurityModule) {
    // Plain HTTP without credentials on loopback; also skips the TLS/password auto-configuration.
    lines.push('xpack.security.enabled: false');
  }
  return `${lines.join('\n')}\n`;
}

/** Creates the system user ES runs as, when we are root and it does not exist yet. */
export async function ensureEsUser(user: string): Promise<void> {
  try {
    await run('id', ['-u', user]);
    return;
  } catch {
    // does not exist yet
  }
  try {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      user,
    ]);
  } catch (error) {
    throw new StackError(
      `Elasticsearch refuses to run as root, and creating the system user '${user}' failed: ${(error as Error).message}`,
      `Create it yourself (useradd --system --user-group ${user}) or run kiver stack as a normal user.`,
      { cause: error },
    );
  }
}

export interface EsStartInput {
  layout: StackLayout;
  java: JavaInstall;
  httpPort: number;
  transportPort: number;
  /** Secured (HTTPS, file realm): files to copy into the config dir and users to add there. */
  security?: {
    files: { certificate: string; key: string; ca: string };
    addUsers: (configDir: string) => Promise<void>;
  };
}

/**
 * A fresh runtime dir on every start (config copy, empty data): tests want a clean cluster and
 * the zip's config must not be modified in the shared artifact cache.
 */
export async function prepareEs(input: EsStartInput): Promise<void> {
  const { layout } = input;
  if (layout.esUser) await ensureEsUser(layout.esUser);
  await rm(layout.esRuntimeDir, { recursive: true, force: true });
  for (const d of [layout.esDataDir, layout.esLogsDir, layout.esTmpDir]) await mkdir(d, { recursive: true });
  await cp(path.join(layout.esHome, 'config'), layout.esConfigDir, { recursive: true });
  const hasSecurityModule = existsSync(path.join(layout.esHome, 'modules', 'x-pack-security'));
  await writeFile(
    path.join(layout.esConfigDir, 'elasticsearch.yml'),
    renderElasticsearchYml({
      httpPort: input.httpPort,
      transportPort: input.transportPort,
      dataDir: layout.esDataDir,
      logsDir: layout.esLogsDir,
      hasSecurityModule,
      ...(input.security
        ? { security: { certificate: 'http.crt', key: 'http.key', ca: 'http-ca.crt' } }
        : {}),
    }),
  );
  if (input.security) {
    const { files } = input.security;
    await cp(files.certificate, path.join(layout.esConfigDir, 'http.crt'));
    await cp(files.key, path.join(layout.esConfigDir, 'http.key'));
    await cp(files.ca, path.join(layout.esConfigDir, 'http-ca.crt'));
    await chmod(path.join(layout.esConfigDir, 'http.key'), 0o600);
    await input.security.addUsers(layout.esConfigDir);
  }
  if (layout.esUser) {
    // ES writes its keystore into the config dir on first start, so it owns the whole runtime dir.
    await run('chown', ['-R', `${layout.esUser}:${layout.esUser}`, layout.esRuntimeDir]);
    for (let d = layout.esRuntimeDir; d !== path.dirname(d); d = path.dirname(d)) {
      if (d.startsWith('/var/lib/kiver-stack')) await chmod(d, 0o755);
    }
  }
}

export async function startEs(input: EsStartInput): Promise<ProcessRecord> {
  const { layout } = input;
  const esBin = path.join(layout.esHome, 'bin', 'elasticsearch');
  const esArgs = ['-p', layout.esServerPidFile];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ES_JAVA_HOME: input.java.home,
    ES_PATH_CONF: layout.esConfigDir,
    ES_TMPDIR: layout.esTmpDir,
    // Without it ES sizes the heap from total RAM (GiBs on a 24 GiB machine).
    ES_JAVA_OPTS: ES_HEAP,
    HOME: layout.esRuntimeDir,
    LANG: 'C.UTF-8',
  };
  // ES ignores JAVA_HOME and warns about it; drop it so the log is not noisy.
  delete env.JAVA_HOME;
  const [command, args] = layout.esUser
    ? [
        'setpriv',
        [`--reuid=${layout.esUser}`, `--regid=${layout.esUser}`, '--init-groups', '--', esBin, ...esArgs],
      ]
    : [esBin, esArgs];
  return spawnDetached({
    command,
    args,
    env,
    cwd: layout.esRuntimeDir,
    logFile: layout.esLog,
    // Unique to this stack's runtime dir and visible both in setpriv's and the launcher's argv.
    marker: layout.esServerPidFile,
  });
}

/**
 * The server JVM's identity: from the pid file ES writes (-p), cross-checked against the
 * launcher's children, so a stale pid file can never point us at an unrelated process.
 */
export async function findEsServer(
  layout: StackLayout,
  launcher: ProcessRecord,
): Promise<ProcessRecord | undefined> {
  let pid: number | undefined;
  try {
    pid = Number((await readFile(layout.esServerPidFile, 'utf8')).trim());
  } catch {
    pid = undefined;
  }
  const kids = childrenOf(launcher.pid);
  const candidate = pid !== undefined && kids.includes(pid) ? pid : kids[0];
  return candidate === undefined ? undefined : recordFor(candidate, ES_SERVER_MARKER);
}
