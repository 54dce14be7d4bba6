/**
 * `json`: parses a JSON object. Keys listed in `ecs_keys` land at the document root as ECS
 * fields (dotted keys expanded); the rest go under `target` (or the root when it is omitted).
 * On success the source field is removed: its text lives on in `event.original`.
 */
import { deletePath, getPath, isPlainObject, setPath, type EcsDocument } from '../document.js';
import type { ProcessorFactory } from '../types.js';
import { parseJsonObject } from './json-text.js';
import { readSourceText, sourceProblem } from './source-field.js';

/** Dotted keys become nested objects unless that would overwrite a value (then kept literal). */
function putExpanded(target: EcsDocument, key: string, value: unknown): void {
  if (!key.includes('.')) {
    target[key] = value;
    return;
  }
  const segments = key.split('.');
  let node: EcsDocument = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const next = node[segments[i] as string];
    if (next === undefined) node = node[segments[i] as string] = {};
    else if (isPlainObject(next)) node = next;
    else {
      target[key] = value;
      return;
    }
  }
  node[segments[segments.length - 1] as string] = value;
}

export const jsonProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'message';
  const target = options.string('target');
  const ignoreMissing = options.boolean('ignore_missing', false);
  const limits = {
    maxDepth: options.integer('max_depth', 10, 1),
    maxKeys: options.integer('max_keys', 500, 1),
  };
  const ecsKeys = new Set(options.stringList('ecs_keys') ?? []);
  return {
    run(doc) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const parsed = parseJsonObject((source as { text: string }).text, limits);
      if ('error' in parsed) return parsed.error;
      // The parsed object replaces its source text (event.original keeps the raw event).
      deletePath(doc, field);
      const rest: EcsDocument = {};
      let restHasKeys = false;
      for (const [key, value] of Object.entries(parsed.value)) {
        if (ecsKeys.has(key)) setPath(doc, key, value);
        else if (target === undefined) setPath(doc, key, value);
        else {
          putExpanded(rest, key, value);
          restHasKeys = true;
        }
      }
      if (target !== undefined && restHasKeys) {
        // Merge: earlier steps may already have put keys under the target (a prefix's fields).
        const existing = getPath(doc, target);
        setPath(doc, target, isPlainObject(existing) ? Object.assign(existing, rest) : rest);
      }
      return undefined;
    },
  };
};
