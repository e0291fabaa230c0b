import type { IncomingMessage } from 'node:http';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { clientCredential } from '../identity/client-credential.js';
import { isLoopbackAddress, normalizeAddress } from '../identity/loopback.js';
import { ApiErrorException, apiError } from '../types/api-error.js';
import type { Identity } from '../types/identity.js';

/** The message of the 401 every route answers to an unidentified caller. */
export const UNIDENTIFIED_MESSAGE = 'caller not identified: present a valid API key, or call from an identified device';

/**
 * Runs the `identify` hook for one HTTP request (LLM call, `/v1/models`, a plugin's route) and
 * returns the caller; throws the 401 request error when no resolver knows it.
 */
export async function identifyCaller(hooks: TollgateHooks, req: IncomingMessage, query: URLSearchParams, requestId: string): Promise<Identity> {
  const remoteAddress = normalizeAddress(req.socket.remoteAddress);
  const identity = await hooks.identify.promise({
    requestId,
    remoteAddress,
    remotePort: req.socket.remotePort ?? 0,
    isLoopback: isLoopbackAddress(remoteAddress),
    headers: req.headers,
    credential: clientCredential(req.headers, query),
  });
  if (identity === undefined || identity === null) throw new ApiErrorException(apiError('authentication', UNIDENTIFIED_MESSAGE, { code: 'unauthenticated' }));
  return identity;
}
