/**
 * Pipeline selection: which pipelines claim an event (path globs, path-template fields, a
 * sniff on the first line), highest priority first. Path verdicts are cached per path, since
 * a file's events all share one.
 */
import picomatch from 'picomatch';
import type { Node, SourceFile } from './yaml-reader.js';
import { MapReader } from './yaml-reader.js';
import { compileUserRegex } from './user-regex.js';

export interface MatchRule {
  paths: ((path: string) => boolean) | undefined;
  fields: ReadonlyArray<readonly [string, (value: string) => boolean]>;
  sniff: RegExp | undefined;
}

export const MATCH_NOTHING: MatchRule = { paths: undefined, fields: [], sniff: undefined };

export function compileMatch(source: SourceFile, node: Node | undefined): MatchRule {
  if (node === undefined) return MATCH_NOTHING;
  const reader = MapReader.of(source, node, 'match');
  const globs = reader.stringList('paths');
  const fieldGlobs = reader.stringMap('fields');
  const sniffSource = reader.string('sniff');
  reader.done();
  let sniff: RegExp | undefined;
  if (sniffSource !== undefined) {
    try {
      sniff = compileUserRegex(sniffSource);
    } catch (error) {
      throw source.error(
        reader.nodeOf('sniff'),
        `match: 'sniff' is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  return {
    paths: globs && globs.length > 0 ? picomatch(globs, { dot: true }) : undefined,
    fields: [...(fieldGlobs ?? [])].map(([key, glob]) => [key, picomatch(glob, { dot: true })] as const),
    sniff,
  };
}

export interface Candidate {
  readonly name: string;
  readonly match: MatchRule;
}

export function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** Picks among candidates already sorted by priority (then file name). */
export class PipelineSelector<T extends Candidate> {
  private readonly pathVerdicts = new Map<string, readonly boolean[]>();

  constructor(private readonly ordered: readonly T[]) {}

  private pathClaims(path: string): readonly boolean[] {
    let verdicts = this.pathVerdicts.get(path);
    if (verdicts === undefined) {
      verdicts = this.ordered.map((c) => c.match.paths !== undefined && c.match.paths(path));
      if (this.pathVerdicts.size > 100_000) this.pathVerdicts.clear();
      this.pathVerdicts.set(path, verdicts);
    }
    return verdicts;
  }

  select(
    text: string,
    path: string | undefined,
    fields: Readonly<Record<string, string>> | undefined,
    exclude?: ReadonlySet<string>,
  ): T | undefined {
    const byPath = path ? this.pathClaims(path) : undefined;
    let line: string | undefined;
    for (let i = 0; i < this.ordered.length; i++) {
      const candidate = this.ordered[i] as T;
      if (exclude?.has(candidate.name)) continue;
      if (byPath?.[i]) return candidate;
      const rule = candidate.match;
      if (
        fields &&
        rule.fields.length > 0 &&
        rule.fields.some(([key, test]) => fields[key] !== undefined && test(fields[key]))
      ) {
        return candidate;
      }
      if (rule.sniff) {
        line ??= firstLine(text);
        if (rule.sniff.test(line)) return candidate;
      }
    }
    return undefined;
  }
}
