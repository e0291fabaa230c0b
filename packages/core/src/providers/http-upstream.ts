import { Pool } from 'undici';
import { requestAbortOf } from '../pipeline/request-abort.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './upstream.js';

/** Timeouts and pool size of an {@link HttpUpstream}. */
export interface HttpUpstreamOptions {
  /** Connections kept to the provider. */
  readonly connections: number;
  /** Connect timeout (ms). */
  readonly connectTimeoutMs: number;
  /** Time to response headers (ms; 0 disables). */
  readonly headersTimeoutMs: number;
  /** Longest silence between body chunks (ms; 0 disables). */
  readonly bodyTimeoutMs: number;
}

/** A provider reached over HTTP(S) through one undici {@link Pool} per provider origin. */
export class HttpUpstream implements Upstream {
  readonly #pool: Pool;

  constructor(origin: string, options: HttpUpstreamOptions) {
    this.#pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  /** @inheritdoc */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await this.#pool.request({
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      // Core's own requests: the cheap EventEmitter abort (undici accepts one), not an AbortSignal.
      signal: requestAbortOf(request) ?? request.signal,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
