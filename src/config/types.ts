/**
 * The typed, frozen configuration object, derived from the spec table (`spec.ts`): every key,
 * its type, its allowed values (an `enum` becomes a union) and whether it may be null (a
 * string whose default is null) come from the one table that validation, the environment
 * overrides, `kiver check` and the README reference also read. Key names are a public
 * interface (ARCHITECTURE.md, "Configuration"): they are kept stable there.
 */
import type { configSpec } from './spec.js';

/** The value type of one leaf of the table. */
type LeafValue<S> = S extends { readonly type: 'string' }
  ? StringValue<S>
  : S extends { readonly type: 'int' }
    ? number
    : S extends { readonly type: 'bool' }
      ? boolean
      : S extends { readonly type: 'list' }
        ? readonly string[]
        : S extends { readonly type: 'map' }
          ? Readonly<Record<string, string>>
          : S extends { readonly type: 'rules'; readonly item: infer I }
            ? readonly { readonly [K in keyof I]: LeafValue<I[K]> }[]
            : never;

type StringValue<S> =
  | (S extends { readonly enum: readonly (infer E)[] } ? E : string)
  | (S extends { readonly default: null } ? null : never);

/** A section of the table as a read-only object of its fields. */
type ConfigOf<S> = S extends { readonly type: 'section'; readonly fields: infer F }
  ? { readonly [K in keyof F]: ConfigOf<F[K]> }
  : LeafValue<S>;

export type KiverConfig = ConfigOf<typeof configSpec>;

export type KafkaConfig = KiverConfig['kafka'];
export type TlsConfig = KafkaConfig['tls'];
export type SaslConfig = KafkaConfig['sasl'];
export type KafkaCompression = KafkaConfig['compression'];
export type KafkaClientKind = KafkaConfig['client'];
export type SaslMechanism = NonNullable<SaslConfig['mechanism']>;

export type ElasticsearchConfig = KiverConfig['elasticsearch'];
export type ElasticsearchAuthConfig = ElasticsearchConfig['auth'];

export type CollectorConfig = KiverConfig['collector'];
/** Tried in order; the first whose `path` glob matches wins; none: the built-in stack-trace rule. */
export type MultilineRule = CollectorConfig['multiline'][number];
export type EncodingRule = CollectorConfig['encoding'][number];
export type TopicRule = CollectorConfig['topics'][number];

export type NormalizerConfig = KiverConfig['normalizer'];
export type MetricsConfig = KiverConfig['metrics'];
export type LogConfig = KiverConfig['log'];
