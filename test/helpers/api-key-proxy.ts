/**
 * Elasticsearch API keys cannot be created on the stack's integ-test-zip (the `.security`
 * index needs the analysis-common module it lacks; see src/stack/README.md). This is the next
 * most real server: an HTTPS front (the stack's own server certificate) that accepts exactly
 * one `Authorization: ApiKey <base64 id:key>`, answers anything else with Elasticsearch's 401,
 * and forwards accepted requests to the real secured Elasticsearch with its basic-auth user.
 * So the client's API-key header, its TLS set-up and its 401 handling meet real answers.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { EsSecurityInfo } from '../../src/stack/index.js';
import { tlsFiles } from '../../src/stack/tls.js';

export class ApiKeyProxy {
  /** The one accepted key, as Elasticsearch hands it out: base64 of `id:key`. */
  readonly apiKey = Buffer.from(`kiver-test:${randomBytes(16).toString('hex')}`).toString('base64');
  #server: Server | null = null;
  url = '';

  constructor(
    private readonly es: EsSecurityInfo,
    private readonly stackDir: string,
  ) {}

  async open(): Promise<void> {
    const tls = tlsFiles(this.stackDir);
    const ca = readFileSync(this.es.caFile);
    const basic = `Basic ${Buffer.from(`${this.es.username}:${readFileSync(this.es.passwordFile, 'utf8').trim()}`).toString('base64')}`;
    const target = new URL(this.es.url);
    this.#server = createServer(
      { cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey) },
      (req, res) => {
        if (req.headers.authorization !== `ApiKey ${this.apiKey}`) {
          res.writeHead(401, {
            'content-type': 'application/json',
            'x-elastic-product': 'Elasticsearch',
            'www-authenticate': 'ApiKey',
          });
          res.end(
            JSON.stringify({
              error: {
                type: 'security_exception',
                reason: 'unable to authenticate with provided credentials',
              },
              status: 401,
            }),
          );
          return;
        }
        const headers = { ...req.headers, authorization: basic, host: target.host };
        const upstream = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, ca },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      },
    );
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    this.url = `https://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
