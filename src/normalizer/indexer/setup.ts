/**
 * Start-up of the index side: check the cluster answers, detect what it offers, choose the
 * mode, install the templates. Failures here are the operator's to fix, so they become one
 * KiverError sentence with the fix, not a retry loop.
 */
import type { Client } from '@elastic/elasticsearch';
import { ConfigError, ServiceUnavailableError } from '../../errors.js';
import { elasticsearchRefusal } from '../../config/access-refusal.js';
import type { ElasticsearchConfig } from '../../config/types.js';
import type { Logger } from '../../observability/logger.js';
import type { IndexMode } from '../index-naming.js';
import { chooseMode, detectCapabilities, fallbacks, type ClusterCapabilities } from './capabilities.js';
import { isUnreachable, statusOf } from './es-transport.js';
import { buildTemplates, type TemplateSet } from './templates.js';

export interface IndexSetup {
  mode: IndexMode;
  capabilities: ClusterCapabilities;
}

export async function installTemplates(client: Client, templates: TemplateSet): Promise<void> {
  for (const component of templates.components) {
    await client.transport.request({
      method: 'PUT',
      path: `/_component_template/${encodeURIComponent(component.name)}`,
      body: component.body,
    });
  }
  await client.transport.request({
    method: 'PUT',
    path: `/_index_template/${encodeURIComponent(templates.index.name)}`,
    body: templates.index.body,
  });
}

export async function setUpIndexing(
  client: Client,
  config: ElasticsearchConfig,
  logger: Logger,
): Promise<IndexSetup> {
  let capabilities: ClusterCapabilities;
  try {
    // Not ping()/info(): minimal distributions have no `GET /`.
    await client.cluster.health({ timeout: '5s' });
    capabilities = await detectCapabilities(client);
  } catch (error) {
    throw toServiceError(error, config);
  }
  const mode = chooseMode(config.mode, capabilities);
  if (mode === 'data_stream' && !capabilities.dataStreams) {
    throw new ConfigError(
      `elasticsearch.mode is data_stream but the cluster at ${config.url} has no data streams (a minimal distribution?).`,
      'Set elasticsearch.mode to auto or index.',
    );
  }
  try {
    await installTemplates(client, buildTemplates(capabilities, mode));
  } catch (error) {
    throw toServiceError(error, config);
  }
  const missing = fallbacks(capabilities, mode);
  logger.info(
    { mode, version: capabilities.version, capabilities, fallbacks: missing },
    missing.length === 0
      ? `writing to data streams logs-<dataset>-<namespace> on Elasticsearch ${capabilities.version}`
      : `Elasticsearch ${capabilities.version} lacks features, falling back: ${missing.join('; ')}`,
  );
  return { mode, capabilities };
}

function toServiceError(error: unknown, config: ElasticsearchConfig): Error {
  const url = config.url;
  // A refused password or an untrusted certificate: exit code 2, not a wait for an outage.
  const refusal = elasticsearchRefusal(error, config);
  if (refusal) return refusal;
  if (isUnreachable(error)) {
    return new ServiceUnavailableError(
      `Elasticsearch at ${url} is not reachable (${(error as Error).message}).`,
      'Start it with `kiver stack up` or set elasticsearch.url.',
      { cause: error },
    );
  }
  const status = statusOf(error);
  if (status !== undefined) {
    return new ServiceUnavailableError(
      `Elasticsearch at ${url} answered HTTP ${status} during start-up: ${String((error as Error).message).slice(0, 500)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
