/**
 * Compiles grok expressions into one JavaScript regular expression each, at load. Named
 * references become generated group names (JavaScript forbids dots and duplicates in group
 * names); the compiled grok keeps the table from group name to field path and type.
 */
import { GROK_LIBRARY } from './library.js';

export type CaptureType = 'string' | 'int' | 'float';

export interface Capture {
  group: string;
  field: string;
  type: CaptureType;
  /** `field` split on `.` once at load, for setAt. */
  segments: readonly string[];
}

export interface CompiledGrok {
  readonly source: string;
  readonly regex: RegExp;
  readonly captures: readonly Capture[];
}

export class GrokError extends Error {}

const REFERENCE = /%\{(\w+)(?::([\w@.\-[\]]+))?(?::(int|float|string))?\}/g;
const MAX_EXPANSION_DEPTH = 20;

/** Group names written directly in a pattern: `(?<process__pid>...)` stands for `process.pid`. */
export function fieldOfGroupName(name: string): string {
  return name.replace(/__/g, '.');
}

export function compileGrok(
  pattern: string,
  definitions: Readonly<Record<string, string>> = {},
  flags = 's',
): CompiledGrok {
  const captures: Capture[] = [];
  const expand = (text: string, depth: number, stack: readonly string[]): string => {
    if (depth > MAX_EXPANSION_DEPTH) throw new GrokError(`patterns nest deeper than ${MAX_EXPANSION_DEPTH}`);
    return text.replace(REFERENCE, (_whole, name: string, field?: string, type?: string) => {
      const body = definitions[name] ?? GROK_LIBRARY[name];
      if (body === undefined) throw new GrokError(`unknown grok pattern %{${name}}`);
      if (stack.includes(name)) throw new GrokError(`grok pattern %{${name}} refers to itself`);
      const inner = expand(body, depth + 1, [...stack, name]);
      if (!field) return `(?:${inner})`;
      const group = `g${captures.length}_`;
      captures.push({
        group,
        field,
        type: (type as CaptureType | undefined) ?? 'string',
        segments: field.split('.'),
      });
      return `(?<${group}>${inner})`;
    });
  };
  // Groups written directly get generated names too, so that one name may appear in several
  // alternatives (JavaScript before ES2025 refuses duplicate group names).
  const withOwnGroups = pattern.replace(/(?<!\\)\(\?<([A-Za-z_]\w*)>/g, (_whole, name: string) => {
    const group = `g${captures.length}_`;
    const field = fieldOfGroupName(name);
    captures.push({ group, field, type: 'string', segments: field.split('.') });
    return `(?<${group}>`;
  });
  const source = expand(withOwnGroups, 0, []);
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '');
    throw new GrokError(`invalid regular expression: ${reason}`);
  }
  for (const match of source.matchAll(/\(\?<([A-Za-z_][\w]*)>/g)) {
    const group = match[1] as string;
    if (!captures.some((c) => c.group === group)) {
      const field = fieldOfGroupName(group);
      captures.push({ group, field, type: 'string', segments: field.split('.') });
    }
  }
  return { source, regex, captures };
}

/** Converts a captured text to its declared type; undefined when it does not convert. */
export function convertCapture(text: string, type: CaptureType): string | number | undefined {
  if (type === 'string') return text;
  const value = type === 'int' ? Number.parseInt(text, 10) : Number.parseFloat(text);
  return Number.isFinite(value) ? value : undefined;
}
