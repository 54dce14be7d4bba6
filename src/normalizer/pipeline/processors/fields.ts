/**
 * Field plumbing: `rename`, `set`, `remove`.
 */
import { compileGetter, deleteAt, getAt, setAt } from '../document.js';
import type { ProcessorFactory } from '../types.js';

export const renameProcessor: ProcessorFactory = (options) => {
  const fields = options.stringMap('fields');
  if (!fields || fields.size === 0)
    throw options.error('fields', 'must map at least one field to its new name');
  const ignoreMissing = options.boolean('ignore_missing', true);
  const moves = [...fields].map(([from, to]) => ({ from, fromAt: from.split('.'), toAt: to.split('.') }));
  return {
    run(doc) {
      for (const { from, fromAt, toAt } of moves) {
        const value = getAt(doc, fromAt);
        if (value === undefined) {
          if (ignoreMissing) continue;
          return `field '${from}' is missing`;
        }
        deleteAt(doc, fromAt);
        setAt(doc, toAt, value);
      }
      return undefined;
    },
  };
};

const REFERENCE = /\{\{\s*([\w@.-]+)\s*\}\}/g;

/** A `{{field.path}}` template compiled into literal parts and paths. */
function compileTemplate(template: string): (doc: Record<string, unknown>) => string {
  // literals[i] precedes the value of getters[i]; one literal more than getters.
  const literals: string[] = [];
  const getters: Array<(doc: Record<string, unknown>) => unknown> = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    literals.push(template.slice(last, match.index));
    getters.push(compileGetter(match[1] as string));
    last = (match.index ?? 0) + match[0].length;
  }
  literals.push(template.slice(last));
  return (doc) => {
    let out = literals[0] as string;
    for (let i = 0; i < getters.length; i++) {
      const value = (getters[i] as (doc: Record<string, unknown>) => unknown)(doc);
      if (value !== undefined && value !== null)
        out += typeof value === 'object' ? JSON.stringify(value) : String(value);
      out += literals[i + 1] as string;
    }
    return out;
  };
}

export const setProcessor: ProcessorFactory = (options) => {
  const field = options.requireString('field');
  if (!options.has('value')) throw options.source.error(options.node, "set: 'value' is required");
  const value = options.value('value');
  const override = options.boolean('override', true);
  const produce: (doc: Record<string, unknown>) => unknown =
    typeof value === 'string' && value.includes('{{')
      ? compileTemplate(value)
      : typeof value === 'object' && value !== null
        ? () => structuredClone(value)
        : () => value;
  const at = field.split('.');
  return {
    run(doc) {
      if (!override && getAt(doc, at) !== undefined) return undefined;
      setAt(doc, at, produce(doc));
      return undefined;
    },
  };
};

export const removeProcessor: ProcessorFactory = (options) => {
  const fields = options.stringList('fields');
  if (!fields || fields.length === 0) throw options.error('fields', 'must list at least one field');
  const paths = fields.map((field) => field.split('.'));
  return {
    run(doc) {
      for (const at of paths) deleteAt(doc, at);
      return undefined;
    },
  };
};
