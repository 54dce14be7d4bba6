/**
 * The /healthz body both deployables answer with: named checks, each ok or not with one
 * sentence a probe or a person can read, plus free-form detail fields. The status is derived
 * from the checks, so a deployable cannot report "ok" beside a failing check.
 */

export interface HealthCheck {
  readonly ok: boolean;
  /** One sentence: what holds, or what fails and since when. */
  readonly detail: string;
}

export type HealthChecks = Readonly<Record<string, HealthCheck>>;

export interface HealthReport {
  readonly checks: HealthChecks;
  /** Free-form fields shown beside the checks (files_watched, lag_bytes, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface HealthBody {
  status: 'ok' | 'unhealthy';
  checks: HealthChecks;
  [detail: string]: unknown;
}

export function isHealthy(report: HealthReport): boolean {
  return Object.values(report.checks).every((c) => c.ok);
}

/** The JSON body of /healthz and /readyz; detail fields never overwrite status or checks. */
export function healthBody(report: HealthReport): HealthBody {
  return {
    ...report.details,
    status: isHealthy(report) ? 'ok' : 'unhealthy',
    checks: report.checks,
  };
}

/** `12:01:02Z`: the UTC time of day a failure started (the date is rarely in doubt on a probe). */
export function utcClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

/** A rising edge tracker: remembers since when a condition has failed, with the clock injected. */
export class FailureSince {
  #since: number | null = null;
  #reason = '';

  constructor(private readonly now: () => number) {}

  get failing(): boolean {
    return this.#since !== null;
  }

  /** The failure and its start time, e.g. "ENOSPC: no space left on device, write (since 12:01:02Z)". */
  get detail(): string {
    return this.#since === null ? '' : `${this.#reason} (since ${utcClock(this.#since)})`;
  }

  fail(reason: string): void {
    this.#since ??= this.now();
    this.#reason = reason;
  }

  recover(): void {
    this.#since = null;
    this.#reason = '';
  }
}
