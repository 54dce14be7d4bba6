/**
 * The pipeline engine's public surface. The normalizer worker, `kiver parse` and
 * `kiver pipelines test` use only what is exported here.
 */
import { PipelineError } from '../../errors.js';
import { isValidTimeZone } from './date/zone.js';
import { Engine, type EngineInput, type EngineOutput } from './engine.js';
import { loadPipelineFiles } from './loader.js';
import type { CompiledPipeline } from './model.js';
import { runPipelineTests, type TestReport } from './test-runner.js';

export type { EcsDocument } from './document.js';
export type { EngineInput, EngineOutput } from './engine.js';
export type { TestReport, PipelineReport, CaseResult } from './test-runner.js';
export { defaultPipelinesDir } from './locate.js';
export { isValidTimeZone } from './date/zone.js';

export interface PipelineSetOptions {
  /** Zone for zone-less timestamps when a pipeline names none (default UTC). */
  timezone?: string;
  /** Put the raw event in `event.original` (default true). */
  keepEventOriginal?: boolean;
  /** Longer messages are cut and tagged `_truncated` (default 1 MiB). */
  maxMessageBytes?: number;
}

export interface PipelineInfo {
  name: string;
  file: string;
  description: string;
  priority: number;
  dataset: string;
  tests: number;
}

export interface PipelineSet {
  /** Parses one event; never throws. `pipeline` forces a pipeline by name. */
  process(input: EngineInput, opts?: { pipeline?: string }): EngineOutput;
  readonly names: readonly string[];
  /** Whether a pipeline of that name is loaded (`generic` always is). */
  has(name: string): boolean;
  describe(): PipelineInfo[];
  /** Runs every pipeline's own test cases (or those of the named pipelines). */
  runTests(names?: readonly string[]): TestReport;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

class LoadedPipelineSet implements PipelineSet {
  readonly names: readonly string[];

  constructor(
    private readonly engine: Engine,
    private readonly pipelines: readonly CompiledPipeline[],
  ) {
    this.names = pipelines.map((p) => p.name);
  }

  process(input: EngineInput, opts?: { pipeline?: string }): EngineOutput {
    return this.engine.process(input, opts?.pipeline);
  }

  has(name: string): boolean {
    return name === 'generic' || this.engine.has(name);
  }

  describe(): PipelineInfo[] {
    return this.pipelines.map((p) => ({
      name: p.name,
      file: p.file,
      description: p.description,
      priority: p.priority,
      dataset: p.dataset,
      tests: p.tests.length,
    }));
  }

  runTests(names?: readonly string[]): TestReport {
    const chosen =
      names && names.length > 0 ? this.pipelines.filter((p) => names.includes(p.name)) : this.pipelines;
    return runPipelineTests(this.engine, chosen);
  }
}

export async function loadPipelineSet(dir: string, opts: PipelineSetOptions = {}): Promise<PipelineSet> {
  const timezone = opts.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone))
    throw new PipelineError(
      `'${timezone}' is not a known time zone.`,
      'Use an IANA name such as Europe/Berlin, or UTC.',
    );
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 64) {
    throw new PipelineError(`maxMessageBytes must be an integer >= 64, got ${maxMessageBytes}.`);
  }
  const pipelines = await loadPipelineFiles(dir, { timezone });
  const engine = new Engine(pipelines, {
    keepEventOriginal: opts.keepEventOriginal ?? true,
    maxMessageBytes,
    timezone,
  });
  return new LoadedPipelineSet(engine, pipelines);
}
