/**
 * Container runtime envelopes. Docker's json-file driver and CRI (containerd, CRI-O) wrap
 * every physical line the container wrote; a long line is split by the runtime into parts
 * (Docker: `log` without trailing `\n`; CRI: tag `P` until the closing `F`). The multiline
 * stage looks at the inner content, while the raw envelope lines travel on unchanged for
 * the normalizer to unwrap (pipelines/README.md, step 1).
 */

export interface Envelope {
  kind: 'docker' | 'cri';
  /** The content the container wrote, without the line terminator. */
  inner: string;
  /** False for a part that the runtime split off a longer line (`P`, or `log` without `\n`). */
  complete: boolean;
}

// <RFC3339Nano> <stream> <P|F> <content>; the old form has no P/F tag and is a full line.
const CRI =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) (?:stdout|stderr) (?:([PF])(?: |$))?/;

export function parseEnvelope(line: string): Envelope | null {
  const first = line.charCodeAt(0);
  if (first === 0x7b /* { */) {
    if (!line.includes('"log"')) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return null; // a corrupt envelope is just a line; the normalizer tags it
    }
    if (typeof parsed !== 'object' || parsed === null) return null;
    const log = (parsed as { log?: unknown }).log;
    if (typeof log !== 'string') return null;
    const complete = log.endsWith('\n');
    let inner = complete ? log.slice(0, -1) : log;
    if (complete && inner.endsWith('\r')) inner = inner.slice(0, -1);
    return { kind: 'docker', inner, complete };
  }
  if (first >= 0x30 && first <= 0x39) {
    const m = CRI.exec(line);
    if (!m) return null;
    return { kind: 'cri', inner: line.slice(m[0].length), complete: m[1] !== 'P' };
  }
  return null;
}
