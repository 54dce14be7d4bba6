/**
 * rsyslog (Debian's rsyslog + rsyslog-kafka): our own foreground instance, imfile -> omkafka,
 * the raw message only. Two configurations: `resubmitOnFailure="on"` (no loss: the one the
 * ratios use) and omkafka's defaults (which drop under a backlog: "Local: Queue full").
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnPinned } from './process.js';
import type { BenchKafkaLike, Running, RunContext, Shipper } from './types.js';

export type RsyslogMode = 'resubmit' | 'defaults';

export function rsyslogConfig(ctx: RunContext, mode: RsyslogMode): string {
  const resubmit = mode === 'resubmit' ? ' resubmitOnFailure="on"' : '';
  return `global(workDirectory="${path.join(ctx.workDir, 'work')}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="omkafka")

template(name="raw" type="string" string="%msg%")

ruleset(name="to_kafka") {
  action(type="omkafka" broker=[${ctx.brokers.map((b) => `"${b}"`).join(', ')}] topic="${ctx.topic}" template="raw"
         partitions.auto="on"${resubmit}
         confParam=["compression.codec=${ctx.codec}"]
         topicConfParam=["acks=all"])
}

input(type="imfile" file="${ctx.root}/*.log" tag="bench" ruleset="to_kafka")
`;
}

export function rsyslogVersion(): string {
  try {
    return (execFileSync('rsyslogd', ['-v'], { encoding: 'utf8' }).split('\n')[0] ?? '')
      .replace(/\s*compiled with:\s*$/, '')
      .trim();
  } catch {
    return 'not installed';
  }
}

function debVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function rsyslogShipper(kafka: BenchKafkaLike, mode: RsyslogMode): Shipper {
  return {
    id: `rsyslog-${mode}`,
    family: 'rsyslog',
    label: mode === 'resubmit' ? 'rsyslog (resubmitOnFailure)' : 'rsyslog (omkafka defaults)',
    records: 'line',
    async unavailable() {
      try {
        execFileSync('rsyslogd', ['-v'], { stdio: 'ignore' });
      } catch {
        return 'rsyslogd is not installed (apt-get install -y rsyslog rsyslog-kafka)';
      }
      if (debVersion('rsyslog-kafka') === 'unknown') return 'rsyslog-kafka (omkafka) is not installed';
      return null;
    },
    settings: (ctx) => ({
      rsyslog: rsyslogVersion(),
      'rsyslog-kafka': debVersion('rsyslog-kafka'),
      librdkafka: debVersion('librdkafka1'),
      input: 'imfile, mode="inotify", one input for the flat folder',
      action: `omkafka, template "%msg%", partitions.auto="on", confParam compression.codec=${ctx.codec}, topicConfParam acks=all${mode === 'resubmit' ? ', resubmitOnFailure="on"' : ', every other omkafka setting at its default'}`,
      queue: 'the main queue at its defaults',
    }),
    async start(ctx: RunContext): Promise<Running> {
      mkdirSync(path.join(ctx.workDir, 'work'), { recursive: true });
      const conf = path.join(ctx.workDir, 'rsyslog.conf');
      writeFileSync(conf, rsyslogConfig(ctx, mode));
      execFileSync('rsyslogd', ['-N1', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      const logFile = path.join(ctx.workDir, 'rsyslog.log');
      const spawned = spawnPinned(
        ctx.core,
        'rsyslogd',
        ['-n', '-f', conf, '-i', path.join(ctx.workDir, 'rsyslogd.pid')],
        { cwd: ctx.workDir, logFile },
      );
      return { spawned, logFile, progress: () => kafka.records(ctx.topic) };
    },
  };
}
