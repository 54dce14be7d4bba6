/**
 * One table of configurations fed to `kiver check --for <deployable>` and to the deployables
 * themselves (`kiver collect`, `kiver normalize`, in this process): each refuses exactly the
 * rows the others refuse, with the same sentence, before anything connects (the brokers and
 * the cluster point at a closed port, so a row a deployable let through would fail on that
 * instead). Rows that hold on any host are refused by a plain `kiver check` too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run as check } from '../../../src/cli/check.js';
import { run as collect } from '../../../src/cli/collect.js';
import { run as normalize } from '../../../src/cli/normalize.js';
import { ConfigError, KiverError } from '../../../src/errors.js';
import type { Deployable } from '../../../src/cli/preflight.js';
import { Collector } from '../../../src/collector/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import { MemoryKafka } from '../../helpers/memory-producer.js';

type Sections = Record<string, Record<string, unknown>>;

interface Row {
  name: string;
  config: Sections;
  /** Which deployables refuse it ([] for a configuration every command accepts). */
  refusedBy: Deployable[];
  /** Refused whatever the host (a plain `kiver check` refuses it too). */
  anyHost: boolean;
  message?: RegExp;
}

const base = mkdtempSync(join(tmpdir(), 'kiver-agree-'));
const root = join(base, 'logs');
mkdirSync(root);

const rows: Row[] = [
  {
    name: 'batch_linger_ms 0 (send at once) is valid',
    config: { collector: { batch_linger_ms: 0 } },
    refusedBy: [],
    anyHost: false,
  },
  {
    name: 'negative batch_linger_ms',
    config: { collector: { batch_linger_ms: -1 } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /collector\.batch_linger_ms/,
  },
  {
    name: 'checkpoint_grace_ms 0 (would forget files still being read)',
    config: { collector: { checkpoint_grace_ms: 0 } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /collector\.checkpoint_grace_ms.*at least 60000/,
  },
  {
    name: 'checkpoint_grace_ms below 4 checkpoint intervals',
    config: { collector: { checkpoint_grace_ms: '1m', checkpoint_interval_ms: '20s' } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /below 4 x collector\.checkpoint_interval_ms/,
  },
  {
    name: 'max_in_flight_bytes below batch_max_bytes',
    config: { collector: { max_in_flight_bytes: '64KiB', batch_max_bytes: '128KiB' } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /max_in_flight_bytes .* is below collector\.batch_max_bytes/,
  },
  {
    name: 'a multiline rule with both start and continuation',
    config: { collector: { multiline: [{ start: '^\\d', continuation: '^\\s' }] } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /not both/,
  },
  {
    name: 'a topic rule with an invalid topic name',
    config: { collector: { topics: [{ path: '**/a/**', topic: 'no spaces' }] } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /collector\.topics\[0\]\.topic.*Kafka topic name/,
  },
  {
    name: 'metrics.listen with a port past 65535',
    config: { metrics: { listen: '127.0.0.1:99999' } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /metrics\.listen/,
  },
  {
    name: 'a broker with a port past 65535',
    config: { kafka: { brokers: ['127.0.0.1:70000'] } },
    refusedBy: ['collect', 'normalize'],
    anyHost: true,
    message: /kafka\.brokers/,
  },
  {
    name: 'an include glob with an unclosed bracket',
    config: { collector: { include: ['[oops'] } },
    refusedBy: ['collect'],
    anyHost: true,
    message: /collector\.include\[0\] '\[oops' is not a valid glob/,
  },
  {
    name: 'a path template with an unclosed brace',
    config: { collector: { path_templates: ['/app/log/{container_id/**'] } },
    refusedBy: ['collect'],
    anyHost: true,
    message: /collector\.path_templates\[0\]: unclosed/,
  },
  {
    name: 'an encoding that is not ASCII-compatible',
    config: { collector: { encoding: [{ path: '**', encoding: 'utf-16le' }] } },
    refusedBy: ['collect'],
    anyHost: true,
    message: /not ASCII-compatible/,
  },
  {
    name: 'a root that does not exist on this host',
    config: { collector: { roots: [join(base, 'missing')] } },
    refusedBy: ['collect'],
    anyHost: false,
    message: /collector\.roots entry .* does not exist/,
  },
  {
    name: 'an Elasticsearch CA file that cannot be read',
    config: { elasticsearch: { tls: { ca_file: join(base, 'missing-ca.pem') } } },
    refusedBy: ['normalize'],
    anyHost: false,
    message: /Cannot read elasticsearch\.tls\.ca_file/,
  },
  {
    name: 'a Kafka CA file that cannot be read',
    config: { kafka: { tls: { enabled: true, ca_file: join(base, 'missing-ca.pem') } } },
    refusedBy: ['collect', 'normalize'],
    anyHost: false,
    message: /Cannot read kafka\.tls\.ca_file/,
  },
];

/** A configuration nothing can connect with (port 1), so only its checks can end a command. */
function configFile(row: Row, index: number): string {
  const merged: Sections = {
    kafka: { brokers: ['127.0.0.1:1'], client: 'kafkajs', ...row.config.kafka },
    elasticsearch: { url: 'http://127.0.0.1:1', ...row.config.elasticsearch },
    collector: { roots: [root], checkpoint_dir: join(base, `state-${index}`), ...row.config.collector },
    normalizer: { pipelines_dir: 'pipelines', ...row.config.normalizer },
    metrics: { listen: '', ...row.config.metrics },
    log: { level: 'fatal' },
  };
  const file = join(base, `row-${index}.yaml`);
  writeFileSync(file, stringify(merged));
  return file;
}

/**
 * The ConfigError a command refuses with, or null when it accepts (check) or gets past its
 * checks to connecting (a worker's ServiceUnavailableError from the closed port).
 */
async function refusal(command: Promise<unknown>): Promise<string | null> {
  const bound = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error('still running after 15 s: the checks let it through')),
      15_000,
    ).unref(),
  );
  try {
    await Promise.race([command, bound]);
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    if (error instanceof KiverError && error.code === 'KIVER_SERVICE_UNAVAILABLE') return null;
    throw error;
  }
}

/**
 * What `kiver collect` decides before it connects, for a configuration it accepts: loading
 * and `Collector.create` (not started: it would run until SIGTERM), with an in-memory producer.
 */
async function collectorAccepts(file: string): Promise<unknown> {
  const config = loadConfig({ file, env: {} });
  return Collector.create({
    config: config.collector,
    kafka: config.kafka,
    logger: createLogger('test', 'fatal'),
    producerFactory: new MemoryKafka().factory,
  });
}

const deployableRun: Record<Deployable, (argv: string[]) => Promise<number>> = { collect, normalize };

rows.forEach((row, index) => {
  test(`${row.name}: ${row.refusedBy.length ? `refused by ${row.refusedBy.join(' and ')}` : 'accepted'}, and kiver check agrees`, async () => {
    const args = ['--config', configFile(row, index)];
    for (const deployable of ['collect', 'normalize'] as const) {
      const byCheck = await refusal(check([...args, '--for', deployable]));
      if (!row.refusedBy.includes(deployable)) {
        assert.equal(byCheck, null, `kiver check --for ${deployable} refused it`);
        const accepted = deployable === 'collect' ? collectorAccepts(args[1]!) : normalize(args);
        assert.equal(await refusal(accepted), null, `kiver ${deployable} refused it`);
        continue;
      }
      assert.ok(byCheck, `kiver check --for ${deployable} accepted it`);
      assert.match(byCheck, row.message!);
      const byDeployable = await refusal(deployableRun[deployable](args));
      assert.equal(byDeployable, byCheck, `kiver ${deployable} and kiver check say the same`);
    }
    const plain = await refusal(check(args));
    if (row.anyHost) assert.equal(plain, await refusal(check([...args, '--for', row.refusedBy[0]!])));
    else assert.equal(plain, null, 'a plain kiver check refuses only what holds on any host');
  });
});
