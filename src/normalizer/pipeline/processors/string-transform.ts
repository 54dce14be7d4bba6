/**
 * `lowercase`, `uppercase`, `trim`: one string transform on one field.
 */
import { setPath } from '../document.js';
import type { ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

function transform(apply: (text: string) => string): ProcessorFactory {
  return (options) => {
    const field = options.requireString('field');
    const ignoreMissing = options.boolean('ignore_missing', false);
    return {
      run(doc) {
        const source = readSourceText(doc, field);
        const problem = sourceProblem(source, field, ignoreMissing);
        if (problem !== undefined) return problem ?? undefined;
        setPath(doc, field, apply((source as { text: string }).text));
        return undefined;
      },
    };
  };
}

export const lowercaseProcessor = transform((text) => text.toLowerCase());
export const uppercaseProcessor = transform((text) => text.toUpperCase());
export const trimProcessor = transform((text) => text.trim());
