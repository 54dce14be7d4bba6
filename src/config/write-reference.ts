/** `npm run docs:config`: rewrites the README's configuration reference from the spec. */
import { readFileSync, writeFileSync } from 'node:fs';
import { REFERENCE_END, REFERENCE_START, renderReference } from './reference.js';

const file = process.argv[2] ?? 'README.md';
const text = readFileSync(file, 'utf8');
const start = text.indexOf(REFERENCE_START);
const end = text.indexOf(REFERENCE_END);
if (start < 0 || end < start) {
  process.stderr.write(`${file} has no configuration reference markers.\n`);
  process.exitCode = 1;
} else {
  writeFileSync(file, text.slice(0, start) + renderReference() + text.slice(end + REFERENCE_END.length));
}
