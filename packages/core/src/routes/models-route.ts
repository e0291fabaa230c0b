import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context } from 'koa';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { clientCredential } from '../identity/client-credential.js';
import { isLoopbackAddress, normalizeAddress } from '../identity/loopback.js';
import { openAiErrorBody } from '../formats/openai-chat/openai-chat-adapter.js';
import { PluginHookError } from '../errors.js';
import { type ApiError, ApiErrorException, apiError } from '../types/api-error.js';
import type { Logger } from 'pino';

/** The error a failed identify/listModels tap answers with (a plugin's ApiError, else 500). */
function modelsError(err: unknown, log: Logger): ApiError {
  if (err instanceof ApiErrorException) return err.apiError;
  if (err instanceof PluginHookError && err.cause instanceof ApiErrorException) return err.cause.apiError;
  log.error({ err }, 'models request failed');
  return apiError('internal', err instanceof PluginHookError ? `plugin "${err.plugin}" failed in ${err.hook}` : 'internal gateway error');
}

/**
 * `GET /v1/models`: the models the caller may use (every enabled provider's models, filtered by
 * `listModels` taps such as grants), in OpenAI's list format with `supported_endpoints` and the
 * provider's metadata.
 */
export async function handleModels(ctx: Context, hooks: TollgateHooks, providers: ProviderRegistry, logger: Logger, accessLog = true): Promise<void> {
  const start = performance.now();
  const requestId = randomUUID();
  ctx.set('x-request-id', requestId);
  const log = logger.child({ reqId: requestId });
  const remoteAddress = normalizeAddress(ctx.req.socket.remoteAddress);
  let models;
  let login: string | undefined;
  const done = (status: number, extra: Record<string, unknown>): void => {
    if (accessLog) logger.info({ reqId: requestId, status, method: ctx.method, path: ctx.path, identity: login, durationMs: Math.round((performance.now() - start) * 100) / 100, ...extra }, 'request completed');
  };
  try {
    const identity = await hooks.identify.promise({
      requestId,
      remoteAddress,
      remotePort: ctx.req.socket.remotePort ?? 0,
      isLoopback: isLoopbackAddress(remoteAddress),
      headers: ctx.req.headers,
      credential: clientCredential(ctx.req.headers, new URLSearchParams(ctx.querystring)),
    });
    if (identity === undefined || identity === null) {
      throw new ApiErrorException(apiError('authentication', 'caller not identified: present a valid API key, or call from an identified device', { code: 'unauthenticated' }));
    }
    login = identity.login;
    models = hooks.listModels.isUsed() ? await hooks.listModels.promise(providers.models(), { identity, log }) : providers.models();
  } catch (err) {
    const error = modelsError(err, log);
    ctx.status = error.status;
    if (error.headers !== undefined) ctx.set(error.headers);
    ctx.body = openAiErrorBody(error);
    done(error.status, { error: error.message });
    return;
  }
  done(200, { models: models.length });
  ctx.body = {
    object: 'list',
    data: models.map((m) => ({
      id: m.id,
      object: 'model',
      created: 0,
      owned_by: m.provider,
      supported_endpoints: m.supportedEndpoints,
      metadata: { provider: { id: m.provider, name: m.providerName, description: m.providerDescription } },
    })),
  };
}
