/** Every shipped pipeline's own test cases pass (one subtest per case, so failures are named). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPipelinesDir, loadPipelineSet } from '../../src/normalizer/pipeline/index.js';

const set = await loadPipelineSet(defaultPipelinesDir());
const report = set.runTests();

for (const pipeline of report.pipelines) {
  test(`pipeline ${pipeline.pipeline}`, async (t) => {
    for (const testCase of pipeline.cases) {
      await t.test(`${testCase.name} (line ${testCase.line})`, () => {
        assert.ok(testCase.passed, `${testCase.diffs.join('\n')}\n${JSON.stringify(testCase.doc, null, 2)}`);
      });
    }
  });
}

test('generic, middleware and json pipelines are shipped with cases', () => {
  for (const name of ['generic', 'middleware', 'json']) {
    const pipeline = report.pipelines.find((p) => p.pipeline === name);
    assert.ok(pipeline && pipeline.cases.length >= 10, `${name} has cases`);
  }
});
