/**
 * The built-in multiline rule's tests, written as character comparisons: they run on every
 * line of every file that has no rule of its own, and must cost less than a regular
 * expression. `test/unit/collector/stack-trace.test.ts` holds them to the regular expressions
 * they stand for (`DEFAULT_CONTINUATION` in multiline.ts, and `EXCEPTION_LINE` below).
 */

const MORE = /^\.\.\. \d+ (?:more|common frames omitted)/;

/** `^(?:[ \t]+|at |Caused by:|Suppressed:|\.\.\. \d+ (?:more|common frames omitted))` */
export function continuesStackTrace(line: string): boolean {
  switch (line.charCodeAt(0)) {
    case 0x20: // space
    case 0x09: // tab
      return true;
    case 0x61: // a
      return line.startsWith('at ');
    case 0x43: // C
      return line.startsWith('Caused by:');
    case 0x53: // S
      return line.startsWith('Suppressed:');
    case 0x2e: // .  (rare: only `... N more` lines get here)
      return MORE.test(line);
    default:
      return false;
  }
}

/** The regular expression `isExceptionLine` stands for. */
export const EXCEPTION_LINE = /^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)(?::|$)/;

const SUFFIXES = ['Exception', 'Error', 'Throwable'] as const;

function isIdentStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 0x30 && c <= 0x39);
}

/**
 * A line that starts with a qualified exception class name (`java.io.IOException: ...`):
 * dotted identifiers, at least two, the last ending in Exception, Error or Throwable after
 * at least one character of its own, then `:` or the end of the line.
 */
export function isExceptionLine(line: string): boolean {
  if (!isIdentStart(line.charCodeAt(0))) return false;
  let segments = 1;
  let segmentStart = 0;
  let i = 1;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x2e) {
      if (i === segmentStart || !isIdentStart(line.charCodeAt(i + 1))) return false;
      segments += 1;
      segmentStart = i + 1;
    } else if (!isIdentPart(c)) break;
  }
  if (segments < 2) return false;
  if (i < line.length && line.charCodeAt(i) !== 0x3a) return false;
  for (const suffix of SUFFIXES) {
    if (i - segmentStart > suffix.length && line.endsWith(suffix, i)) return true;
  }
  return false;
}
