/**
 * `regex`: one JavaScript regular expression; named groups set fields (`__` stands for `.`).
 */
import { compileGrok } from '../grok/compile.js';
import type { ProcessorFactory } from '../types.js';
import { applyCaptures } from './grok.js';
import { readSourceText, sourceProblem } from './source-field.js';

export const regexProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'message';
  const ignoreMissing = options.boolean('ignore_missing', false);
  const pattern = options.requireString('pattern');
  const flags = options.string('flags') ?? '';
  if (!/^[imsu]*$/.test(flags)) throw options.error('flags', 'may only hold the letters i, m, s, u');
  let compiled;
  try {
    // `%{` is not special here: escape it so that the grok expansion leaves the pattern alone.
    compiled = compileGrok(pattern.replace(/%\{/g, '%\\{'), {}, flags);
  } catch (error) {
    throw options.error('pattern', `is not a valid regular expression: ${(error as Error).message}`);
  }
  if (compiled.captures.length === 0)
    throw options.error('pattern', 'has no named group, so it would set nothing');
  return {
    run(doc) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const match = compiled.regex.exec((source as { text: string }).text);
      if (!match) return `pattern did not match field '${field}'`;
      applyCaptures(doc, compiled, match);
      return undefined;
    },
  };
};
