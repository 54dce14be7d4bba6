/**
 * Which producer the collector uses, from `kafka.client` (docs/librdkafka.md):
 *  - `auto`: librdkafka when `@confluentinc/kafka-javascript`'s native module loads, else
 *    kafkajs, with one warning line saying why and how to get the fast path;
 *  - `librdkafka`: librdkafka or a ConfigError with the fix;
 *  - `kafkajs`: kafkajs.
 * Both clients are imported only when chosen, so a librdkafka collector never loads kafkajs.
 */
import { createRequire } from 'node:module';
import type { KafkaConfig } from '../../config/types.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { LibrdkafkaModule } from './librdkafka.js';
import type { ProducerFactory } from './port.js';

export const LIBRDKAFKA_PACKAGE = '@confluentinc/kafka-javascript';

/** How to get the fast path, for the warning and the error. */
export const BUILD_HINT =
  `Build it with \`CKJS_LINKING=dynamic npm rebuild ${LIBRDKAFKA_PACKAGE}\` ` +
  '(needs gcc, g++, make, python3, zlib1g-dev, libssl-dev and libzstd-dev; see docs/librdkafka.md)';

export type Loaded = { ok: true; module: LibrdkafkaModule } | { ok: false; reason: string };

/** The native module, or why it did not load (first line of the loader's message). */
export async function loadLibrdkafka(specifier: string = LIBRDKAFKA_PACKAGE): Promise<Loaded> {
  try {
    // CommonJS: the exports are the default export.
    const imported = (await import(specifier)) as { default?: unknown };
    const mod = (imported.default ?? imported) as Partial<LibrdkafkaModule>;
    if (typeof mod.Producer !== 'function') return { ok: false, reason: `${specifier} has no Producer` };
    return { ok: true, module: mod as LibrdkafkaModule };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const first = String(e?.message ?? error).split('\n')[0]!;
    const reason =
      e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND'
        ? `${specifier} is not installed (its native build failed or was skipped)`
        : `${specifier} did not load: ${first}`;
    return { ok: false, reason };
  }
}

/** The chosen client's name and factory. */
export interface Choice {
  readonly client: 'librdkafka' | 'kafkajs';
  readonly factory: ProducerFactory;
  /** librdkafka's version, or kafkajs'. */
  readonly version: string;
}

export async function chooseProducer(
  kafka: Pick<KafkaConfig, 'client'>,
  log: Pick<Logger, 'warn'>,
  load: () => Promise<Loaded> = () => loadLibrdkafka(),
): Promise<Choice> {
  if (kafka.client !== 'kafkajs') {
    const loaded = await load();
    if (loaded.ok) {
      const { librdkafkaProducerFactory } = await import('./librdkafka.js');
      return {
        client: 'librdkafka',
        factory: librdkafkaProducerFactory(loaded.module),
        version: loaded.module.librdkafkaVersion,
      };
    }
    if (kafka.client === 'librdkafka') {
      throw new ConfigError(
        `kafka.client is 'librdkafka' but ${loaded.reason}.`,
        `${BUILD_HINT}, or set kafka.client to 'auto' or 'kafkajs'.`,
      );
    }
    log.warn(
      `kafka.client 'auto': producing through kafkajs, because ${loaded.reason}; for the faster librdkafka path: ${BUILD_HINT}.`,
    );
  }
  const { createKafkajsProducer } = await import('./kafkajs.js');
  const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
  return { client: 'kafkajs', factory: createKafkajsProducer, version };
}

/** The factory alone (what Collector.create needs). */
export async function chooseProducerFactory(
  kafka: Pick<KafkaConfig, 'client'>,
  log: Pick<Logger, 'warn' | 'info'>,
): Promise<ProducerFactory> {
  const choice = await chooseProducer(kafka, log);
  log.info({ kafkaClient: choice.client, version: choice.version }, `producing through ${choice.client}`);
  return choice.factory;
}
