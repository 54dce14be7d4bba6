/**
 * `kv`: key=value / logfmt pairs. Quoted values are Go-unescaped; a quote inside a quoted
 * value that is not followed by a separator is taken as text (some daemons print inner
 * quotes unescaped).
 */
import { setPath } from '../document.js';
import type { ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
};

/** Unescapes a Go-quoted string body (strconv.Quote output). */
export function unquoteGo(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (whole, esc: string) => {
    if (esc.length > 1) {
      const code = Number.parseInt(esc.slice(1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ESCAPES[esc] ?? whole;
  });
}

export interface KvOptions {
  fieldSplit: string;
  valueSplit: string;
  quotes: string;
}

export function parsePairs(text: string, opts: KvOptions): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const { fieldSplit, valueSplit, quotes } = opts;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && text.startsWith(fieldSplit, i)) i += fieldSplit.length;
    if (i >= n) break;
    const eq = text.indexOf(valueSplit, i);
    const nextSplit = text.indexOf(fieldSplit, i);
    if (eq < 0 || (nextSplit >= 0 && nextSplit < eq)) {
      // A bare word without a value: skip it.
      i = nextSplit < 0 ? n : nextSplit;
      continue;
    }
    const key = text.slice(i, eq);
    let j = eq + valueSplit.length;
    const quote = text[j];
    if (quote !== undefined && quotes.includes(quote)) {
      let k = j + 1;
      let end = -1;
      while (k < n) {
        const c = text[k];
        if (c === '\\') {
          k += 2;
          continue;
        }
        if (c === quote) {
          const after = k + 1;
          if (
            after >= n ||
            (text.startsWith(fieldSplit, after) && looksLikeNextPair(text, after + fieldSplit.length, opts))
          ) {
            end = k;
            break;
          }
          if (text.slice(after).trim() === '') {
            end = k;
            break;
          }
        }
        k++;
      }
      if (end < 0) {
        // Unterminated: take the rest of the line as the value.
        pairs.push([key, unquoteGo(text.slice(j + 1))]);
        break;
      }
      pairs.push([key, unquoteGo(text.slice(j + 1, end))]);
      i = end + 1;
    } else {
      const stop = text.indexOf(fieldSplit, j);
      const end = stop < 0 ? n : stop;
      pairs.push([key, text.slice(j, end)]);
      i = end;
      j = end;
    }
  }
  return pairs;
}

function looksLikeNextPair(text: string, at: number, opts: KvOptions): boolean {
  let k = at;
  while (text.startsWith(opts.fieldSplit, k)) k += opts.fieldSplit.length;
  if (k >= text.length) return true;
  const eq = text.indexOf(opts.valueSplit, k);
  if (eq <= k) return false;
  return /^[\w.@/-]+$/.test(text.slice(k, eq));
}

export const kvProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'message';
  const target = options.string('target');
  const ignoreMissing = options.boolean('ignore_missing', false);
  const opts: KvOptions = {
    fieldSplit: options.string('field_split') ?? ' ',
    valueSplit: options.string('value_split') ?? '=',
    quotes: options.string('quotes') ?? '"',
  };
  const include = options.stringList('include_keys');
  const exclude = new Set(options.stringList('exclude_keys') ?? []);
  const includeSet = include ? new Set(include) : undefined;
  return {
    run(doc) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const pairs = parsePairs((source as { text: string }).text, opts);
      if (pairs.length === 0) return `no key${opts.valueSplit}value pair in field '${field}'`;
      for (const [key, value] of pairs) {
        if (key === '' || exclude.has(key) || (includeSet && !includeSet.has(key))) continue;
        setPath(doc, target ? `${target}.${key}` : key, value);
      }
      return undefined;
    },
  };
};
