/**
 * The `_bulk` transport over the project's Elasticsearch client (config/clients.ts, whose own
 * retries are off): the bulk driver owns every retry decision (retry.ts), so a request is
 * never retried twice over, and an unreachable cluster is told apart from a refusing one.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import { BulkRequestFailure, type BulkResponse, type BulkTransport } from './bulk.js';

/** Whether an error from the client means "no answer" rather than "an answer we dislike". */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  );
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.meta.statusCode : undefined;
}

export class ElasticsearchBulkTransport implements BulkTransport {
  constructor(private readonly client: Client) {}

  async send(body: string, signal: AbortSignal): Promise<BulkResponse> {
    try {
      return (await this.client.transport.request(
        {
          method: 'POST',
          path: '/_bulk',
          // Only what the outcome needs: keeps a 2000-item response small to parse.
          querystring: { filter_path: 'errors,items.*.status,items.*.error' },
          bulkBody: body,
        },
        { signal, maxRetries: 0 },
      )) as BulkResponse;
    } catch (error) {
      if (isUnreachable(error)) {
        throw new BulkRequestFailure({ kind: 'unreachable', detail: (error as Error).message });
      }
      const status = statusOf(error);
      if (status !== undefined) {
        const detail = JSON.stringify(
          (error as InstanceType<typeof errors.ResponseError>).meta.body ?? '',
        ).slice(0, 2000);
        throw new BulkRequestFailure({ kind: 'status', status, detail });
      }
      if (error instanceof errors.RequestAbortedError)
        throw new BulkRequestFailure({ kind: 'unreachable', detail: 'aborted' });
      // A response that is not JSON (a proxy's HTML error page) is as good as no answer.
      if (error instanceof errors.DeserializationError) {
        throw new BulkRequestFailure({ kind: 'unreachable', detail: error.message });
      }
      throw error;
    }
  }
}
