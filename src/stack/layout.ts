/**
 * Where the stack keeps things. Three places, because their lifetimes and owners differ:
 * - the artifact cache (Kafka jars, the unzipped Elasticsearch) is shared by every stack dir
 *   and survives `down`, so only the first `up` on a machine pays for Maven;
 * - the stack dir holds state, pid records, Kafka data, configs and all service logs;
 * - Elasticsearch's own runtime (config copy, data, path.logs, tmp) must be writable by the
 *   unprivileged user ES runs as. As root that user cannot enter /root (mode 0700), so the
 *   ES home and runtime then live under a world-traversable /var/lib/kiver-stack instead.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import { ES_VERSION, KAFKA_VERSION } from './versions.js';

/** Root of Elasticsearch files when running as root; must not be under /tmp (data). */
export const ROOT_ES_BASE = '/var/lib/kiver-stack';
/** The system user Elasticsearch runs as when we are root (ES refuses to run as root). */
export const ES_SYSTEM_USER = 'kiver-es';

export interface StackLayout {
  dir: string;
  cacheDir: string;
  stateFile: string;
  probeFile: string;
  lockFile: string;
  logsDir: string;
  kafkaLog: string;
  esLog: string;
  kafkaDir: string;
  kafkaDataDir: string;
  kafkaProperties: string;
  kafkaLog4j: string;
  kafkaPomDir: string;
  kafkaLibsDir: string;
  esHomeParent: string;
  esHome: string;
  esRuntimeDir: string;
  esConfigDir: string;
  esDataDir: string;
  esLogsDir: string;
  esTmpDir: string;
  esServerPidFile: string;
  /** Set when ES runs as ES_SYSTEM_USER (we are root). */
  esUser: string | undefined;
}

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'kiver') : path.join(homedir(), '.cache', 'kiver');
}

export function defaultStackDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultCacheRoot(env), 'stack');
}

export function defaultArtifactCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultCacheRoot(env), 'artifacts');
}

/** Short, stable name for a stack dir, so two stack dirs never share ES data. */
export function stackDirHash(dir: string): string {
  return createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 12);
}

/** What lives in one Elasticsearch runtime dir (config copy, data, logs, tmp, pid file). */
export function esRuntimePaths(
  esRuntimeDir: string,
): Pick<
  StackLayout,
  'esRuntimeDir' | 'esConfigDir' | 'esDataDir' | 'esLogsDir' | 'esTmpDir' | 'esServerPidFile'
> {
  return {
    esRuntimeDir,
    esConfigDir: path.join(esRuntimeDir, 'config'),
    esDataDir: path.join(esRuntimeDir, 'data'),
    esLogsDir: path.join(esRuntimeDir, 'logs'),
    esTmpDir: path.join(esRuntimeDir, 'tmp'),
    esServerPidFile: path.join(esRuntimeDir, 'server.pid'),
  };
}

export function stackLayout(dir: string, cacheDir: string, isRoot: boolean): StackLayout {
  const d = path.resolve(dir);
  const c = path.resolve(cacheDir);
  const kafkaDir = path.join(d, 'kafka');
  const esHomeParent = isRoot ? path.join(ROOT_ES_BASE, 'dist') : path.join(c, 'elasticsearch');
  const esRuntimeDir = isRoot
    ? path.join(ROOT_ES_BASE, 'stacks', stackDirHash(d))
    : path.join(d, 'elasticsearch');
  const logsDir = path.join(d, 'logs');
  return {
    dir: d,
    cacheDir: c,
    stateFile: path.join(d, 'state.json'),
    probeFile: path.join(d, 'probe.json'),
    lockFile: path.join(d, 'up.lock'),
    logsDir,
    kafkaLog: path.join(logsDir, 'kafka.log'),
    esLog: path.join(logsDir, 'elasticsearch.log'),
    kafkaDir,
    kafkaDataDir: path.join(kafkaDir, 'data'),
    kafkaProperties: path.join(kafkaDir, 'server.properties'),
    kafkaLog4j: path.join(kafkaDir, 'log4j2.properties'),
    kafkaPomDir: path.join(c, `kafka-${KAFKA_VERSION}`),
    kafkaLibsDir: path.join(c, `kafka-${KAFKA_VERSION}`, 'libs'),
    esHomeParent,
    esHome: path.join(esHomeParent, `elasticsearch-${ES_VERSION}`),
    ...esRuntimePaths(esRuntimeDir),
    esUser: isRoot ? ES_SYSTEM_USER : undefined,
  };
}
