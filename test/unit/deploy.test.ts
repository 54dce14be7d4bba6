// docker-compose.yml and the Kubernetes manifests cannot be started here (no Docker engine,
// no cluster); this test checks what can be checked without one: they parse, every
// reference resolves, and every container runs a real `kiver` sub-command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { commandNames } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { registeredMetrics } from '../helpers/registered-metrics.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

test('compose has Kafka, Elasticsearch 9, Kibana 9, a collector and two normalizers', () => {
  const s = compose.services;
  assert.match(s.kafka?.image ?? '', /^apache\/kafka:4\./);
  assert.match(s.elasticsearch?.image ?? '', /elasticsearch:9\./);
  assert.match(s.kibana?.image ?? '', /kibana:9\./);
  const kiver = Object.entries(s).filter(([, svc]) => svc.image === 'kiver-logs:latest');
  const roles = kiver.map(([, svc]) => svc.command?.[0]).sort();
  assert.deepEqual(roles, ['collect', 'normalize', 'normalize']);
  assert.equal(s.collector?.build?.dockerfile, 'deploy/Dockerfile');
});

test('compose references resolve: depends_on, named volumes, mounted files', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const dep of Object.keys(svc.depends_on ?? {})) {
      assert.ok(dep in compose.services, `${name} depends on missing service ${dep}`);
    }
    for (const volume of svc.volumes ?? []) {
      const source = volume.split(':')[0] ?? '';
      if (source.startsWith('./')) {
        if (source !== './demo-logs')
          assert.doesNotThrow(() => read(source.slice(2)), `${name} mounts missing ${source}`);
      } else {
        assert.ok(source in compose.volumes, `${name} uses undeclared volume ${source}`);
      }
    }
    assert.ok(svc.healthcheck, `${name} has no health check`);
  }
});

test('every kiver container runs a real sub-command with a valid configuration', () => {
  for (const svc of Object.values(compose.services).filter((x) => x.image === 'kiver-logs:latest')) {
    const [command, ...args] = svc.command ?? [];
    assert.ok(commandNames.includes(command ?? ''), `unknown kiver command ${command}`);
    assert.deepEqual(args, ['--config', '/etc/kiver/kiver.yaml']);
  }
  const config = loadConfig({ file: new URL('deploy/kiver.compose.yaml', root).pathname, env: {} });
  assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
});

test("the image's entry point is the package's kiver binary, run as a non-root user", () => {
  const dockerfile = read('deploy/Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { bin: { kiver: string } };
  const entry = /^ENTRYPOINT \["node", "\/app\/([^"]+)"\]$/m.exec(dockerfile);
  assert.equal(entry?.[1], pkg.bin.kiver);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^FROM node:(22|24)[-\w]* AS build$/m);
  assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2, 'multi-stage build');
});

test('Kubernetes manifests parse and run real sub-commands with a valid configuration', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/kiver.yaml')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  const kinds = docs.map((d) => d.kind).sort();
  assert.deepEqual(kinds, ['ConfigMap', 'DaemonSet', 'Deployment', 'Namespace']);
  type Workload = { spec: { template: { spec: { containers: { args: string[] }[] } } } };
  const commands = docs
    .filter((d) => d.kind === 'DaemonSet' || d.kind === 'Deployment')
    .map((d) => (d as unknown as Workload).spec.template.spec.containers[0]?.args[0]);
  assert.deepEqual(commands.sort(), ['collect', 'normalize']);
  const configMap = docs.find((d) => d.kind === 'ConfigMap') as { data: Record<string, string> };
  const file = join(mkdtempSync(join(tmpdir(), 'kiver-k8s-')), 'kiver.yaml');
  writeFileSync(file, configMap.data['kiver.yaml'] ?? '');
  assert.equal(loadConfig({ file, env: {} }).normalizer.pipelines_dir, '/app/pipelines');
});

test('the Grafana dashboard queries only metrics the code registers', async () => {
  const { registry } = registeredMetrics();
  const registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  const dashboard = JSON.parse(read('deploy/grafana/kiver-logs.json')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const used = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      for (const name of target.expr.match(/\bkiver_[a-z_]+/g) ?? []) used.add(name.replace(/_bucket$/, ''));
    }
  }
  assert.ok(used.size >= 10, 'the dashboard queries the metrics');
  for (const name of used) assert.ok(registered.has(name), `dashboard queries unknown metric ${name}`);
});

test('the Kibana saved objects reference the logs-* data view', () => {
  const objects = read('deploy/kibana/kiver-saved-objects.ndjson')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          id: string;
          attributes: { title: string };
          references: { id: string }[];
        },
    );
  const dataView = objects.find((o) => o.type === 'index-pattern');
  assert.equal(dataView?.attributes.title, 'logs-*');
  for (const o of objects.filter((x) => x.type === 'search')) {
    assert.deepEqual(
      o.references.map((r) => r.id),
      [dataView?.id],
    );
  }
});
