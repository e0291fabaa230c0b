import { SseEventTooLargeError } from '../sse/sse-framer.js';
import { type ApiError, apiError } from '../types/api-error.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ETIMEDOUT']);

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps a failure talking to a provider to the client's error: timeouts are 504, unreachable
 * providers and broken responses 502, the gateway's own descriptor exhaustion (`EMFILE`,
 * `ENFILE`) 503 with `Retry-After`. Messages name the provider, never its URL or key.
 */
export function upstreamFailure(err: unknown, providerId: string): ApiError {
  if (err instanceof SseEventTooLargeError) return apiError('upstream', `provider "${providerId}" sent an event larger than the limit`);
  const code = codeOf(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return apiError('timeout', `provider "${providerId}" did not accept a connection in time`, { code: 'upstream_timeout' });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return apiError('timeout', `provider "${providerId}" did not answer in time`, { code: 'upstream_timeout' });
    case 'UND_ERR_BODY_TIMEOUT':
      return apiError('timeout', `provider "${providerId}" stopped sending its response`, { code: 'upstream_timeout' });
    case 'EMFILE':
    case 'ENFILE':
      // The gateway's own limit, not the provider's fault: a 503 the client may retry.
      return apiError('unavailable', 'the gateway is out of file descriptors (too many open connections); try again shortly', { code: 'gateway_overloaded', headers: { 'retry-after': '1' } });
    case 'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE':
      return apiError('upstream', `provider "${providerId}" sent a response larger than the limit`, { code: 'upstream_error' });
    default:
      if (code !== undefined && UNREACHABLE.has(code)) return apiError('upstream', `provider "${providerId}" is unreachable (${code})`, { code: 'upstream_unreachable' });
      return apiError('upstream', `provider "${providerId}" failed${code === undefined ? '' : ` (${code})`}`, { code: 'upstream_error' });
  }
}
