/**
 * The typed, frozen configuration object. Key names are a public interface (ARCHITECTURE.md,
 * "Configuration"): they are kept stable. The table of defaults, allowed values and
 * descriptions is in `spec.ts`; a unit test keeps the two in step.
 */

export type KafkaCompression = 'none' | 'gzip' | 'lz4' | 'zstd';
export type KafkaClientKind = 'auto' | 'librdkafka' | 'kafkajs';
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface TlsConfig {
  readonly enabled: boolean;
  /** PEM file of the CA that signed the server's certificate. */
  readonly ca_file: string | null;
  /** Client certificate and key for mutual TLS. */
  readonly cert_file: string | null;
  readonly key_file: string | null;
  readonly reject_unauthorized: boolean;
}

export interface SaslConfig {
  readonly mechanism: SaslMechanism | null;
  readonly username: string | null;
  /** Secret: never printed. Resolved from `password_file` when that is set. */
  readonly password: string | null;
  readonly password_file: string | null;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly dlq_topic: string;
  readonly client_id: string;
  readonly client: KafkaClientKind;
  readonly compression: KafkaCompression;
  readonly connection_timeout_ms: number;
  readonly request_timeout_ms: number;
  readonly tls: TlsConfig;
  readonly sasl: SaslConfig;
}

export interface ElasticsearchAuthConfig {
  readonly username: string | null;
  /** Secret. */
  readonly password: string | null;
  readonly password_file: string | null;
  /** Secret (base64 "id:key" as Elasticsearch returns it). */
  readonly api_key: string | null;
  readonly api_key_file: string | null;
}

export interface ElasticsearchConfig {
  readonly url: string;
  readonly namespace: string;
  /** `auto` detects data streams; `data_stream` and `index` force a mode. */
  readonly mode: 'auto' | 'data_stream' | 'index';
  readonly request_timeout_ms: number;
  readonly auth: ElasticsearchAuthConfig;
  readonly tls: Pick<TlsConfig, 'ca_file' | 'reject_unauthorized'>;
}

export interface MultilineRule {
  /** Glob on the absolute file path this rule applies to. */
  readonly path: string;
  /** A line matching `start` begins a new event; any other line continues the current one. */
  readonly start: string | null;
  /** A line matching `continuation` is appended to the current event (used when `start` is null). */
  readonly continuation: string | null;
  readonly max_lines: number;
  readonly max_bytes: number;
  readonly timeout_ms: number;
}

export interface EncodingRule {
  readonly path: string;
  /** `utf-8`, `gbk`, `gb18030`, or any other label iconv-lite knows. */
  readonly encoding: string;
}

export interface TopicRule {
  readonly path: string;
  readonly topic: string;
}

export interface CollectorConfig {
  readonly roots: readonly string[];
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly checkpoint_dir: string;
  readonly start_at: 'beginning' | 'end';
  readonly path_templates: readonly string[];
  /** Where a copytruncate copy may be, as name templates (copy-finder.ts). */
  readonly copytruncate_copies: readonly string[];
  /** Host name put on every record; empty means the machine's host name. */
  readonly host_name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Rules tried in order; the first whose `path` matches wins; none matching means the built-in stack-trace rule. */
  readonly multiline: readonly MultilineRule[];
  readonly encoding: readonly EncodingRule[];
  readonly topics: readonly TopicRule[];
  readonly follow_symlinks: boolean;
  readonly max_event_bytes: number;
  readonly max_open_files: number;
  readonly rescan_interval_ms: number;
  /** A file not written for this long is closed (its place is kept) and reopened on change. */
  readonly close_inactive_ms: number;
  /** A last line without newline is emitted after this long without growth. */
  readonly partial_line_timeout_ms: number;
  readonly checkpoint_interval_ms: number;
  /** Checkpoint entries of files gone for longer than this are removed. */
  readonly checkpoint_grace_ms: number;
  readonly record_max_events: number;
  readonly record_max_bytes: number;
  readonly batch_max_bytes: number;
  readonly batch_max_events: number;
  readonly batch_linger_ms: number;
  readonly max_in_flight_batches: number;
  readonly max_in_flight_bytes: number;
  readonly shutdown_timeout_ms: number;
  /** /healthz's lag check fails above this many unsent bytes. */
  readonly health_max_lag_bytes: number;
}

export interface NormalizerConfig {
  readonly group_id: string;
  readonly pipelines_dir: string;
  /** Zone assumed for timestamps that carry none (IANA name or `UTC`). */
  readonly timezone: string;
  readonly keep_event_original: boolean;
  /** Messages longer than this are cut and tagged `_truncated`. */
  readonly max_message_bytes: number;
  readonly bulk_max_bytes: number;
  readonly bulk_max_docs: number;
  readonly bulk_concurrency: number;
  readonly retry_initial_ms: number;
  readonly retry_max_ms: number;
  readonly shutdown_timeout_ms: number;
  /** /healthz's lag check fails above this many raw records behind (summed over assigned partitions). */
  readonly health_max_lag_records: number;
}

export interface MetricsConfig {
  /** `host:port` for /metrics and /healthz; empty disables the server. */
  readonly listen: string;
}

export interface LogConfig {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
}

export interface KiverConfig {
  readonly kafka: KafkaConfig;
  readonly elasticsearch: ElasticsearchConfig;
  readonly collector: CollectorConfig;
  readonly normalizer: NormalizerConfig;
  readonly metrics: MetricsConfig;
  readonly log: LogConfig;
}
