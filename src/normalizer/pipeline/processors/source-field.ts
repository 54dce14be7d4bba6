/**
 * How a processor reads the text it works on: a missing field is a failure unless the
 * processor was told `ignore_missing`; numbers are read as their text.
 */
import { getPath, type EcsDocument } from '../document.js';

export type SourceText = { text: string } | { missing: true } | { notText: string };

export function readSourceText(doc: EcsDocument, field: string): SourceText {
  const value = getPath(doc, field);
  if (value === undefined || value === null) return { missing: true };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value) };
  return { notText: Array.isArray(value) ? 'a list' : 'an object' };
}

/** The failure reason for a source that is not usable text, or undefined to go on. */
export function sourceProblem(
  source: SourceText,
  field: string,
  ignoreMissing: boolean,
): string | undefined | null {
  if ('text' in source) return undefined;
  if ('missing' in source) return ignoreMissing ? null : `field '${field}' is missing`;
  return `field '${field}' holds ${source.notText}, not text`;
}
