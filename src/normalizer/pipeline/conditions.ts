/**
 * Structured `if` conditions, compiled at load into closures. Structured rather than an
 * expression language so that every mistake is caught with a file and line.
 */
import { compileGetter, type EcsDocument } from './document.js';
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
      const get = compileGetter(reader.requireString('exists'));
      return (doc) => get(doc) !== undefined;
    }
    case 'equals': {
      const args = MapReader.of(source, reader.raw('equals'), 'equals');
      const field = args.requireString('field');
      const value = args.value('value');
      args.done();
      const get = compileGetter(field);
      if (typeof value !== 'object' || value === null) return (doc) => get(doc) === value;
      return (doc) => equalValues(get(doc), value);
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
      const get = compileGetter(field);
      // The same value often comes back event after event (a file path, a kind): remember the
      // last verdict. The regex has no `g`/`y` flag, so `test` keeps no state between calls.
      let lastText: string | undefined;
      let lastVerdict = false;
      return (doc) => {
        const value = get(doc);
        const text =
          typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
        if (text === undefined) return false;
        if (text !== lastText) {
          lastVerdict = regex.test(text);
          lastText = text;
        }
        return lastVerdict;
      };
    }
    case 'in': {
      const args = MapReader.of(source, reader.raw('in'), 'in');
      const field = args.requireString('field');
      const values = args.value('values');
      args.done();
      if (!Array.isArray(values)) throw source.error(args.nodeOf('values'), "in: 'values' must be a list");
      const set = new Set<unknown>(values);
      const get = compileGetter(field);
      return (doc) => set.has(get(doc));
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
      if (inner.length === 2) {
        const [a, b] = inner as [Condition, Condition];
        return operator === 'all'
          ? (doc: EcsDocument) => a(doc) && b(doc)
          : (doc: EcsDocument) => a(doc) || b(doc);
      }
      return operator === 'all'
        ? (doc: EcsDocument) => {
            for (let i = 0; i < inner.length; i++) if (!(inner[i] as Condition)(doc)) return false;
            return true;
          }
        : (doc: EcsDocument) => {
            for (let i = 0; i < inner.length; i++) if ((inner[i] as Condition)(doc)) return true;
            return false;
          };
    }
    default:
      throw source.error(node, `unknown condition '${String(operator)}'`, `Known: ${OPERATORS.join(', ')}.`);
  }
}
