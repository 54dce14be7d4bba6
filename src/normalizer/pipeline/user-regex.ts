/**
 * Regular expressions written in pipeline files. JavaScript has no inline flag groups before
 * Node 23, so a leading `(?i)`, `(?s)`, `(?m)` (or a combination such as `(?is)`) — common in
 * grok/Java-style patterns — is turned into flags.
 */
const LEADING_FLAGS = /^\(\?([ims]+)\)/;

export function compileUserRegex(source: string, extraFlags = ''): RegExp {
  const inline = LEADING_FLAGS.exec(source);
  const flags = new Set([...extraFlags, ...(inline?.[1] ?? '')]);
  return new RegExp(inline ? source.slice(inline[0].length) : source, [...flags].join(''));
}
