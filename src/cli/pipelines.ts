/**
 * `kiver pipelines test|list`: runs the test cases each pipeline file carries, or lists the
 * pipelines with their priority, dataset and number of cases.
 */
import { UsageError } from '../errors.js';
import { parseCommandArgs } from './args.js';
import { defaultPipelinesDir, loadPipelineSet, type TestReport } from '../normalizer/pipeline/index.js';

const help = `usage: kiver pipelines test [--pipelines-dir DIR] [--verbose] [NAME...]
       kiver pipelines list [--pipelines-dir DIR]

  test   run every pipeline's own test cases (or those of the named pipelines); exit 1 on any failure
  list   list the pipelines: name, priority, dataset, number of test cases, file

      --pipelines-dir DIR   folder of pipeline files (default: the shipped pipelines/)
      --timezone ZONE       zone for zone-less timestamps when a pipeline names none (default UTC)
  -v, --verbose             print passing cases too
`;

function printReport(report: TestReport, verbose: boolean, out: (line: string) => void): void {
  for (const pipeline of report.pipelines) {
    const status = pipeline.failed === 0 ? 'ok  ' : 'FAIL';
    out(
      `${status} ${pipeline.pipeline}: ${pipeline.passed}/${pipeline.cases.length} cases passed (${pipeline.file})`,
    );
    for (const testCase of pipeline.cases) {
      if (testCase.passed) {
        if (verbose) out(`       pass  ${testCase.name}`);
        continue;
      }
      out(`       FAIL  ${testCase.name} (line ${testCase.line})`);
      for (const diff of testCase.diffs) out(`               ${diff}`);
    }
  }
  const total = report.passed + report.failed;
  out(
    `${report.failed === 0 ? 'all' : report.passed} of ${total} cases passed in ${report.pipelines.length} pipelines` +
      (report.failed ? `, ${report.failed} failed` : ''),
  );
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('pipelines', {
    args: argv,
    allowPositionals: true,
    options: {
      'pipelines-dir': { type: 'string' },
      timezone: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [action, ...names] = positionals;
  if (action !== 'test' && action !== 'list') {
    throw new UsageError(
      action ? `unknown action '${action}'.` : 'an action is required.',
      "Use 'kiver pipelines test' or 'kiver pipelines list'.",
    );
  }
  const set = await loadPipelineSet(values['pipelines-dir'] ?? defaultPipelinesDir(), {
    timezone: values.timezone,
  });
  const out = (line: string): void => void process.stdout.write(line + '\n');
  if (action === 'list') {
    if (names.length > 0) throw new UsageError("'pipelines list' takes no names.");
    for (const p of set.describe()) {
      out(
        `${p.name.padEnd(12)} priority ${String(p.priority).padStart(4)}  dataset ${p.dataset.padEnd(20)} ${String(p.tests).padStart(3)} cases  ${p.file}`,
      );
    }
    return 0;
  }
  const unknown = names.filter((n) => !set.names.includes(n));
  if (unknown.length > 0)
    throw new UsageError(`no pipeline named ${unknown.join(', ')}.`, `Loaded: ${set.names.join(', ')}.`);
  const report = set.runTests(names);
  printReport(report, values.verbose ?? false, out);
  return report.failed === 0 ? 0 : 1;
}
