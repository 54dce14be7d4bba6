/**
 * JSON parsing with the limits the contract sets (depth, key count) and without losing the
 * digits of integers beyond 2^53 (etcd member ids): those are kept as strings.
 */
export interface JsonLimits {
  maxDepth: number;
  maxKeys: number;
}

export type JsonResult = { value: Record<string, unknown> } | { error: string };

const LONG_INTEGER = /\d{16,}/;

/** Quotes integer literals of 16+ digits that stand outside strings. */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (ch === '"') inString = false;
      i++;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      i++;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j] as string)) j++;
      const literal = text.slice(i, j);
      const isLongInteger = /^-?\d{16,}$/.test(literal) && !Number.isSafeInteger(Number(literal));
      out += isLongInteger ? `"${literal}"` : literal;
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function checkLimits(
  value: unknown,
  limits: JsonLimits,
  depth: number,
  counter: { keys: number },
): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkLimits(item, limits, depth + 1, counter);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key in value) {
    if (++counter.keys > limits.maxKeys) return `more than ${limits.maxKeys} keys`;
    const problem = checkLimits((value as Record<string, unknown>)[key], limits, depth + 1, counter);
    if (problem) return problem;
  }
  return undefined;
}

/** Cheap pre-check so that a line nested far too deep never reaches JSON.parse's recursion. */
function bracketDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth + 1) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function parseJsonObject(text: string, limits: JsonLimits): JsonResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { error: 'not a JSON object' };
  if (bracketDepthExceeds(trimmed, limits.maxDepth))
    return { error: `nested deeper than ${limits.maxDepth}` };
  let value: unknown;
  try {
    value = JSON.parse(LONG_INTEGER.test(trimmed) ? quoteLongIntegers(trimmed) : trimmed);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message.slice(0, 80)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'not a JSON object' };
  // The object itself is depth 1, so a flat object passes max_depth 1.
  const problem = checkLimits(value, limits, 1, { keys: 0 });
  if (problem) return { error: problem };
  return { value: value as Record<string, unknown> };
}
