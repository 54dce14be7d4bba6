/**
 * `grok`: the first of several patterns that matches sets its named captures.
 */
import { isSeq, type Node } from '../yaml-reader.js';
import { setAt } from '../document.js';
import { compileGrok, convertCapture, GrokError, type CompiledGrok } from '../grok/compile.js';
import type { ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

export function applyCaptures(
  doc: Record<string, unknown>,
  grok: CompiledGrok,
  match: RegExpExecArray,
): void {
  const groups = match.groups;
  if (!groups) return;
  for (const capture of grok.captures) {
    const text = groups[capture.group];
    if (text === undefined || text === '') continue;
    const value = convertCapture(text, capture.type);
    if (value !== undefined) setAt(doc, capture.segments, value);
  }
}

export const grokProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'message';
  const ignoreMissing = options.boolean('ignore_missing', false);
  const definitions = Object.fromEntries(
    options.stringMap('pattern_definitions') ?? new Map<string, string>(),
  );
  const patterns = options.stringList('patterns');
  if (!patterns || patterns.length === 0)
    throw options.error('patterns', 'must be a non-empty list of grok expressions');
  const listNode = options.raw('patterns');
  const compiled = patterns.map((pattern, index) => {
    try {
      return compileGrok(pattern, definitions);
    } catch (error) {
      if (!(error instanceof GrokError)) throw error;
      const itemNode = isSeq(listNode) ? (listNode.items[index] as Node) : listNode;
      throw options.source.error(itemNode, `grok: ${error.message} in '${pattern}'`);
    }
  });
  return {
    run(doc) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const text = (source as { text: string }).text;
      for (const grok of compiled) {
        const match = grok.regex.exec(text);
        if (match) {
          applyCaptures(doc, grok, match);
          return undefined;
        }
      }
      return `no pattern matched field '${field}'`;
    },
  };
};
