/**
 * Reads and validates pipeline files. Everything that can be wrong in a file is found here,
 * at start, and reported as a PipelineError naming the file and the line.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LineCounter, parseDocument, YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import { PipelineError } from '../../errors.js';
import { compileCondition } from './conditions.js';
import { isValidTimeZone } from './date/zone.js';
import { compileMatch } from './matcher.js';
import type { CompiledPipeline, TestCase } from './model.js';
import { PROCESSORS } from './processors/registry.js';
import type { CompileContext, Step } from './types.js';
import { MapReader, SourceFile, describeNode, type Node } from './yaml-reader.js';

export interface LoadOptions {
  /** Zone for zone-less timestamps when a pipeline names none. */
  timezone: string;
}

function compileSteps(ctx: CompileContext, node: Node, what: string): Step[] {
  const { source } = ctx;
  if (!isSeq(node))
    throw source.error(node, `${what} must be a list of processors, found ${describeNode(node)}`);
  return node.items.map((item, index) => compileStep(ctx, item as Node, `${what}[${index}]`));
}

function compileStep(ctx: CompileContext, item: Node, where: string): Step {
  const { source } = ctx;
  if (!isMap(item) || item.items.length !== 1) {
    throw source.error(
      item,
      `${where}: a processor is a map with exactly one key (its type), found ${describeNode(item)}`,
    );
  }
  const pair = item.items[0] as { key: unknown; value: unknown };
  const type = isScalar(pair.key) ? String(pair.key.value) : '?';
  const factory = PROCESSORS[type];
  if (!factory) {
    throw source.error(
      pair.key as Node,
      `unknown processor '${type}'`,
      `Known: ${Object.keys(PROCESSORS).join(', ')}.`,
    );
  }
  let optionsNode = pair.value as Node | null;
  if (optionsNode === null || (isScalar(optionsNode) && optionsNode.value === null)) {
    const empty = new YAMLMap();
    empty.range = (pair.key as Node).range ?? null;
    optionsNode = empty;
  }
  const options = MapReader.of(source, optionsNode, type);
  const ifNode = options.raw('if');
  const condition = ifNode === undefined ? undefined : compileCondition(source, ifNode);
  const tag = options.string('tag');
  const ignoreFailure = options.boolean('ignore_failure', false);
  const onFailureNode = options.raw('on_failure');
  const onFailure =
    onFailureNode === undefined ? undefined : compileSteps(ctx, onFailureNode, `${where}.on_failure`);
  const processor = factory(options, ctx);
  options.done();
  return { type, label: tag ?? type, condition, processor, ignoreFailure, onFailure };
}

function parseCollectedAt(reader: MapReader): number | undefined {
  const text = reader.string('collected_at');
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw reader.error('collected_at', `'${text}' is not an ISO-8601 time`);
  return ms;
}

function compileTests(source: SourceFile, node: Node | undefined): TestCase[] {
  if (node === undefined) return [];
  if (!isSeq(node)) throw source.error(node, `'tests' must be a list, found ${describeNode(node)}`);
  return node.items.map((item, index) => {
    const reader = MapReader.of(source, item, `tests[${index}]`);
    const name = reader.string('name') ?? `case ${index + 1}`;
    const input = reader.string('input');
    if (input === undefined)
      throw source.error(item as Node, `tests[${index}] '${name}': 'input' is required`);
    const expectNode = reader.raw('expect');
    const expect =
      expectNode === undefined
        ? {}
        : (MapReader.of(source, expectNode, `tests[${index}].expect`).node.toJSON() as Record<
            string,
            unknown
          >);
    const testCase: TestCase = {
      name,
      line: source.lineOf(item as Node),
      input,
      path: reader.string('path'),
      collectedAt: parseCollectedAt(reader),
      fields: reader.stringMap('fields') ? Object.fromEntries(reader.stringMap('fields') ?? []) : undefined,
      expect,
      absent: reader.stringList('absent') ?? [],
    };
    reader.done(['description']);
    return testCase;
  });
}

export function compilePipelineText(file: string, text: string, options: LoadOptions): CompiledPipeline {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const source = new SourceFile(file, lines);
  const firstError = document.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line ?? lines.linePos(firstError.pos[0]).line;
    throw new PipelineError(`${file}:${line}: invalid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const top = MapReader.of(source, document.contents, 'pipeline');
  const name = top.requireString('name');
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name))
    throw top.error('name', 'must be lower-case letters, digits, `_`, `.` or `-`');
  const timezone = top.string('timezone') ?? options.timezone;
  if (!isValidTimeZone(timezone)) throw top.error('timezone', `'${timezone}' is not a known time zone`);
  const ctx: CompileContext = {
    source,
    pipelineName: name,
    timezone,
    compileSteps: (node, what) => compileSteps(ctx, node, what),
    compileCondition: (node) => compileCondition(source, node),
  };
  const processorsNode = top.raw('processors');
  const pipeline: CompiledPipeline = {
    name,
    file,
    description: top.string('description') ?? '',
    priority: top.integer('priority', 0),
    dataset: top.string('dataset') ?? name,
    timezone,
    match: compileMatch(source, top.raw('match')),
    steps: processorsNode === undefined ? [] : compileSteps(ctx, processorsNode, 'processors'),
    tests: compileTests(source, top.raw('tests')),
  };
  top.done();
  return pipeline;
}

export async function loadPipelineFiles(dir: string, options: LoadOptions): Promise<CompiledPipeline[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new PipelineError(
      `cannot read the pipelines folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      'Check normalizer.pipelines_dir or --pipelines-dir.',
    );
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort();
  const pipelines: CompiledPipeline[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const path = join(dir, file);
    const pipeline = compilePipelineText(path, await readFile(path, 'utf8'), options);
    const previous = seen.get(pipeline.name);
    if (previous)
      throw new PipelineError(
        `${path}:1: pipeline name '${pipeline.name}' is already used by ${basename(previous)}`,
      );
    seen.set(pipeline.name, path);
    pipelines.push(pipeline);
  }
  return pipelines;
}
