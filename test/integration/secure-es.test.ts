// A worker and `kiver search` against the stack's secured Elasticsearch (`kiver stack up
// --secure`: HTTPS with the stack's CA, basic auth from the file realm), and with an API key
// through test/helpers/api-key-proxy.ts (the integ-test-zip cannot make API keys itself; the
// proxy is an HTTPS front that checks the key and forwards to the real secured Elasticsearch).
// A wrong password or key and an untrusted certificate each end the program within seconds:
// exit code 2, one sentence, no secret.
//
// Needs a stack started with --secure (KIVER_STACK_DIR's, else the default one): skipped,
// saying so, without it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import type { EsSecurityInfo } from '../../src/stack/index.js';
import { makeCa } from '../../src/stack/tls.js';
import { ApiKeyProxy } from '../helpers/api-key-proxy.js';
import { runKiver, setArgs as sets, spawnKiver, stopKiver as stop, type KiverChild } from '../helpers/cli.js';
import { createTopic, ensureStack, secureElasticsearch, uniqueName, waitFor } from '../helpers/stack.js';

const found = await secureElasticsearch();
const skip = found
  ? false
  : "the stack has no secured Elasticsearch: start it with 'kiver stack up --secure'";
if (skip) console.log(`# ${skip}`);

let es: EsSecurityInfo;
let client: Client;
let brokers: string[];
let password: string;
let proxy: ApiKeyProxy;
let work: string;
let foreignCa: string;
const children: ChildProcess[] = [];

/** Basic auth with the password from its file, HTTPS checked against the stack's CA. */
const basicAuth = (): Record<string, string> => ({
  'elasticsearch.url': es.url,
  'elasticsearch.auth.username': es.username,
  'elasticsearch.auth.password_file': es.passwordFile,
  'elasticsearch.tls.ca_file': es.caFile,
});

/** The API key (from a file) through the proxy, which presents the stack's server certificate. */
const apiKeyAuth = (keyFile: string): Record<string, string> => ({
  'elasticsearch.url': proxy.url,
  'elasticsearch.auth.api_key_file': keyFile,
  'elasticsearch.tls.ca_file': es.caFile,
});

function start(args: string[], env: Record<string, string> = {}): KiverChild {
  const c = spawnKiver(args, env);
  children.push(c.child);
  return c;
}

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(password), 'the password appears in the output');
  assert.ok(!text.includes(proxy.apiKey), 'the API key appears in the output');
}

before(async () => {
  if (!found) return;
  es = found.es;
  brokers = (await ensureStack()).brokers;
  password = readFileSync(es.passwordFile, 'utf8').trim();
  client = new Client({
    node: es.url,
    auth: { username: es.username, password },
    tls: { ca: readFileSync(es.caFile, 'utf8') },
  });
  proxy = new ApiKeyProxy(es, found.stackDir);
  await proxy.open();
  work = mkdtempSync(join(tmpdir(), 'kiver-secure-es-'));
  foreignCa = join(work, 'foreign-ca.crt');
  await makeCa(foreignCa, join(work, 'foreign-ca.key'), 'Not the stack CA');
});

after(async () => {
  await Promise.all(children.map(stop));
  await client?.close();
  await proxy?.close();
});

describe('a worker and kiver search on the secured Elasticsearch', { skip }, () => {
  test('basic auth over HTTPS, and an API key: every line indexed once, and found by kiver search', async () => {
    const marker = `mk${randomBytes(6).toString('hex')}`;
    const base = uniqueName('secure-es');
    const topic = `${base}-raw`;
    await createTopic(brokers, topic, 1);
    const root = join(work, base);
    mkdirSync(root, { recursive: true });
    const lines = 30;
    for (let i = 0; i < lines; i++) appendFileSync(join(root, 'app.log'), `${marker} line ${i}\n`);
    const keyFile = join(work, `${base}.api-key`);
    writeFileSync(keyFile, proxy.apiKey, { mode: 0o600 });
    const common = {
      'kafka.brokers': brokers.join(','),
      'kafka.topic': topic,
      'kafka.dlq_topic': `${base}-dlq`,
      'metrics.listen': '',
    };
    const namespaces = { basic: `${base}_basic`.replace(/-/g, '_'), key: `${base}_key`.replace(/-/g, '_') };
    const procs = [
      start([
        'collect',
        ...sets({ ...common, 'collector.roots': root, 'collector.checkpoint_dir': join(root, '.state') }),
      ]),
      // Two groups on one topic: each worker indexes every line, into its own namespace.
      start([
        'normalize',
        ...sets({
          ...common,
          ...basicAuth(),
          'elasticsearch.namespace': namespaces.basic,
          'normalizer.group_id': `${base}-basic`,
        }),
      ]),
      start([
        'normalize',
        ...sets({
          ...common,
          ...apiKeyAuth(keyFile),
          'elasticsearch.namespace': namespaces.key,
          'normalizer.group_id': `${base}-key`,
        }),
      ]),
    ];
    for (const namespace of Object.values(namespaces)) {
      const index = `logs-*-${namespace}*`;
      await waitFor(
        async () => {
          await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
          const { count } = await client.count({ index, ignore_unavailable: true, allow_no_indices: true });
          return count >= lines;
        },
        { timeoutMs: 90_000, intervalMs: 1000, message: `${lines} documents in ${index}` },
      );
      const { count } = await client.count({ index });
      assert.equal(count, lines, `one document per line in ${namespace}`);
    }
    for (const p of procs) {
      assert.equal(await stop(p.child), 0, `clean exit:\n${p.output().slice(-2000)}`);
      assertNoSecret(p.output());
    }

    // kiver search: the password from the environment, then the API key from its file.
    const searches = [
      runKiver(
        [
          'search',
          '--json',
          '--size',
          '200',
          ...sets({
            'elasticsearch.url': es.url,
            'elasticsearch.auth.username': es.username,
            'elasticsearch.tls.ca_file': es.caFile,
          }),
          marker,
        ],
        { env: { KIVER_ELASTICSEARCH__AUTH__PASSWORD: password } },
      ),
      runKiver(['search', '--json', '--size', '200', ...sets(apiKeyAuth(keyFile)), marker]),
    ];
    for (const r of await Promise.all(searches)) {
      assert.equal(r.code, 0, r.stderr);
      const messages = r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message?: string }).message);
      assert.equal(messages.length, 2 * lines, 'both namespaces, every line');
      for (let i = 0; i < lines; i++) assert.ok(messages.includes(`${marker} line ${i}`));
      assertNoSecret(r.stdout + r.stderr);
    }
  });
});

/** Runs a command that must refuse: exit 2 within seconds, one line on stderr, no secret. */
async function refused(args: string[], env: Record<string, string> = {}): Promise<string> {
  const t0 = Date.now();
  const r = await runKiver(args, { env, timeoutMs: 30_000 });
  const ms = Date.now() - t0;
  assert.equal(r.code, 2, `exit code 2, got ${r.code}: ${r.stderr.slice(-1500)}`);
  assert.ok(ms < 15_000, `ended within seconds, took ${ms} ms`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assertNoSecret(r.stdout + r.stderr);
  return lines[0]!;
}

describe('refusals by the secured Elasticsearch: exit 2, one sentence, within seconds', { skip }, () => {
  const normalize = (pairs: Record<string, string>) => [
    'normalize',
    ...sets({
      'kafka.brokers': brokers.join(','),
      'kafka.topic': uniqueName('unused'),
      'metrics.listen': '',
      ...pairs,
    }),
  ];

  test('normalize: a wrong password', async () => {
    const line = await refused(
      normalize({
        ...basicAuth(),
        'elasticsearch.auth.password_file': '',
        'elasticsearch.auth.password': 'wrong-pw',
      }),
    );
    assert.match(
      line,
      /^kiver normalize: Elasticsearch at https:\/\/127\.0\.0\.1:\d+ refused the credentials of user 'kiver' \(HTTP 401\)\./,
    );
    assert.ok(!line.includes('wrong-pw'));
  });

  test('normalize: a wrong API key', async () => {
    const line = await refused(
      normalize({ 'elasticsearch.url': proxy.url, 'elasticsearch.tls.ca_file': es.caFile }),
      { KIVER_ELASTICSEARCH__AUTH__API_KEY: Buffer.from('someone:else').toString('base64') },
    );
    assert.match(
      line,
      /^kiver normalize: Elasticsearch at https:\/\/127\.0\.0\.1:\d+ refused the API key \(HTTP 401\)\./,
    );
  });

  test('normalize: the server certificate checked against a CA that did not sign it', async () => {
    const line = await refused(normalize({ ...basicAuth(), 'elasticsearch.tls.ca_file': foreignCa }));
    assert.match(
      line,
      /^kiver normalize: Elasticsearch's certificate \(https:\/\/127\.0\.0\.1:\d+\) is not trusted by the CA in .*foreign-ca\.crt: /,
    );
  });

  test('search: a wrong password, and no CA for the self-made certificate', async () => {
    const wrong = await refused(
      ['search', ...sets({ ...basicAuth(), 'elasticsearch.auth.password_file': '' }), 'x'],
      { KIVER_ELASTICSEARCH__AUTH__PASSWORD: 'wrong-pw' },
    );
    assert.match(
      wrong,
      /^kiver search: Elasticsearch at .* refused the credentials of user 'kiver' \(HTTP 401\)\./,
    );
    const { 'elasticsearch.tls.ca_file': _ca, ...noCa } = basicAuth();
    const untrusted = await refused(['search', ...sets(noCa), 'x']);
    assert.match(
      untrusted,
      /^kiver search: Elasticsearch's certificate .* is not trusted by the system's CAs \(elasticsearch\.tls\.ca_file is not set\)/,
    );
  });
});
