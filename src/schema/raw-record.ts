/**
 * Avro codec for the raw record (collector -> Kafka). Every record carries its writer
 * schema's fingerprint in a Kafka header, so a reader picks the writer schema it was
 * written with and resolves it to its own version (Avro schema resolution): a reader of
 * version N reads N-1 and N+1.
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
  /** Hex digest of the file's first bytes ('' while the file is shorter). */
  fingerprint: string;
}

/** A raw record as this version of the code reads and writes it (schema version 1). */
export interface RawRecord {
  schema_version: number;
  message: string;
  host: string;
  path: string;
  file: FileIdentity;
  offset: number;
  length: number;
  /** Milliseconds since the Unix epoch. */
  collected_at: number;
  fields: Record<string, string>;
  flags: string[];
}

export const CURRENT_SCHEMA_VERSION = 1;

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

export interface EncodedRecord {
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Encodes and decodes raw records. `readerVersion` defaults to the current version; tests
 * build codecs of other versions to prove the compatibility rules.
 */
export class RawRecordCodec {
  readonly #writer: SchemaVersion;
  readonly #reader: SchemaVersion;
  readonly #byFingerprint = new Map<string, SchemaVersion>();
  readonly #resolvers = new Map<string, avsc.Resolver>();
  readonly #headers: Record<string, string>;

  constructor(versions: SchemaVersion[] = loadSchemaVersions(), readerVersion = CURRENT_SCHEMA_VERSION) {
    const reader = versions.find((v) => v.version === readerVersion);
    if (!reader) throw new Error(`no raw-record schema of version ${readerVersion}`);
    this.#reader = reader;
    this.#writer = reader;
    for (const v of versions) this.#byFingerprint.set(v.fingerprint, v);
    this.#headers = {
      [FINGERPRINT_HEADER]: reader.fingerprint,
      [SCHEMA_VERSION_HEADER]: String(reader.version),
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

  encode(record: RawRecord): Buffer {
    return this.#writer.type.toBuffer(record);
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
      if (writer === this.#reader) {
        return this.#reader.type.fromBuffer(value) as RawRecord;
      }
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
