/**
 * Avro codec for the raw record (collector -> Kafka). Every record carries its writer
 * schema's fingerprint in a Kafka header, so a reader picks the writer schema it was
 * written with.
 *
 * Version 2 (the current one) is a run of consecutive events of one file; version 1 was one
 * event per record. Within a shape, versions follow Avro schema resolution (a reader of N
 * reads N-1 and N+1); across the v1 -> v2 change of shape, the codec decodes a v1 record with
 * its own schema and hands it out as a run of one event, so every reader works with one
 * in-memory shape (`RawRecord`) whatever the topic holds. See schemas/README.md.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { RecordDecodeError } from '../errors.js';

/** Header names put on every raw record. */
export const FINGERPRINT_HEADER = 'kiver.schema.fingerprint';
export const SCHEMA_VERSION_HEADER = 'kiver.schema.version';

export interface FileIdentity {
  /** Device number, decimal. */
  dev: string;
  /** Inode number, decimal. */
  inode: string;
  /** `btime:<ns>`, or the hex SHA-256 of the first 1 KiB ('' while the file is shorter). */
  fingerprint: string;
  /** Truncations seen before these events (copytruncate): offsets repeat in each generation. */
  generation: number;
}

/** One event of a run: a line, or a joined multi-line event. */
export interface RawEvent {
  offset: number;
  length: number;
  message: string;
  flags: string[];
}

/** A raw record as every reader sees it: a run of consecutive events of one file (schema v2). */
export interface RawRecord {
  schema_version: number;
  host: string;
  path: string;
  file: FileIdentity;
  /** Milliseconds since the Unix epoch. */
  collected_at: number;
  fields: Record<string, string>;
  events: RawEvent[];
}

/** The version 1 shape (one event per record), as 0.1 collectors wrote it. */
export interface RawRecordV1 {
  schema_version: number;
  message: string;
  host: string;
  path: string;
  /** `fingerprint` carries the generation as a `/g<N>` suffix. */
  file: { dev: string; inode: string; fingerprint: string };
  offset: number;
  length: number;
  collected_at: number;
  fields: Record<string, string>;
  flags: string[];
}

export const CURRENT_SCHEMA_VERSION = 2;
/** The first version of the run shape; older versions are upgraded by the codec. */
const FIRST_RUN_VERSION = 2;

/**
 * The identity string of one file generation, as version 1 wrote it in `file.fingerprint`:
 * document ids are derived from it, so the same event gets the same id from a v1 and a v2
 * record.
 */
export function identityString(file: Pick<FileIdentity, 'fingerprint' | 'generation'>): string {
  return file.generation > 0 ? `${file.fingerprint}/g${file.generation}` : file.fingerprint;
}

const GENERATION_SUFFIX = /\/g(\d+)$/;

/** Splits a version 1 `file.fingerprint` into the fingerprint and the generation. */
function splitIdentity(v1: string): { fingerprint: string; generation: number } {
  const m = GENERATION_SUFFIX.exec(v1);
  return m
    ? { fingerprint: v1.slice(0, m.index), generation: Number(m[1]) }
    : { fingerprint: v1, generation: 0 };
}

/** A version 1 record as a run of one event. */
export function upgradeV1(r: RawRecordV1): RawRecord {
  return {
    schema_version: r.schema_version,
    host: r.host,
    path: r.path,
    file: { dev: r.file.dev, inode: r.file.inode, ...splitIdentity(r.file.fingerprint) },
    collected_at: r.collected_at,
    fields: r.fields,
    events: [{ offset: r.offset, length: r.length, message: r.message, flags: r.flags }],
  };
}

/** One event of a run in the version 1 shape (what a v1 writer would have written for it). */
export function downgradeToV1(run: RawRecord, event: RawEvent): RawRecordV1 {
  return {
    schema_version: 1,
    message: event.message,
    host: run.host,
    path: run.path,
    file: { dev: run.file.dev, inode: run.file.inode, fingerprint: identityString(run.file) },
    offset: event.offset,
    length: event.length,
    collected_at: run.collected_at,
    fields: run.fields,
    flags: event.flags,
  };
}

const here = dirname(fileURLToPath(import.meta.url));

/** The `schemas/` folder, found from the source tree or from the compiled `dist/src/schema`. */
export function schemasDir(): string {
  for (const candidate of [join(here, '..', '..', 'schemas'), join(here, '..', '..', '..', 'schemas')]) {
    try {
      if (readdirSync(candidate).some((f) => f.endsWith('.avsc'))) return candidate;
    } catch {
      // not this candidate
    }
  }
  throw new Error(`schemas/ folder not found near ${here}`);
}

export interface SchemaVersion {
  version: number;
  type: avsc.Type;
  /** Hex SHA-256 of the schema's parsing canonical form. */
  fingerprint: string;
}

/** Loads every `raw-record.vN.avsc` in a folder. */
export function loadSchemaVersions(dir: string = schemasDir()): SchemaVersion[] {
  const versions: SchemaVersion[] = [];
  for (const name of readdirSync(dir)) {
    const match = /^raw-record\.v(\d+)\.avsc$/.exec(name);
    if (!match) continue;
    const type = avsc.Type.forSchema(JSON.parse(readFileSync(join(dir, name), 'utf8')) as avsc.Schema);
    versions.push({
      version: Number(match[1]),
      type,
      fingerprint: type.fingerprint('sha256').toString('hex'),
    });
  }
  return versions.sort((a, b) => a.version - b.version);
}

/**
 * Encodes and decodes raw records. The writer version defaults to the current one; tests and
 * compatibility checks build codecs that write other versions (a v1 writer takes runs of one
 * event). Decoding always yields the run shape.
 */
export class RawRecordCodec {
  readonly #writer: SchemaVersion;
  readonly #reader: SchemaVersion;
  readonly #byFingerprint = new Map<string, SchemaVersion>();
  readonly #resolvers = new Map<string, avsc.Resolver>();
  readonly #headers: Record<string, string>;

  constructor(versions: SchemaVersion[] = loadSchemaVersions(), writerVersion = CURRENT_SCHEMA_VERSION) {
    const writer = versions.find((v) => v.version === writerVersion);
    if (!writer) throw new Error(`no raw-record schema of version ${writerVersion}`);
    const newest = versions[versions.length - 1]!;
    if (newest.version < FIRST_RUN_VERSION) throw new Error('no raw-record schema of the run shape (v2+)');
    this.#writer = writer;
    // The reader is the writer's own version when it has the run shape, else the newest.
    this.#reader = writer.version >= FIRST_RUN_VERSION ? writer : newest;
    for (const v of versions) this.#byFingerprint.set(v.fingerprint, v);
    this.#headers = {
      [FINGERPRINT_HEADER]: writer.fingerprint,
      [SCHEMA_VERSION_HEADER]: String(writer.version),
    };
  }

  get fingerprint(): string {
    return this.#writer.fingerprint;
  }

  get version(): number {
    return this.#writer.version;
  }

  /** Headers to put on each Kafka message (shared object: do not mutate). */
  get headers(): Readonly<Record<string, string>> {
    return this.#headers;
  }

  /** Encodes a run; a version 1 writer takes runs of exactly one event. */
  encode(record: RawRecord): Buffer {
    if (this.#writer.version >= FIRST_RUN_VERSION) {
      return this.#writer.type.toBuffer({ ...record, schema_version: this.#writer.version });
    }
    if (record.events.length !== 1) {
      throw new RangeError(`a version 1 record holds one event, not ${record.events.length}`);
    }
    return this.#writer.type.toBuffer(downgradeToV1(record, record.events[0]!));
  }

  /**
   * Decodes a Kafka message value. The writer schema is the one named by the fingerprint
   * header; without the header, the reader's own schema is assumed.
   * @throws RecordDecodeError when the bytes are not a raw record.
   */
  decode(value: Buffer | null, fingerprint?: string): RawRecord {
    if (!value || value.length === 0) throw new RecordDecodeError('empty Kafka message value');
    let writer = this.#reader;
    if (fingerprint) {
      const known = this.#byFingerprint.get(fingerprint);
      if (!known) {
        throw new RecordDecodeError(
          `unknown writer schema fingerprint ${fingerprint}`,
          'Upgrade the normalizer to a version that ships this schema.',
        );
      }
      writer = known;
    }
    try {
      if (writer.version < FIRST_RUN_VERSION) {
        return upgradeV1(writer.type.fromBuffer(value) as RawRecordV1);
      }
      if (writer === this.#reader) return this.#reader.type.fromBuffer(value) as RawRecord;
      let resolver = this.#resolvers.get(writer.fingerprint);
      if (!resolver) {
        resolver = this.#reader.type.createResolver(writer.type);
        this.#resolvers.set(writer.fingerprint, resolver);
      }
      return this.#reader.type.fromBuffer(value, resolver) as RawRecord;
    } catch (error) {
      throw new RecordDecodeError(`not a raw record of schema version ${writer.version}: ${String(error)}`);
    }
  }
}

/** Reads a header value that kafkajs gives as Buffer, string, array or undefined. */
export function headerString(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
