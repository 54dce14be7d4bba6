/**
 * Runs the test cases each pipeline file carries: input -> expected fields (exact values)
 * and fields that must be absent.
 */
import { isDeepStrictEqual } from 'node:util';
import { getPath } from './document.js';
import type { Engine } from './engine.js';
import type { CompiledPipeline, TestCase } from './model.js';

export interface CaseResult {
  name: string;
  /** Line of the case in the pipeline file. */
  line: number;
  passed: boolean;
  /** One line per mismatch: `log.level: expected 'warn', got 'info'`. */
  diffs: string[];
  /** The document produced, for debugging a failure. */
  doc: Record<string, unknown>;
}

export interface PipelineReport {
  pipeline: string;
  file: string;
  cases: CaseResult[];
  passed: number;
  failed: number;
}

export interface TestReport {
  pipelines: PipelineReport[];
  passed: number;
  failed: number;
}

const show = (value: unknown): string => (value === undefined ? '(absent)' : JSON.stringify(value));

export function runCase(engine: Engine, pipeline: CompiledPipeline, testCase: TestCase): CaseResult {
  const { doc } = engine.process(
    {
      message: testCase.input,
      path: testCase.path,
      collectedAt: testCase.collectedAt ?? Date.now(),
      fields: testCase.fields ? { ...testCase.fields } : undefined,
    },
    pipeline.name,
  );
  const diffs: string[] = [];
  for (const [path, expected] of Object.entries(testCase.expect)) {
    const actual = getPath(doc, path);
    if (!isDeepStrictEqual(actual, expected))
      diffs.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
  }
  for (const path of testCase.absent) {
    const actual = getPath(doc, path);
    if (actual !== undefined) diffs.push(`${path}: expected absent, got ${show(actual)}`);
  }
  return { name: testCase.name, line: testCase.line, passed: diffs.length === 0, diffs, doc };
}

export function runPipelineTests(engine: Engine, pipelines: readonly CompiledPipeline[]): TestReport {
  const reports = pipelines.map((pipeline) => {
    const cases = pipeline.tests.map((testCase) => runCase(engine, pipeline, testCase));
    const passed = cases.filter((c) => c.passed).length;
    return { pipeline: pipeline.name, file: pipeline.file, cases, passed, failed: cases.length - passed };
  });
  return {
    pipelines: reports,
    passed: reports.reduce((n, r) => n + r.passed, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
  };
}
