// deploy/prometheus/alerts.yml against the operations guide and its promtool tests: every rule
// says what happened and what to look at, links a runbook section that exists, and is fired
// (and left quiet) by a case in alerts.test.yml. promtool itself runs in .ci/run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (heading)
      out.add(
        heading[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return out;
}

test('every rule has a severity, a summary, a description and a runbook section that exists', () => {
  assert.ok(rules.length >= 15);
  const guide = anchors(read('docs/operations.md'));
  for (const r of rules) {
    assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, `${r.alert} severity`);
    assert.ok((r.annotations?.summary ?? '').length > 10, `${r.alert} summary`);
    assert.match(
      r.annotations?.description ?? '',
      /\bLook at\b|\blook at\b/,
      `${r.alert} says what to look at`,
    );
    const url = r.annotations?.runbook_url ?? '';
    const m = /^docs\/operations\.md#(.+)$/.exec(url);
    assert.ok(m, `${r.alert} runbook_url ${url} points into docs/operations.md`);
    assert.ok(guide.has(m[1]!), `${r.alert}: docs/operations.md has no section #${m[1]}`);
    assert.equal(m[1], r.alert.toLowerCase(), `${r.alert}: its runbook is the section named after it`);
  }
});

test('the rules cover every alert issue 10 asks for', () => {
  const names = new Set(rules.map((r) => r.alert));
  for (const name of [
    'KiverCollectorKafkaUnreachable',
    'KiverCollectorLagGrowing',
    'KiverCollectorFilesReleasedUnread',
    'KiverCollectorCheckpointWriteFailing',
    'KiverCollectorEventsCut',
    'KiverCollectorEventsLost',
    'KiverNormalizerConsumerLagGrowing',
    'KiverNormalizerIndexingErrors',
    'KiverNormalizerDeadLetterRate',
    'KiverNormalizerElasticsearchUnreachable',
    'KiverEndToEndDelayHigh',
    'KiverCollectorDown',
    'KiverNormalizerDown',
  ])
    assert.ok(names.has(name), name);
});

test('alerts.test.yml fires every rule at least once and also evaluates it where it must stay quiet', () => {
  const suite = parse(read('deploy/prometheus/alerts.test.yml')) as {
    rule_files: string[];
    tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  assert.deepEqual(suite.rule_files, ['alerts.yml']);
  const cases = suite.tests.flatMap((t) => t.alert_rule_test);
  for (const r of rules) {
    const mine = cases.filter((c) => c.alertname === r.alert);
    assert.ok(
      mine.some((c) => c.exp_alerts.length > 0),
      `${r.alert} is never expected to fire`,
    );
    assert.ok(
      mine.some((c) => c.exp_alerts.length === 0),
      `${r.alert} is never expected to stay quiet`,
    );
  }
  const known = new Set(rules.map((r) => r.alert));
  for (const c of cases) assert.ok(known.has(c.alertname), `test of unknown alert ${c.alertname}`);
});
