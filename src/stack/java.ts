/**
 * Finding a Java runtime. We never rely on JAVA_HOME alone: Elasticsearch ignores it (it
 * wants ES_JAVA_HOME) and a machine often has several JDKs, of which each service prefers a
 * different one. Versions come from `<home>/release`, so no JVM is started just to ask.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../errors.js';

export interface JavaInstall {
  home: string;
  major: number;
  java: string;
}

const INSTALL_HINT = 'Install one, e.g. `apt-get install openjdk-17-jdk-headless`, or set KIVER_JAVA_HOME.';

/** `JAVA_VERSION="17.0.12"` -> 17, `"1.8.0_402"` -> 8, `"25"` -> 25. */
export function parseJavaMajor(release: string): number | undefined {
  const m = /^JAVA_VERSION="([^"]+)"/m.exec(release);
  if (!m?.[1]) return undefined;
  const parts = m[1].split(/[.+_-]/);
  const first = Number(parts[0]);
  if (first === 1) return Number(parts[1]) || undefined;
  return Number.isFinite(first) && first > 0 ? first : undefined;
}

function inspectHome(home: string): JavaInstall | undefined {
  const java = path.join(home, 'bin', 'java');
  if (!existsSync(java)) return undefined;
  const releaseFile = path.join(home, 'release');
  if (!existsSync(releaseFile)) return undefined;
  const major = parseJavaMajor(readFileSync(releaseFile, 'utf8'));
  return major === undefined ? undefined : { home, major, java };
}

function javaOnPath(): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    // <home>/bin/java, usually behind /etc/alternatives symlinks.
    return out ? path.dirname(path.dirname(realpathSync(out))) : undefined;
  } catch {
    return undefined;
  }
}

export function findJavaInstalls(env: NodeJS.ProcessEnv = process.env): JavaInstall[] {
  const homes = new Set<string>();
  for (const h of [env.KIVER_JAVA_HOME, env.JAVA_HOME, javaOnPath()]) if (h) homes.add(path.resolve(h));
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    for (const name of readdirSync(jvmRoot)) homes.add(path.join(jvmRoot, name));
  }
  const byReal = new Map<string, JavaInstall>();
  for (const h of homes) {
    let real: string;
    try {
      real = realpathSync(h);
    } catch {
      continue;
    }
    const found = inspectHome(real);
    if (found && !byReal.has(real)) byReal.set(real, found);
  }
  return [...byReal.values()];
}

/** KIVER_JAVA_HOME, when set, wins: the user asked for exactly that runtime. */
function forced(installs: JavaInstall[], env: NodeJS.ProcessEnv): JavaInstall | undefined {
  if (!env.KIVER_JAVA_HOME) return undefined;
  const real = realpathSync(path.resolve(env.KIVER_JAVA_HOME));
  return installs.find((i) => i.home === real);
}

/** Kafka: the lowest Java >= min, i.e. the LTS the broker is released and tested on. */
export function pickKafkaJava(installs: JavaInstall[], min: number, env = process.env): JavaInstall {
  const f = forced(installs, env);
  if (f && f.major >= min) return f;
  const ok = installs.filter((i) => i.major >= min).sort((a, b) => a.major - b.major);
  if (!ok[0]) throw missingJava('Kafka', min, installs);
  return ok[0];
}

/**
 * Elasticsearch 8.19: the newest Java up to 25 (8.19 bundles a recent JDK and runs on
 * Temurin 25; newer majors are untested), otherwise the lowest one >= min.
 */
export function pickEsJava(installs: JavaInstall[], min: number, env = process.env): JavaInstall {
  const f = forced(installs, env);
  if (f && f.major >= min) return f;
  const preferred = installs.filter((i) => i.major >= min && i.major <= 25).sort((a, b) => b.major - a.major);
  if (preferred[0]) return preferred[0];
  const any = installs.filter((i) => i.major >= min).sort((a, b) => a.major - b.major);
  if (!any[0]) throw missingJava('Elasticsearch', min, installs);
  return any[0];
}

function missingJava(service: string, min: number, installs: JavaInstall[]): StackError {
  const seen = installs.length
    ? ` (found: ${installs.map((i) => `${i.major} at ${i.home}`).join(', ')})`
    : '';
  return new StackError(`${service} needs Java ${min} or newer, and none was found${seen}.`, INSTALL_HINT);
}

/** Maven is only needed while the artifact cache is incomplete. */
export function findMaven(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const out = execFileSync('sh', ['-c', 'command -v mvn'], { encoding: 'utf8', env }).trim();
    if (out) return out;
  } catch {
    // fall through to the error below
  }
  throw new StackError(
    'Maven (mvn) is needed to download Kafka and Elasticsearch from Maven Central, and it is not on PATH.',
    'Install it, e.g. `apt-get install openjdk-17-jdk-headless maven`.',
  );
}
