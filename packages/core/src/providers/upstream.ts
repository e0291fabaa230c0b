import type { Readable } from 'node:stream';
import type { FormatAdapter } from '../formats/format-adapter.js';

/** A request to a provider. */
export interface UpstreamRequest {
  /** Path and query relative to the provider origin (base path already joined). */
  readonly path: string;
  /** HTTP method. */
  readonly method: 'POST' | 'GET';
  /** Headers to send (credentials already chosen). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes. */
  readonly body: string | Buffer;
  /** Aborts the call (client gone, shutdown). */
  readonly signal: AbortSignal;
  /** The client's API format (the mock answers in it). */
  readonly format: FormatAdapter;
  /** True for a streaming request. */
  readonly stream: boolean;
}

/** A provider's response; the body must be consumed or destroyed. */
export interface UpstreamResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body stream. */
  readonly body: Readable;
}

/** Something that answers provider calls: an undici pool, or the built-in mock. */
export interface Upstream {
  /** Sends one request. Rejects on network failure, timeout or abort. */
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Releases connections. */
  close(): Promise<void>;
}
