/**
 * The one table of configuration keys: type, default, allowed values and description.
 * Validation, environment overrides, `--set`, `kiver check` and the README's configuration
 * reference are all derived from it, so they cannot drift apart.
 */

interface BaseSpec {
  readonly doc: string;
}

export interface StringSpec extends BaseSpec {
  readonly type: 'string';
  readonly default: string | null;
  readonly enum?: readonly string[];
  /** Never printed: not in errors, `--help`, `kiver check` or logs. */
  readonly secret?: boolean;
  /** A custom check; returns what is allowed when the value is wrong. */
  readonly check?: (value: string) => string | null;
}

export interface IntSpec extends BaseSpec {
  readonly type: 'int';
  readonly default: number;
  readonly min: number;
  readonly max?: number;
  /** Accepts sizes with units (`256KiB`, `1MiB`, `2GiB`) as well as plain numbers. */
  readonly unit?: 'bytes' | 'ms';
}

export interface BoolSpec extends BaseSpec {
  readonly type: 'bool';
  readonly default: boolean;
}

export interface ListSpec extends BaseSpec {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly minItems?: number;
  readonly check?: (value: string) => string | null;
}

export interface MapSpec extends BaseSpec {
  readonly type: 'map';
  readonly default: Readonly<Record<string, string>>;
}

/** A list of small objects (multiline rules, encodings, topic rules). */
export interface RulesSpec extends BaseSpec {
  readonly type: 'rules';
  readonly default: readonly Record<string, unknown>[];
  readonly item: Readonly<Record<string, LeafSpec>>;
  /** Cross-field check of one item; returns what is wrong, or null. */
  readonly checkItem?: (item: Record<string, unknown>) => string | null;
}

export type LeafSpec = StringSpec | IntSpec | BoolSpec | ListSpec | MapSpec | RulesSpec;

export interface SectionSpec {
  readonly type: 'section';
  readonly doc: string;
  readonly fields: Readonly<Record<string, LeafSpec | SectionSpec>>;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * `host:port` or `[ipv6]:port` with a port up to 65535; an empty host means 127.0.0.1. The one
 * parser of addresses: the loader's checks and the metrics server both use it, so a value the
 * loader accepts is one the server can bind.
 */
export function splitHostPort(value: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) return null;
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

function hostPort(value: string): string | null {
  const parsed = splitHostPort(value);
  return parsed && !value.trim().startsWith(':') && parsed.port > 0
    ? null
    : 'host:port with a port from 1 to 65535, e.g. 127.0.0.1:9092';
}

/** A Kafka topic name as the broker accepts it. */
export function topicName(value: string): string | null {
  return /^[A-Za-z0-9._-]{1,249}$/.test(value) && value !== '.' && value !== '..'
    ? null
    : 'a Kafka topic name: 1 to 249 letters, digits, dots, underscores and dashes';
}

function httpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'an http:// or https:// URL';
  } catch {
    return 'an http:// or https:// URL, e.g. http://127.0.0.1:9200';
  }
}

function timeZone(value: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return null;
  } catch {
    return "an IANA time zone such as 'UTC', 'Asia/Shanghai' or 'Europe/Berlin'";
  }
}

function regex(value: string): string | null {
  try {
    new RegExp(value);
    return null;
  } catch (error) {
    return `a valid regular expression (${(error as Error).message})`;
  }
}

function listenAddress(value: string): string | null {
  return value.trim() === '' || splitHostPort(value)
    ? null
    : "host:port with a port up to 65535 (0 picks a free one) such as '127.0.0.1:9464', or '' to disable";
}

const tls = (what: string): SectionSpec => ({
  type: 'section',
  doc: `TLS towards ${what}.`,
  fields: {
    enabled: { type: 'bool', default: false, doc: 'Use TLS.' },
    ca_file: { type: 'string', default: null, doc: 'PEM file of the CA that signed the server certificate.' },
    cert_file: { type: 'string', default: null, doc: 'Client certificate (PEM) for mutual TLS.' },
    key_file: { type: 'string', default: null, doc: 'Client private key (PEM) for mutual TLS.' },
    reject_unauthorized: {
      type: 'bool',
      default: true,
      doc: 'Refuse servers whose certificate does not verify.',
    },
  },
});

const pathRule = { type: 'string', default: '**', doc: 'Glob on the absolute file path.' } as const;

export const configSpec: SectionSpec = {
  type: 'section',
  doc: 'Kiver Logs configuration.',
  fields: {
    kafka: {
      type: 'section',
      doc: 'Kafka, for both deployables.',
      fields: {
        brokers: {
          type: 'list',
          default: ['127.0.0.1:9092'],
          minItems: 1,
          check: hostPort,
          doc: 'Bootstrap brokers, host:port.',
        },
        topic: {
          type: 'string',
          default: 'logs.raw',
          check: topicName,
          doc: 'Topic of raw records from collectors.',
        },
        dlq_topic: {
          type: 'string',
          default: 'logs.dlq',
          check: topicName,
          doc: 'Dead-letter topic written by workers.',
        },
        client_id: { type: 'string', default: 'kiver', doc: 'Kafka client id prefix.' },
        client: {
          type: 'string',
          default: 'auto',
          enum: ['auto', 'librdkafka', 'kafkajs'],
          doc: "The collector's producer: 'auto' takes librdkafka when its native module loads, else kafkajs.",
        },
        compression: {
          type: 'string',
          default: 'gzip',
          enum: ['none', 'gzip', 'lz4', 'zstd'],
          doc: 'Compression of produced batches.',
        },
        connection_timeout_ms: {
          type: 'int',
          default: 3000,
          min: 100,
          unit: 'ms',
          doc: 'TCP connect timeout.',
        },
        request_timeout_ms: { type: 'int', default: 30000, min: 1000, unit: 'ms', doc: 'Request timeout.' },
        tls: tls('Kafka'),
        sasl: {
          type: 'section',
          doc: 'SASL authentication.',
          fields: {
            mechanism: {
              type: 'string',
              default: null,
              enum: ['plain', 'scram-sha-256', 'scram-sha-512'],
              doc: 'SASL mechanism; unset means no SASL.',
            },
            username: { type: 'string', default: null, doc: 'SASL user name.' },
            password: { type: 'string', default: null, secret: true, doc: 'SASL password (secret).' },
            password_file: { type: 'string', default: null, doc: 'File holding the SASL password.' },
          },
        },
      },
    },
    elasticsearch: {
      type: 'section',
      doc: 'Elasticsearch, for the normalizer and kiver search.',
      fields: {
        url: { type: 'string', default: 'http://127.0.0.1:9200', check: httpUrl, doc: 'Elasticsearch URL.' },
        namespace: {
          type: 'string',
          default: 'default',
          check: (v) => (/^[a-z0-9_]{1,100}$/.test(v) ? null : 'lower-case letters, digits and _ (no -)'),
          doc: 'Namespace part of logs-<dataset>-<namespace>.',
        },
        mode: {
          type: 'string',
          default: 'auto',
          enum: ['auto', 'data_stream', 'index'],
          doc: "'auto' uses data streams where the cluster has them, else dated indices.",
        },
        request_timeout_ms: { type: 'int', default: 30000, min: 1000, unit: 'ms', doc: 'Request timeout.' },
        auth: {
          type: 'section',
          doc: 'Authentication: user and password, or an API key.',
          fields: {
            username: { type: 'string', default: null, doc: 'User name.' },
            password: { type: 'string', default: null, secret: true, doc: 'Password (secret).' },
            password_file: { type: 'string', default: null, doc: 'File holding the password.' },
            api_key: { type: 'string', default: null, secret: true, doc: 'API key, base64 id:key (secret).' },
            api_key_file: { type: 'string', default: null, doc: 'File holding the API key.' },
          },
        },
        tls: {
          type: 'section',
          doc: 'TLS towards Elasticsearch (https URLs).',
          fields: {
            ca_file: {
              type: 'string',
              default: null,
              doc: 'PEM file of the CA that signed the server certificate.',
            },
            reject_unauthorized: {
              type: 'bool',
              default: true,
              doc: 'Refuse servers whose certificate does not verify.',
            },
          },
        },
      },
    },
    collector: {
      type: 'section',
      doc: 'The per-host collector (kiver collect).',
      fields: {
        roots: { type: 'list', default: ['/app/log'], minItems: 1, doc: 'Folders to follow, at any depth.' },
        include: {
          type: 'list',
          default: ['**/*.log'],
          minItems: 1,
          doc: 'Globs (relative to a root) of files to follow.',
        },
        exclude: {
          type: 'list',
          default: [],
          doc: 'Globs (relative to a root) of files or folders to skip.',
        },
        checkpoint_dir: {
          type: 'string',
          default: '/var/lib/kiver',
          doc: 'Folder of the checkpoint registry.',
        },
        start_at: {
          type: 'string',
          default: 'beginning',
          enum: ['beginning', 'end'],
          doc: 'Where to start files found at start-up without a checkpoint.',
        },
        copytruncate_copies: {
          type: 'list',
          default: ['{name}.1', '{name}-*', '{name}.*', '{stem}-*{ext}', '{stem}.*{ext}'],
          doc: "Names (in the file's folder) where logrotate's copytruncate leaves the copy of a truncated file: {name} is its name, {stem} and {ext} its name split at the last dot, * any characters. Compressed copies are not read; [] turns the search off.",
        },
        path_templates: {
          type: 'list',
          default: ['/app/log/{container_id}/**'],
          doc: 'Templates whose {names} become record fields.',
        },
        host_name: { type: 'string', default: '', doc: "Host name on records; '' means the machine's." },
        labels: { type: 'map', default: {}, doc: 'Static fields put on every record.' },
        multiline: {
          type: 'rules',
          default: [],
          doc: 'Multi-line rules, first matching path wins; none: the built-in stack-trace rule.',
          item: {
            path: pathRule,
            start: {
              type: 'string',
              default: null,
              check: regex,
              doc: 'Regex of a line that starts an event.',
            },
            continuation: {
              type: 'string',
              default: null,
              check: regex,
              doc: 'Regex of a line that continues an event.',
            },
            max_lines: { type: 'int', default: 500, min: 1, doc: 'Most lines in one event.' },
            max_bytes: { type: 'int', default: MiB, min: 1, unit: 'bytes', doc: 'Most bytes in one event.' },
            timeout_ms: {
              type: 'int',
              default: 1000,
              min: 1,
              unit: 'ms',
              doc: 'Flush an unfinished event after this.',
            },
          },
          checkItem: (item) =>
            item.start === null && item.continuation === null
              ? 'a multiline rule needs a start or a continuation pattern'
              : item.start !== null && item.continuation !== null
                ? 'a multiline rule takes start (a line that begins an event) or continuation (a line that continues one), not both'
                : null,
        },
        encoding: {
          type: 'rules',
          default: [],
          doc: 'Character encodings by path (utf-8, gbk, gb18030, ...).',
          item: {
            path: pathRule,
            encoding: { type: 'string', default: 'utf-8', doc: 'Encoding name.' },
          },
        },
        topics: {
          type: 'rules',
          default: [],
          doc: 'Kafka topic by path; none matching: kafka.topic.',
          item: {
            path: pathRule,
            topic: { type: 'string', default: 'logs.raw', check: topicName, doc: 'Topic.' },
          },
        },
        follow_symlinks: { type: 'bool', default: false, doc: 'Follow symbolic links out of the roots.' },
        max_event_bytes: {
          type: 'int',
          default: 256 * KiB,
          min: 1024,
          unit: 'bytes',
          doc: 'Longer lines are cut and flagged truncated.',
        },
        max_open_files: { type: 'int', default: 1024, min: 1, doc: 'Most files open at once.' },
        rescan_interval_ms: {
          type: 'int',
          default: 10000,
          min: 100,
          unit: 'ms',
          doc: 'Full rescan period (catches what file events miss).',
        },
        close_inactive_ms: {
          type: 'int',
          default: 300000,
          min: 100,
          unit: 'ms',
          doc: 'Close files idle this long (reopened on change).',
        },
        partial_line_timeout_ms: {
          type: 'int',
          default: 5000,
          min: 1,
          unit: 'ms',
          doc: 'Emit a last line without newline after this long.',
        },
        checkpoint_interval_ms: {
          type: 'int',
          default: 1000,
          min: 10,
          unit: 'ms',
          doc: 'Checkpoint write period.',
        },
        checkpoint_grace_ms: {
          type: 'int',
          default: 86400000,
          // A followed file's entry is refreshed only every max(1 s, grace/4) and at each
          // write: a shorter grace would expire entries of files still being read.
          min: 60000,
          unit: 'ms',
          doc: 'Forget files gone for longer than this; at least 4 x checkpoint_interval_ms.',
        },
        record_max_events: {
          type: 'int',
          default: 512,
          min: 1,
          doc: 'Most events in one Kafka record (a run of consecutive events of one file).',
        },
        record_max_bytes: {
          type: 'int',
          default: 256 * KiB,
          min: 1024,
          unit: 'bytes',
          doc: 'Most bytes of event text in one Kafka record; a larger event travels alone.',
        },
        batch_max_bytes: {
          type: 'int',
          default: 512 * KiB,
          min: 1024,
          unit: 'bytes',
          doc: 'Most bytes in one Kafka batch.',
        },
        batch_max_events: { type: 'int', default: 10000, min: 1, doc: 'Most events in one Kafka batch.' },
        batch_linger_ms: {
          type: 'int',
          default: 50,
          min: 0,
          unit: 'ms',
          doc: 'Wait this long to fill a batch.',
        },
        max_in_flight_batches: {
          type: 'int',
          // One request in flight and the next one filling: the producer sends one at a time,
          // and more queued requests only cost memory and collections (measured: 95 MB peak
          // RSS and ~20% less CPU per line than with 4).
          default: 2,
          min: 1,
          doc: 'Batches sent and not yet acknowledged.',
        },
        max_in_flight_bytes: {
          type: 'int',
          default: 16 * MiB,
          min: 64 * KiB,
          unit: 'bytes',
          doc: 'Bytes read and not yet acknowledged; reading pauses beyond.',
        },
        shutdown_timeout_ms: {
          type: 'int',
          default: 10000,
          min: 100,
          unit: 'ms',
          doc: 'Bound on SIGTERM shutdown.',
        },
        health_max_lag_bytes: {
          type: 'int',
          default: 512 * MiB,
          min: 1,
          unit: 'bytes',
          doc: "/healthz's lag check fails while the files hold more unsent bytes than this.",
        },
      },
    },
    normalizer: {
      type: 'section',
      doc: 'The normalizer workers (kiver normalize).',
      fields: {
        group_id: { type: 'string', default: 'kiver-normalizer', doc: 'Kafka consumer group.' },
        pipelines_dir: { type: 'string', default: 'pipelines', doc: 'Folder of pipeline files.' },
        timezone: {
          type: 'string',
          default: 'UTC',
          check: timeZone,
          doc: 'Zone assumed for zone-less timestamps.',
        },
        keep_event_original: { type: 'bool', default: true, doc: 'Keep the raw event in event.original.' },
        max_message_bytes: {
          type: 'int',
          default: MiB,
          min: 1024,
          unit: 'bytes',
          doc: 'Longer messages are cut and tagged _truncated.',
        },
        bulk_max_bytes: {
          type: 'int',
          default: 5 * MiB,
          min: 1024,
          unit: 'bytes',
          doc: 'Most bytes in one _bulk.',
        },
        bulk_max_docs: { type: 'int', default: 2000, min: 1, doc: 'Most documents in one _bulk.' },
        bulk_concurrency: { type: 'int', default: 2, min: 1, max: 64, doc: '_bulk requests in flight.' },
        retry_initial_ms: { type: 'int', default: 200, min: 1, unit: 'ms', doc: 'First retry delay.' },
        retry_max_ms: { type: 'int', default: 30000, min: 1, unit: 'ms', doc: 'Longest retry delay.' },
        shutdown_timeout_ms: {
          type: 'int',
          default: 30000,
          min: 100,
          unit: 'ms',
          doc: 'Bound on SIGTERM shutdown.',
        },
        health_max_lag_records: {
          type: 'int',
          default: 100000,
          min: 1,
          doc: "/healthz's lag check fails while the assigned partitions are more raw records behind than this.",
        },
      },
    },
    metrics: {
      type: 'section',
      doc: 'Self-observation.',
      fields: {
        listen: {
          type: 'string',
          default: '127.0.0.1:9464',
          check: listenAddress,
          doc: "Address of /metrics and /healthz; '' disables.",
        },
      },
    },
    log: {
      type: 'section',
      doc: "The program's own log (JSON lines on stderr).",
      fields: {
        level: {
          type: 'string',
          default: 'info',
          enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
          doc: 'Least level written.',
        },
      },
    },
  },
};
