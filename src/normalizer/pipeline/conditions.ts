/**
 * Structured `if` conditions, compiled at load into closures. Structured rather than an
 * expression language so that every mistake is caught with a file and line.
 */
import { getPath, type EcsDocument } from './document.js';
import { MapReader, isMap, isSeq, type Node, type SourceFile, describeNode } from './yaml-reader.js';
import type { Condition } from './types.js';
import { compileUserRegex } from './user-regex.js';

const OPERATORS = ['exists', 'equals', 'matches', 'in', 'not', 'all', 'any'] as const;

function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => equalValues(v, b[i]));
  return false;
}

export function compileCondition(source: SourceFile, node: Node): Condition {
  if (!isMap(node) || node.items.length !== 1) {
    throw source.error(
      node,
      `a condition must be a map with one of ${OPERATORS.join(', ')}, found ${describeNode(node)}`,
    );
  }
  const reader = MapReader.of(source, node, 'condition');
  const [operator] = reader.keys();
  switch (operator) {
    case 'exists': {
      const field = reader.requireString('exists');
      return (doc) => getPath(doc, field) !== undefined;
    }
    case 'equals': {
      const args = MapReader.of(source, reader.raw('equals'), 'equals');
      const field = args.requireString('field');
      const value = args.value('value');
      args.done();
      return (doc) => equalValues(getPath(doc, field), value);
    }
    case 'matches': {
      const args = MapReader.of(source, reader.raw('matches'), 'matches');
      const field = args.requireString('field');
      const pattern = args.requireString('pattern');
      args.done();
      let regex: RegExp;
      try {
        regex = compileUserRegex(pattern);
      } catch (error) {
        throw source.error(args.nodeOf('pattern'), `matches: invalid pattern: ${(error as Error).message}`);
      }
      return (doc) => {
        const value = getPath(doc, field);
        return typeof value === 'string'
          ? regex.test(value)
          : typeof value === 'number' && regex.test(String(value));
      };
    }
    case 'in': {
      const args = MapReader.of(source, reader.raw('in'), 'in');
      const field = args.requireString('field');
      const values = args.value('values');
      args.done();
      if (!Array.isArray(values)) throw source.error(args.nodeOf('values'), "in: 'values' must be a list");
      const set = new Set<unknown>(values);
      return (doc) => set.has(getPath(doc, field));
    }
    case 'not': {
      const inner = compileCondition(source, reader.raw('not') as Node);
      return (doc) => !inner(doc);
    }
    case 'all':
    case 'any': {
      const list = reader.raw(operator);
      if (!isSeq(list) || list.items.length === 0) {
        throw source.error(reader.nodeOf(operator), `${operator}: must be a non-empty list of conditions`);
      }
      const inner = list.items.map((item) => compileCondition(source, item as Node));
      return operator === 'all'
        ? (doc: EcsDocument) => inner.every((c) => c(doc))
        : (doc: EcsDocument) => inner.some((c) => c(doc));
    }
    default:
      throw source.error(node, `unknown condition '${String(operator)}'`, `Known: ${OPERATORS.join(', ')}.`);
  }
}
