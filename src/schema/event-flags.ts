/**
 * Conditions met while reading an event, as bits so the hot path carries one number per
 * line instead of an array. They become the record's `flags` strings only when encoded.
 */
export const FLAG_TRUNCATED = 1;
export const FLAG_INVALID_UTF8 = 2;
export const FLAG_PARTIAL = 4;
export const FLAG_MULTILINE = 8;
export const FLAG_MULTILINE_TRUNCATED = 16;
/** The bits above are the record's flags; readers may use higher bits for their own state. */
export const RECORD_FLAGS = 31;

/** Each flag bit and its name in the record's `flags` array, in the order they are written. */
export const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [FLAG_TRUNCATED, 'truncated'],
  [FLAG_INVALID_UTF8, 'invalid_utf8'],
  [FLAG_PARTIAL, 'partial'],
  [FLAG_MULTILINE, 'multiline'],
  [FLAG_MULTILINE_TRUNCATED, 'multiline_truncated'],
];

const EMPTY: string[] = [];

/** The schema's flag strings for a bit set (a shared empty array for the common case). */
export function flagNames(flags: number): string[] {
  if (flags === 0) return EMPTY;
  const names: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) names.push(name);
  return names;
}
