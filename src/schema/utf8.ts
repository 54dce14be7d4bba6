/**
 * Cutting UTF-8 text without splitting a character: the one place that knows how. Events
 * are cut by the collector (lines over `max_event_bytes`, records over the broker's limit)
 * and by the normalizer (messages over `max_message_bytes`), and a cut must never leave half a
 * character that a reader would turn into U+FFFD.
 */

/** The end of `buf[start..end)` moved back off an incomplete UTF-8 sequence left by a cut. */
export function utf8Boundary(buf: Buffer, start: number, end: number): number {
  let i = end - 1;
  let continuation = 0;
  while (i >= start && continuation < 3 && (buf[i]! & 0xc0) === 0x80) {
    i -= 1;
    continuation += 1;
  }
  if (i < start) return end;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > continuation ? i : end;
}

/** `message` cut to at most `maxBytes` of UTF-8, never inside a character; undefined when it fits. */
export function truncateUtf8(message: string, maxBytes: number): string | undefined {
  if (message.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return undefined;
  return bytes.toString('utf8', 0, utf8Boundary(bytes, 0, Math.max(0, maxBytes)));
}
