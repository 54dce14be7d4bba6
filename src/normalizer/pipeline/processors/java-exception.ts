/**
 * `java_exception`: splits a multi-line Java event into its header (kept in the field) and the
 * stack trace (`error.stack_trace`), and reads `error.type` / `error.message` from the first
 * exception line. Works on chunks that start mid-trace (no header).
 */
import { setPath } from '../document.js';
import type { ProcessorFactory } from '../types.js';
import { readSourceText, sourceProblem } from './source-field.js';

/** `pkg.Class: message`, `pkg.Outer$Inner`, with an optional `Caused by:`-style prefix. */
const EXCEPTION_LINE =
  /^\s*(?:(?:Caused by|Suppressed|Wrapped by):\s+)?((?:[a-zA-Z_$][\w$]*\.)+[A-Z_$][\w$]*(?:Exception|Error|Throwable|Failure|Fault|Exit)?)(?::\s?(.*))?$/;
const FRAME_LINE = /^\s+(?:at\s+\S|\.\.\.\s+\d+\s+(?:more|common frames omitted)|Suppressed:|Wrapped by:)/;
const CAUSE_LINE = /^\s*(?:Caused by|Suppressed|Wrapped by):\s/;

function isExceptionLine(line: string, next: string | undefined): boolean {
  const m = EXCEPTION_LINE.exec(line);
  if (!m) return false;
  // A bare dotted name could be ordinary text: demand that a frame follows or the name reads like an exception.
  if (CAUSE_LINE.test(line)) return true;
  return (
    /(?:Exception|Error|Throwable)$/.test(m[1] as string) || (next !== undefined && FRAME_LINE.test(next))
  );
}

export interface SplitTrace {
  header: string;
  trace: string;
  type?: string;
  message?: string;
}

export function splitJavaTrace(text: string): SplitTrace | undefined {
  if (!text.includes('\n')) return undefined;
  const lines = text.split(/\r?\n/);
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (FRAME_LINE.test(line) || isExceptionLine(line, lines[i + 1])) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const traceLines = lines.slice(start);
  while (traceLines.length > 0 && (traceLines[traceLines.length - 1] as string).trim() === '')
    traceLines.pop();
  const result: SplitTrace = { header: lines.slice(0, start).join('\n'), trace: traceLines.join('\n') };
  for (let i = 0; i < traceLines.length; i++) {
    const line = traceLines[i] as string;
    if (FRAME_LINE.test(line) && !CAUSE_LINE.test(line)) continue;
    const m = EXCEPTION_LINE.exec(line);
    if (m && isExceptionLine(line, traceLines[i + 1])) {
      result.type = m[1] as string;
      if (m[2] !== undefined && m[2].trim() !== '') result.message = m[2].trim();
      break;
    }
  }
  return result;
}

export const javaExceptionProcessor: ProcessorFactory = (options) => {
  const field = options.string('field') ?? 'message';
  const ignoreMissing = options.boolean('ignore_missing', true);
  return {
    run(doc) {
      const source = readSourceText(doc, field);
      const problem = sourceProblem(source, field, ignoreMissing);
      if (problem !== undefined) return problem ?? undefined;
      const split = splitJavaTrace((source as { text: string }).text);
      if (!split) return undefined;
      // A chunk that starts mid-trace has no header: its first line stands in as the message.
      const header =
        split.header.trim() === '' ? (split.trace.split('\n')[0] as string).trim() : split.header;
      setPath(doc, field, header);
      setPath(doc, 'error.stack_trace', split.trace);
      if (split.type) setPath(doc, 'error.type', split.type);
      if (split.message) setPath(doc, 'error.message', split.message);
      return undefined;
    },
  };
};
