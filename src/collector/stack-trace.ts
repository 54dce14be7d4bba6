/**
 * The built-in multiline rule's tests, written as byte comparisons on the line as read: they
 * run on every line of every file that has no rule of its own, and must cost less than a
 * string and a regular expression. `test/unit/collector/stack-trace.test.ts` holds them to
 * the regular expressions they stand for (`DEFAULT_CONTINUATION` in multiline.ts, and
 * `EXCEPTION_LINE` below).
 */

const MORE = /^\.\.\. \d+ (?:more|common frames omitted)/;

function startsWith(buf: Buffer, start: number, end: number, ascii: string): boolean {
  if (end - start < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** `^(?:[ \t]+|at |Caused by:|Suppressed:|\.\.\. \d+ (?:more|common frames omitted))` */
export function continuesStackTrace(buf: Buffer, start: number, end: number): boolean {
  if (start >= end) return false;
  switch (buf[start]) {
    case 0x20: // space
    case 0x09: // tab
      return true;
    case 0x61: // a
      return startsWith(buf, start, end, 'at ');
    case 0x43: // C
      return startsWith(buf, start, end, 'Caused by:');
    case 0x53: // S
      return startsWith(buf, start, end, 'Suppressed:');
    case 0x2e: // .  (rare: only `... N more` lines get here)
      return MORE.test(buf.toString('utf8', start, end));
    default:
      return false;
  }
}

/** The regular expression `isExceptionLine` stands for. */
export const EXCEPTION_LINE = /^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)(?::|$)/;

const SUFFIXES = ['Exception', 'Error', 'Throwable'] as const;

function isIdentStart(c: number | undefined): boolean {
  return (
    c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24)
  );
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 0x30 && c <= 0x39);
}

/**
 * A line that starts with a qualified exception class name (`java.io.IOException: ...`):
 * dotted identifiers, at least two, the last ending in Exception, Error or Throwable after
 * at least one character of its own, then `:` or the end of the line.
 */
export function isExceptionLine(buf: Buffer, start: number, end: number): boolean {
  if (start >= end || !isIdentStart(buf[start])) return false;
  let segments = 1;
  let segmentStart = start;
  let i = start + 1;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x2e) {
      if (i + 1 >= end || !isIdentStart(buf[i + 1])) return false;
      segments += 1;
      segmentStart = i + 1;
    } else if (!isIdentPart(c)) break;
  }
  if (segments < 2) return false;
  if (i < end && buf[i] !== 0x3a) return false;
  for (const suffix of SUFFIXES) {
    if (i - segmentStart > suffix.length && startsWith(buf, i - suffix.length, i, suffix)) return true;
  }
  return false;
}
