/**
 * Kafka jars and the Elasticsearch distribution, resolved once from Maven Central into the
 * artifact cache. A `.complete` marker is written last, so an interrupted download is redone
 * and a complete cache never starts Maven at all (it costs seconds even when offline).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from '../errors.js';
import { findMaven } from './java.js';
import type { StackLayout } from './layout.js';
import {
  ES_ARTIFACT,
  ES_VERSION,
  KAFKA_LOG4J_VERSION,
  KAFKA_SLF4J_BINDING,
  KAFKA_VERSION,
  MAVEN_DEPENDENCY_PLUGIN,
} from './versions.js';

const run = promisify(execFile);
const COMPLETE = '.complete';

export interface ArtifactOptions {
  /** Maven local repository (-Dmaven.repo.local); default ~/.m2/repository. */
  mavenRepoLocal?: string;
  log?: (line: string) => void;
}

export interface ArtifactReport {
  kafkaLibsDir: string;
  esHome: string;
  /** Whether Maven had to run (false when the cache was complete). */
  mavenRan: boolean;
}

export interface KafkaPomInput {
  kafkaVersion: string;
  log4jVersion: string;
  slf4jBinding: string;
}

/**
 * A throwaway POM whose runtime closure is exactly what the broker needs. The SLF4J binding is
 * `releaseOnly` in Kafka's build, so it is in the release tarball but not in the published POM.
 */
export function renderKafkaPom(input: KafkaPomInput): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency>\n      <groupId>${g}</groupId>\n      <artifactId>${a}</artifactId>\n      <version>${v}</version>\n    </dependency>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.kiver.stack</groupId>',
    '  <artifactId>kafka-server-libs</artifactId>',
    `  <version>${input.kafkaVersion}</version>`,
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', input.kafkaVersion),
    dep('org.apache.logging.log4j', input.slf4jBinding, input.log4jVersion),
    dep('org.apache.logging.log4j', 'log4j-core', input.log4jVersion),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

export function esZipPath(mavenRepoLocal: string, version = ES_VERSION): string {
  return path.join(
    mavenRepoLocal,
    'org/elasticsearch/distribution/integ-test-zip/elasticsearch',
    version,
    `elasticsearch-${version}.zip`,
  );
}

export function isComplete(dir: string): boolean {
  return existsSync(path.join(dir, COMPLETE));
}

async function mvn(args: string[], what: string, opts: ArtifactOptions): Promise<void> {
  const bin = findMaven();
  const repo = opts.mavenRepoLocal ? [`-Dmaven.repo.local=${opts.mavenRepoLocal}`] : [];
  try {
    await run(bin, ['-B', '-q', ...repo, ...args], { maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-8).join(' | ');
    throw new StackError(
      `Maven could not resolve ${what}: ${tail || String(error)}`,
      'Check that Maven Central is reachable (mvn settings, proxy) and retry.',
      { cause: error },
    );
  }
}

async function ensureKafkaLibs(layout: StackLayout, opts: ArtifactOptions): Promise<boolean> {
  if (isComplete(layout.kafkaLibsDir)) return false;
  opts.log?.(`resolving Kafka ${KAFKA_VERSION} jars with Maven into ${layout.kafkaLibsDir}`);
  await mkdir(layout.kafkaPomDir, { recursive: true });
  const pom = path.join(layout.kafkaPomDir, 'pom.xml');
  await writeFile(
    pom,
    renderKafkaPom({
      kafkaVersion: KAFKA_VERSION,
      log4jVersion: KAFKA_LOG4J_VERSION,
      slf4jBinding: KAFKA_SLF4J_BINDING,
    }),
  );
  // A fresh directory per attempt: copy-dependencies never removes stale jars of other versions.
  const staging = `${layout.kafkaLibsDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mvn(
    [
      '-f',
      pom,
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ],
    `Kafka ${KAFKA_VERSION}`,
    opts,
  );
  const jars = await readdir(staging);
  const slf4j = jars.filter((j) => j.startsWith('slf4j-api-'));
  const binding = jars.filter((j) => j.startsWith(`${KAFKA_SLF4J_BINDING}-`));
  if (slf4j.length !== 1 || binding.length !== 1 || !jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
    throw new StackError(
      `The resolved Kafka classpath in ${staging} is not as expected (slf4j-api: ${slf4j.join(',') || 'none'}, binding: ${binding.join(',') || 'none'}).`,
      'Delete that folder and retry; if it persists, the pinned versions in src/stack/versions.ts need updating.',
    );
  }
  await writeFile(path.join(staging, COMPLETE), `${jars.sort().join('\n')}\n`);
  await rm(layout.kafkaLibsDir, { recursive: true, force: true });
  await rename(staging, layout.kafkaLibsDir);
  return true;
}

/** Every directory from `dir` up to `/` gets o+x, so the ES user can reach files below. */
async function makeTraversable(dir: string): Promise<void> {
  let d = path.resolve(dir);
  while (d !== path.dirname(d)) {
    if (d.startsWith('/var/lib/kiver-stack')) await chmod(d, 0o755);
    d = path.dirname(d);
  }
}

async function ensureEsHome(layout: StackLayout, opts: ArtifactOptions): Promise<boolean> {
  if (isComplete(layout.esHome)) return false;
  const repo = opts.mavenRepoLocal ?? path.join(homedir(), '.m2', 'repository');
  const zip = esZipPath(repo);
  let mavenRan = false;
  if (!existsSync(zip)) {
    opts.log?.(`downloading Elasticsearch ${ES_VERSION} (integ-test-zip) with Maven`);
    await mvn(
      [`${MAVEN_DEPENDENCY_PLUGIN}:get`, `-Dartifact=${ES_ARTIFACT}`, '-Dtransitive=false'],
      ES_ARTIFACT,
      opts,
    );
    mavenRan = true;
  }
  opts.log?.(`unpacking Elasticsearch into ${layout.esHome}`);
  await mkdir(layout.esHomeParent, { recursive: true });
  const staging = path.join(layout.esHomeParent, `.staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run('unzip', ['-q', '-o', zip, '-d', staging], { maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    throw new StackError(`Could not unzip ${zip}.`, 'Install unzip (`apt-get install unzip`) and retry.', {
      cause: error,
    });
  }
  const unpacked = path.join(staging, `elasticsearch-${ES_VERSION}`);
  // Read-only for everybody else: the ES user runs it, nobody writes into the home.
  await run('chmod', ['-R', 'a+rX,go-w', unpacked]);
  await writeFile(path.join(unpacked, COMPLETE), `${ES_ARTIFACT}\n`);
  await rm(layout.esHome, { recursive: true, force: true });
  await rename(unpacked, layout.esHome);
  await rm(staging, { recursive: true, force: true });
  await makeTraversable(layout.esHomeParent);
  return mavenRan;
}

export async function ensureArtifacts(
  layout: StackLayout,
  opts: ArtifactOptions = {},
): Promise<ArtifactReport> {
  const kafkaRan = await ensureKafkaLibs(layout, opts);
  const esRan = await ensureEsHome(layout, opts);
  return { kafkaLibsDir: layout.kafkaLibsDir, esHome: layout.esHome, mavenRan: kafkaRan || esRan };
}
