/**
 * A loaded, compiled pipeline.
 */
import type { MatchRule } from './matcher.js';
import type { Step } from './types.js';

export interface TestCase {
  readonly name: string;
  readonly line: number;
  readonly input: string;
  readonly path: string | undefined;
  readonly collectedAt: number | undefined;
  readonly fields: Readonly<Record<string, string>> | undefined;
  readonly expect: Readonly<Record<string, unknown>>;
  readonly absent: readonly string[];
}

export interface CompiledPipeline {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly priority: number;
  readonly dataset: string;
  readonly timezone: string;
  readonly match: MatchRule;
  readonly steps: readonly Step[];
  readonly tests: readonly TestCase[];
}
