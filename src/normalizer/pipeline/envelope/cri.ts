/**
 * CRI lines: `<RFC3339Nano> <stdout|stderr> <P|F> <content>` (old runtimes omit the tag).
 * `P` parts are concatenated with what follows; a line ended by `F` (or untagged) is a full
 * line, and full lines are joined with `\n`. A trailing `P` makes the event partial.
 */
import { parseRfc3339 } from './time.js';
import type { Envelope, PeelResult } from './types.js';

export const CRI_LINE =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr)(?: ([PF])(?= |$))? ?(.*)$/;

export function peelCri(message: string): PeelResult {
  const physical = message.split('\n');
  // The collector ends events without a newline; a final empty element is not a line.
  if (physical.length > 1 && physical[physical.length - 1] === '') physical.pop();
  const envelope: Envelope = { text: '', partial: false, missingTime: false };
  let text = '';
  let lastTag: string | undefined;
  for (const [index, line] of physical.entries()) {
    const m = CRI_LINE.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!m) return { kind: 'corrupt', reason: `line ${index + 1} is not a CRI log line` };
    const [, time, stream, tag, content] = m;
    if (index === 0) {
      envelope.stream = stream;
      envelope.timeMs = parseRfc3339(time as string);
    } else if (lastTag !== 'P') {
      text += '\n';
    }
    text += content ?? '';
    lastTag = tag ?? 'F';
  }
  envelope.text = text;
  envelope.partial = lastTag === 'P';
  return { kind: 'peeled', envelope };
}
