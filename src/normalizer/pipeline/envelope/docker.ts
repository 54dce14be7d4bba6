/**
 * Docker json-file lines: `{"log":"…\n","stream":"…","time":"…"}`. Parts of a line the daemon
 * split at 16 KiB lack the final `\n` and are concatenated; complete lines are joined with `\n`.
 */
import { parseRfc3339 } from './time.js';
import type { Envelope, PeelResult } from './types.js';

export const DOCKER_PREFIX = /^\s*\{\s*"log"\s*:/;

interface DockerLine {
  log: string;
  stream?: string;
  time?: string;
  attrs?: Record<string, unknown>;
}

function readLine(line: string): DockerLine | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'Docker json-file line is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || typeof (value as { log?: unknown }).log !== 'string') {
    return "Docker json-file line has no 'log' text";
  }
  return value as DockerLine;
}

export function peelDocker(message: string): PeelResult {
  const physical = message.split('\n').filter((line) => line.trim() !== '');
  const envelope: Envelope = { text: '', partial: false, missingTime: false };
  let text = '';
  for (const [index, line] of physical.entries()) {
    const parsed = readLine(line);
    if (typeof parsed === 'string') return { kind: 'corrupt', reason: parsed };
    if (index === 0) {
      if (typeof parsed.stream === 'string') envelope.stream = parsed.stream;
      if (typeof parsed.time === 'string') {
        const ms = parseRfc3339(parsed.time);
        if (ms === undefined)
          return { kind: 'corrupt', reason: `Docker time '${parsed.time.slice(0, 40)}' is not RFC 3339` };
        envelope.timeMs = ms;
      }
      if (parsed.attrs && typeof parsed.attrs === 'object') {
        envelope.labels = Object.fromEntries(Object.entries(parsed.attrs).map(([k, v]) => [k, String(v)]));
      }
    }
    if (typeof parsed.time !== 'string') envelope.missingTime = true;
    text += parsed.log;
  }
  envelope.partial = !text.endsWith('\n');
  envelope.text = envelope.partial ? text : text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  return { kind: 'peeled', envelope };
}
