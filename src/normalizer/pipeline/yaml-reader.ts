/**
 * Typed, position-aware reading of a pipeline file. Every accessor knows the YAML node it
 * reads, so that a wrong value becomes a PipelineError naming the file and the line.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { PipelineError } from '../../errors.js';

export class SourceFile {
  constructor(
    readonly path: string,
    private readonly lines: LineCounter,
  ) {}

  lineOf(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }

  error(node: Node | null | undefined, message: string, hint?: string): PipelineError {
    return new PipelineError(`${this.path}:${this.lineOf(node)}: ${message}`, hint);
  }
}

export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : `'${String(node.value)}'`;
  return 'nothing';
}

/**
 * Reads the keys of one YAML map. `done()` refuses any key nobody asked for, which is how
 * unknown options and typos are caught at load.
 */
export class MapReader {
  private readonly used = new Set<string>();

  constructor(
    readonly source: SourceFile,
    readonly node: YAMLMap,
    readonly what: string,
  ) {}

  static of(source: SourceFile, node: unknown, what: string): MapReader {
    if (!isMap(node)) throw source.error(node as Node, `${what} must be a map, found ${describeNode(node)}`);
    return new MapReader(source, node, what);
  }

  private pair(key: string): Pair<unknown, unknown> | undefined {
    this.used.add(key);
    return this.node.items.find((item) => isScalar(item.key) && item.key.value === key);
  }

  has(key: string): boolean {
    return this.node.items.some((item) => isScalar(item.key) && item.key.value === key);
  }

  keys(): string[] {
    return this.node.items.map((item) => (isScalar(item.key) ? String(item.key.value) : '?'));
  }

  /** The value node, or the map itself when the key is absent (for error positions). */
  nodeOf(key: string): Node {
    const value = this.pair(key)?.value;
    return (value ?? this.node) as Node;
  }

  raw(key: string): Node | undefined {
    const value = this.pair(key)?.value as Node | null | undefined;
    if (value === null || value === undefined) return undefined;
    if (isScalar(value) && value.value === null) return undefined;
    return value;
  }

  error(key: string, message: string, hint?: string): PipelineError {
    return this.source.error(this.nodeOf(key), `${this.what}: '${key}' ${message}`, hint);
  }

  string(key: string): string | undefined {
    const node = this.raw(key);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value === 'object')
      throw this.error(key, `must be a string, found ${describeNode(node)}`);
    return String(node.value);
  }

  requireString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '')
      throw this.source.error(this.node, `${this.what}: '${key}' is required`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const node = this.raw(key);
    if (node === undefined) return fallback;
    if (!isScalar(node) || typeof node.value !== 'boolean')
      throw this.error(key, `must be true or false, found ${describeNode(node)}`);
    return node.value;
  }

  integer(key: string, fallback: number, min = Number.MIN_SAFE_INTEGER): number {
    const node = this.raw(key);
    if (node === undefined) return fallback;
    if (
      !isScalar(node) ||
      typeof node.value !== 'number' ||
      !Number.isInteger(node.value) ||
      node.value < min
    ) {
      throw this.error(key, `must be an integer >= ${min}, found ${describeNode(node)}`);
    }
    return node.value;
  }

  stringList(key: string): string[] | undefined {
    const node = this.raw(key);
    if (node === undefined) return undefined;
    if (isScalar(node) && typeof node.value === 'string') return [node.value];
    if (!isSeq(node)) throw this.error(key, `must be a list of strings, found ${describeNode(node)}`);
    return node.items.map((item) => {
      if (!isScalar(item) || typeof item.value === 'object') {
        throw this.source.error(item as Node, `${this.what}: '${key}' must hold strings only`);
      }
      return String(item.value);
    });
  }

  stringMap(key: string): Map<string, string> | undefined {
    const node = this.raw(key);
    if (node === undefined) return undefined;
    if (!isMap(node)) throw this.error(key, `must be a map, found ${describeNode(node)}`);
    const out = new Map<string, string>();
    for (const item of node.items) {
      const value = item.value as Node | null;
      if (!isScalar(item.key) || !isScalar(value) || typeof value.value === 'object') {
        throw this.source.error(
          (value ?? item.key) as Node,
          `${this.what}: '${key}' must map strings to strings`,
        );
      }
      out.set(String(item.key.value), String(value.value));
    }
    return out;
  }

  /** Any YAML value as plain JavaScript (for `set` values, test expectations). */
  value(key: string): unknown {
    const node = this.raw(key);
    return node === undefined ? undefined : node.toJSON();
  }

  /** Refuses keys that no accessor asked for. */
  done(extraAllowed: readonly string[] = []): void {
    for (const item of this.node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : '?';
      if (!this.used.has(key) && !extraAllowed.includes(key)) {
        const known = [...this.used].sort().join(', ');
        throw this.source.error(
          item.key as Node,
          `${this.what}: unknown option '${key}'`,
          known ? `Known: ${known}.` : undefined,
        );
      }
    }
  }
}

export { isMap, isScalar, isSeq };
export type { Node };
