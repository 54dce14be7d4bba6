/**
 * Apache Flume 1.11's agent classpath, assembled by Maven from Maven Central (the binary
 * tarball is not published there): a generated pom with the agent, the TAILDIR source, the
 * Kafka sink and a log4j2 binding, then `mvn dependency:copy-dependencies` into a cache
 * folder. Done once; later runs reuse the folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FLUME_VERSION = '1.11.0';
/** log4j 2 with the slf4j 1.x binding: Flume 1.11 logs through slf4j 1.7. */
export const LOG4J_VERSION = '2.24.3';

const ARTIFACTS: readonly (readonly [group: string, artifact: string, version: string])[] = [
  ['org.apache.flume', 'flume-ng-node', FLUME_VERSION],
  ['org.apache.flume.flume-ng-sources', 'flume-taildir-source', FLUME_VERSION],
  ['org.apache.flume.flume-ng-sinks', 'flume-ng-kafka-sink', FLUME_VERSION],
  ['org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION],
  ['org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION],
];

export function flumeCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'kiver', 'peers', `flume-${FLUME_VERSION}`);
}

export function flumePom(): string {
  const deps = ARTIFACTS.map(
    ([g, a, v]) =>
      `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`,
  ).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.kiver.bench</groupId>
  <artifactId>flume-peer</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** The folder of jars for `java -cp "<dir>/*"`, resolved with Maven when missing. */
export function ensureFlumeClasspath(log: (line: string) => void): string {
  const dir = flumeCacheDir();
  const libs = path.join(dir, 'libs');
  const done = path.join(dir, '.complete');
  if (existsSync(done)) return libs;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'pom.xml'), flumePom());
  log(`resolving Flume ${FLUME_VERSION} from Maven Central into ${libs}`);
  execFileSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(dir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (!readdirSync(libs).some((f) => f.startsWith('flume-ng-node'))) {
    throw new Error(`Maven did not put flume-ng-node into ${libs}`);
  }
  writeFileSync(done, new Date().toISOString() + '\n');
  return libs;
}
