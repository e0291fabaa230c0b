import { Agent, type Dispatcher, request } from 'undici';
import type { WhoIsResponse } from './types.js';

/** The Host tailscaled expects on LocalAPI requests (`apitype.LocalAPIHost`). */
export const LOCAL_API_HOST = 'local-tailscaled.sock';

/** Largest WhoIs answer read (bytes); real answers are a few kilobytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** tailscaled could not answer: not running, socket missing, refused, timed out, or answered nonsense. */
export class TailscaledUnavailableError extends Error {
  /** Machine-readable reason. */
  readonly code: 'unreachable' | 'timeout' | 'refused' | 'bad_status' | 'bad_answer';
  constructor(code: TailscaledUnavailableError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TailscaledUnavailableError';
    this.code = code;
  }
}

/** Options of a {@link LocalApiClient}. */
export interface LocalApiClientOptions {
  /** Path of tailscaled's unix socket. */
  readonly socketPath: string;
  /** Longest wait for an answer, in milliseconds. */
  readonly timeoutMs: number;
  /** Dispatcher to use instead of an own undici Agent on the socket (tests, custom transports). */
  readonly dispatcher?: Dispatcher;
}

/** `IP:PORT` as tailscaled parses it (`[v6]:port` for IPv6). */
export function whoIsAddr(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * A minimal client of tailscaled's LocalAPI over its unix socket (one undici Agent, kept
 * alive). Only WhoIs is needed: `GET /localapi/v0/whois?addr=IP:PORT`.
 */
export class LocalApiClient {
  readonly #dispatcher: Dispatcher;
  readonly #own: Agent | undefined;
  readonly #timeoutMs: number;

  constructor(options: LocalApiClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    if (options.dispatcher !== undefined) {
      this.#dispatcher = options.dispatcher;
      this.#own = undefined;
    } else {
      this.#own = new Agent({ connect: { socketPath: options.socketPath }, connections: 8, keepAliveTimeout: 10_000 });
      this.#dispatcher = this.#own;
    }
  }

  /**
   * Asks tailscaled who `addr` (`IP:PORT`) is. Resolves `undefined` when tailscaled does not
   * know the address (404); throws {@link TailscaledUnavailableError} when it cannot answer.
   */
  async whois(addr: string): Promise<WhoIsResponse | undefined> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`http://${LOCAL_API_HOST}/localapi/v0/whois?addr=${encodeURIComponent(addr)}`, {
        method: 'GET',
        dispatcher: this.#dispatcher,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError' || (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT');
      throw new TailscaledUnavailableError(timedOut ? 'timeout' : 'unreachable', timedOut ? `tailscaled did not answer within ${this.#timeoutMs} ms` : `cannot reach tailscaled: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      return undefined;
    }
    let text: string;
    try {
      text = await readText(res.body);
    } catch (err) {
      throw new TailscaledUnavailableError('bad_answer', `reading tailscaled's answer failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (res.statusCode === 403) throw new TailscaledUnavailableError('refused', `tailscaled refused WhoIs (${text.trim().slice(0, 200)}); the gateway needs read access to the LocalAPI`);
    if (res.statusCode !== 200) throw new TailscaledUnavailableError('bad_status', `tailscaled answered WhoIs with ${res.statusCode}: ${text.trim().slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new TailscaledUnavailableError('bad_answer', 'tailscaled answered WhoIs with invalid JSON', { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TailscaledUnavailableError('bad_answer', 'tailscaled answered WhoIs with a non-object');
    return parsed as WhoIsResponse;
  }

  /** Closes the own Agent (an injected dispatcher is left to its owner). */
  async close(): Promise<void> {
    await this.#own?.close();
  }
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
