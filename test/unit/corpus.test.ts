/**
 * Every corpus folder (test/fixtures/corpus/<family>/) through `kiver parse`: no crash, a
 * `@timestamp` on every event, the expected datasets; the parse-failure rate per file is
 * printed. Shape of expect.json: test/fixtures/corpus/README.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseStream } from '../../src/cli/parse.js';
import { defaultPipelinesDir, loadPipelineSet } from '../../src/normalizer/pipeline/index.js';

interface FileExpectation {
  path: string;
  dataset_prefix: string | string[];
  datasets?: string[];
  multiline?: boolean;
  multiline_start?: string;
  collected_at?: string;
  collected_at_hint?: string;
  /** Parse failures the file may have (a deliberately corrupt line); default 0. */
  max_parse_failures?: number;
  /** Events the file may have without a time of their own (`_no_timestamp`); unchecked when absent. */
  max_no_timestamp?: number;
}

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const set = await loadPipelineSet(defaultPipelinesDir());
const families = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

for (const family of families) {
  const dir = join(CORPUS, family);
  const expectations = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Record<
    string,
    FileExpectation
  >;
  const files = readdirSync(dir)
    .filter((f) => f !== 'expect.json' && !f.endsWith('.md'))
    .sort();
  test(`corpus ${family}`, async (t) => {
    for (const file of files) {
      await t.test(file, async () => {
        const expectation = expectations[file];
        assert.ok(expectation, `${family}/expect.json has no entry for ${file}`);
        const collected = expectation.collected_at ?? expectation.collected_at_hint;
        const docs: Record<string, unknown>[] = [];
        const summary = await parseStream(
          set,
          createReadStream(join(dir, file)),
          {
            path: expectation.path,
            multiline: expectation.multiline ?? false,
            multilineStart: expectation.multiline_start,
            collectedAt: collected ? Date.parse(collected) : Date.now(),
          },
          (line) => void docs.push(JSON.parse(line) as Record<string, unknown>),
        );
        assert.ok(summary.events > 0, 'the file yields events');
        const prefixes = Array.isArray(expectation.dataset_prefix)
          ? expectation.dataset_prefix
          : [expectation.dataset_prefix];
        for (const doc of docs) {
          const event = doc['event'] as Record<string, unknown>;
          const dataset = String(event['dataset']);
          assert.equal(
            typeof doc['@timestamp'],
            'string',
            `@timestamp on ${String(event['original']).slice(0, 80)}`,
          );
          assert.ok(!Number.isNaN(Date.parse(doc['@timestamp'] as string)));
          assert.ok(
            prefixes.some((p) => dataset.startsWith(p)),
            `dataset ${dataset} for ${String(event['original']).slice(0, 80)}`,
          );
          if (expectation.datasets)
            assert.ok(
              expectation.datasets.includes(dataset),
              `dataset ${dataset} not in ${expectation.datasets.join(', ')}`,
            );
          assert.equal(typeof event['original'], 'string');
        }
        const rate = (100 * summary.failed) / summary.events;
        t.diagnostic(
          `${family}/${file}: ${summary.events} events, ${summary.failed} parse failures (${rate.toFixed(1)}%), ${summary.noTimestamp} without timestamp`,
        );
        process.stdout.write(
          `# ${family}/${file}: ${summary.events} events, parse failures ${rate.toFixed(1)}%\n`,
        );
        const failures = docs.filter((d) => Array.isArray(d['tags']) && d['tags'].includes('_parse_failure'));
        assert.ok(
          summary.failed <= (expectation.max_parse_failures ?? 0),
          `${summary.failed} parse failures, first: ${JSON.stringify(failures[0]?.['kiver'] ?? null)} on ${String((failures[0]?.['event'] as Record<string, unknown> | undefined)?.['original']).slice(0, 100)}`,
        );
        if (expectation.max_no_timestamp !== undefined)
          assert.ok(
            summary.noTimestamp <= expectation.max_no_timestamp,
            `${summary.noTimestamp} events got the collection time (at most ${expectation.max_no_timestamp})`,
          );
      });
    }
  });
}

test('the CLI parses a corpus file end to end', async () => {
  const run = promisify(execFile);
  const file = join(CORPUS, 'middleware', 'spring-boot.log');
  const { stdout, stderr } = await run(process.execPath, [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'parse',
    '--multiline',
    '--stats',
    '--path',
    '/app/log/x/java/app.log',
    file,
  ]);
  const docs = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(docs.length >= 15);
  assert.match(stderr, /events, \d+ with parse failures/);
});
