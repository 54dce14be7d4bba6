/**
 * The error catalogue. Errors a user can meet (bad configuration, an unreachable service,
 * a bad pipeline file) are KiverErrors: the CLI prints `message` and `hint` as one clear
 * sentence and exits with `exitCode`. Anything else is a bug and gets its stack trace.
 */
export abstract class KiverError extends Error {
  abstract readonly code: `KIVER_${string}`;
  /** Whether retrying the same operation later may succeed. */
  readonly retriable: boolean = false;
  /** Exit code the CLI uses when this error ends the program. */
  readonly exitCode: number = 1;

  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** One line for a terminal: the problem, then the fix. */
  toUserString(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** A configuration value, key or file is wrong. */
export class ConfigError extends KiverError {
  override readonly code = 'KIVER_CONFIG';
  override readonly exitCode = 2;
}

/** A command-line argument is wrong. */
export class UsageError extends KiverError {
  override readonly code = 'KIVER_USAGE';
  override readonly exitCode = 2;
}

/** A pipeline file is invalid (unknown processor, bad pattern, bad date format, ...). */
export class PipelineError extends KiverError {
  override readonly code = 'KIVER_PIPELINE';
  override readonly exitCode = 2;
}

/** A sub-command exists in the interface but is not built yet. */
export class NotAvailableError extends KiverError {
  override readonly code = 'KIVER_NOT_AVAILABLE';
  override readonly exitCode = 2;
}

/** Kafka or Elasticsearch cannot be reached or refuses us. */
export class ServiceUnavailableError extends KiverError {
  override readonly code = 'KIVER_SERVICE_UNAVAILABLE';
  override readonly retriable = true;
}

/** The local stack (kiver stack) cannot be installed, started or stopped. */
export class StackError extends KiverError {
  override readonly code = 'KIVER_STACK';
}

/** The collector's checkpoint registry cannot be written or read. */
export class CheckpointError extends KiverError {
  override readonly code = 'KIVER_CHECKPOINT';
  override readonly retriable = true;
}

/** A record from Kafka cannot be decoded. */
export class RecordDecodeError extends KiverError {
  override readonly code = 'KIVER_RECORD_DECODE';
}

/**
 * Kafka or Elasticsearch refused our credentials or certificate, or presented one we do not
 * trust. Retrying cannot help until the configuration changes, so the program stops at once.
 */
export class AccessRefusedError extends KiverError {
  override readonly code = 'KIVER_ACCESS_REFUSED';
  override readonly exitCode = 2;
}
