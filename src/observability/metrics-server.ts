/**
 * The /metrics (Prometheus text), /healthz, /readyz and /livez endpoints both deployables
 * expose. Bound to the configured address (default 127.0.0.1:9464) so nothing is exposed
 * beyond the host by accident.
 *
 * /healthz and /readyz answer the named checks (200 when all hold, 503 otherwise); /livez
 * answers 200 whenever the event loop turns, whatever the dependencies: an orchestrator must
 * not restart a collector because Kafka is down (restarting would not bring Kafka back).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ConfigError } from '../errors.js';
import { splitHostPort } from '../config/spec.js';
import { healthBody, type HealthReport } from './health.js';

export type { HealthReport } from './health.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A registry with the Node process metrics (CPU, RSS, event-loop lag) already in it. */
export function createRegistry(prefix = 'kiver_'): Registry {
  const registry = new Registry();
  // The event-loop delay sampler wakes the process at this period: 100 ms instead of the
  // default 10 ms keeps an idle collector idle.
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: 100 });
  return registry;
}

export function parseListen(listen: string): { host: string; port: number } {
  const parsed = splitHostPort(listen);
  if (!parsed) {
    throw new ConfigError(
      `metrics.listen '${listen}' is not host:port.`,
      "Use for example '127.0.0.1:9464', or '' to disable the metrics server.",
    );
  }
  return parsed;
}

/** Starts the server; `listen` '' means disabled (returns null). Port 0 picks a free port. */
export async function startMetricsServer(
  listen: string,
  registry: Registry,
  health: () => HealthReport,
): Promise<MetricsServer | null> {
  if (listen.trim() === '') return null;
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const body = healthBody(health());
      res.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', uptime_seconds: Math.round(process.uptime()) }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz, /readyz or /livez\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(
              `metrics.listen ${listen} is already in use.`,
              'Choose another port with --set metrics.listen=HOST:PORT.',
            )
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
