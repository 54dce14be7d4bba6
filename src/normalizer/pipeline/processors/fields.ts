/**
 * Field plumbing: `rename`, `set`, `remove`.
 */
import { deletePath, getPath, hasPath, setPath } from '../document.js';
import type { ProcessorFactory } from '../types.js';

export const renameProcessor: ProcessorFactory = (options) => {
  const fields = options.stringMap('fields');
  if (!fields || fields.size === 0)
    throw options.error('fields', 'must map at least one field to its new name');
  const ignoreMissing = options.boolean('ignore_missing', true);
  const moves = [...fields];
  return {
    run(doc) {
      for (const [from, to] of moves) {
        const value = getPath(doc, from);
        if (value === undefined) {
          if (ignoreMissing) continue;
          return `field '${from}' is missing`;
        }
        deletePath(doc, from);
        setPath(doc, to, value);
      }
      return undefined;
    },
  };
};

const REFERENCE = /\{\{\s*([\w@.-]+)\s*\}\}/g;

/** A `{{field.path}}` template compiled into literal parts and paths. */
function compileTemplate(template: string): (doc: Record<string, unknown>) => string {
  const parts: Array<{ literal: string } | { path: string }> = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    parts.push({ literal: template.slice(last, match.index) });
    parts.push({ path: match[1] as string });
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push({ literal: template.slice(last) });
  return (doc) =>
    parts
      .map((part) => {
        if ('literal' in part) return part.literal;
        const value = getPath(doc, part.path);
        return value === undefined || value === null
          ? ''
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      })
      .join('');
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
  return {
    run(doc) {
      if (!override && hasPath(doc, field)) return undefined;
      setPath(doc, field, produce(doc));
      return undefined;
    },
  };
};

export const removeProcessor: ProcessorFactory = (options) => {
  const fields = options.stringList('fields');
  if (!fields || fields.length === 0) throw options.error('fields', 'must list at least one field');
  return {
    run(doc) {
      for (const field of fields) deletePath(doc, field);
      return undefined;
    },
  };
};
