import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REFERENCE_END, REFERENCE_START, renderReference } from '../../../src/config/reference.js';
import { leafPaths } from '../../../src/config/index.js';

test("the README's configuration reference is the one the spec generates", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  assert.ok(start >= 0 && end > start, 'README.md must hold the reference markers');
  assert.equal(
    readme.slice(start, end + REFERENCE_END.length),
    renderReference(),
    'README.md is out of date: run `npm run docs:config`',
  );
});

test('every key appears in the reference, secrets without a default shown', () => {
  const reference = renderReference();
  for (const path of leafPaths()) assert.ok(reference.includes(`\`${path.join('.')}\``), path.join('.'));
  assert.match(reference, /`kafka\.sasl\.password` \| string \(secret\) \| — \|/);
});
