import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Denial,
  type Exchange,
  type Identity,
  type JsonObject,
  type PluginInput,
  type RequestContext,
  SecretRegistry,
  type ToolCall,
  type TollgateHooks,
  createIdentity,
  createLogger,
  emptyUsage,
  prepareConfig,
} from '@tollgate/core';
import { ExchangeDraft, MapStateBag, type RequestContextImpl, Runtime, routeRequest } from '@tollgate/core/internal';
import type { FormatAdapter } from '@tollgate/core/formats';
import { LogCapture } from './log-capture.js';

/** Options of {@link createPluginHarness}. */
export interface PluginHarnessOptions {
  /** The configuration (default: one mock provider serving `mock-1`). */
  readonly config?: Record<string, unknown>;
  /** Plugins under test. */
  readonly plugins: readonly PluginInput[];
  /** Environment for `env:` references. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a request built by the harness looks like. */
export interface HarnessRequest {
  /** Caller (default: a user `alice@example.com`). */
  readonly identity?: Identity;
  /** Model as requested (default `mock-1`). */
  readonly model?: string;
  /** Body (default: one user message "hello"; `model` is set from `model`). */
  readonly body?: JsonObject;
  /** Format name (default `openai_chat`). */
  readonly format?: string;
  /** Client path (default: the format's first path). */
  readonly path?: string;
  /** Client headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Stream flag. */
  readonly stream?: boolean;
}

/** Drives plugins through the real core hooks without HTTP. */
export interface PluginHarness {
  /** The runtime (hooks applied, providers open). */
  readonly runtime: Runtime;
  /** Its hooks. */
  readonly hooks: TollgateHooks;
  /** Log lines. */
  readonly logs: LogCapture;
  /** Builds an identity (`user('bob@example.com', { groups: ['group:eng'] })`). */
  user(login: string, extra?: Partial<Omit<Identity, 'login'>>): Identity;
  /** Builds a request context routed like core would (throws when the model does not route). */
  request(request?: HarnessRequest): RequestContextImpl;
  /** Runs `onRequest` for a context. */
  onRequest(ctx: RequestContext): Promise<Denial | undefined>;
  /** Runs `onToolCall` for one call of a context. */
  onToolCall(ctx: RequestContext, call: Partial<ToolCall> & Pick<ToolCall, 'name'>, streaming?: boolean): Promise<Denial | undefined>;
  /** Builds the exchange core would emit for a context and runs `settle`, then `onResponse` (awaited). */
  respond(ctx: RequestContextImpl, response?: Partial<Pick<Exchange, 'responseBody' | 'rawResponses' | 'toolCalls' | 'status' | 'usage' | 'streamed'>>): Promise<Exchange>;
  /** Closes the runtime and removes its data directory. */
  close(): Promise<void>;
}

const DEFAULT_CONFIG = { providers: { mock: { baseurl: 'mock://', models: ['mock-1'] } } };

/**
 * Builds a runtime with the given plugins (validated exactly like `createGateway` does) and
 * helpers to fire its hooks with realistic contexts: unit tests "through hooks, without HTTP".
 */
export async function createPluginHarness(options: PluginHarnessOptions): Promise<PluginHarness> {
  const logs = new LogCapture();
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-harness-'));
  const prepared = await prepareConfig({ raw: options.config ?? DEFAULT_CONFIG, plugins: options.plugins, env: options.env ?? {} });
  const secrets = new SecretRegistry();
  secrets.addAll(prepared.secrets);
  const logger = createLogger({ level: 'debug', secrets, destination: logs.stream });
  const runtime = await Runtime.create(prepared.config, prepared.plugins, { logger, secrets, dataDir, tapStats: new Map() });
  const hooks = runtime.hooks;
  const user = (login: string, extra: Partial<Omit<Identity, 'login'>> = {}): Identity => createIdentity({ resolver: 'test', ...extra, login });
  let counter = 0;
  return {
    runtime,
    hooks,
    logs,
    user,
    request(request = {}) {
      const format = runtime.formats.get(request.format ?? 'openai_chat') as FormatAdapter;
      if (format === undefined) throw new Error(`unknown format ${request.format}`);
      const model = request.model ?? 'mock-1';
      const body: JsonObject = request.body ?? { model, messages: [{ role: 'user', content: 'hello' }] };
      const id = `req-${++counter}`;
      try {
        return routeRequest(runtime.providers, {
          id,
          format,
          method: 'POST',
          path: request.path ?? (format.paths[0] as string),
          params: {},
          query: new URLSearchParams(),
          info: { model, stream: request.stream ?? false },
          headers: { 'user-agent': 'tollgate-harness', ...request.headers },
          remoteAddress: '127.0.0.1',
          identity: request.identity ?? user('alice@example.com'),
          body,
          rawBody: Buffer.from(JSON.stringify(body)),
          state: new MapStateBag(),
          signal: new AbortController().signal,
          log: logger.child({ reqId: id }),
        }).ctx;
      } catch (err) {
        throw new Error(`model ${model} does not route: ${(err as Error).message}`, { cause: err });
      }
    },
    onRequest(ctx) {
      return hooks.onRequest.promise(ctx);
    },
    onToolCall(ctx, call, streaming = false) {
      return hooks.onToolCall.promise({ request: ctx, call: { id: call.id ?? 'call_1', index: call.index ?? 0, params: call.params ?? {}, name: call.name }, streaming });
    },
    async respond(ctx, response = {}) {
      const draft = new ExchangeDraft(ctx.id, ctx.format, ctx.method, ctx.path, ctx.userAgent, Date.now(), 0, ctx.state);
      draft.adoptRequest(ctx, true);
      draft.streamed = response.streamed ?? ctx.stream;
      draft.responseBody = response.responseBody;
      draft.rawResponses = response.rawResponses ?? (response.responseBody === undefined ? [] : [response.responseBody]);
      draft.toolCalls = response.toolCalls ?? (response.responseBody === undefined ? [] : ctx.format.readResponse(response.responseBody).toolCalls);
      draft.usage = response.usage ?? emptyUsage();
      draft.status = response.status ?? 200;
      const exchange = draft.toExchange(1);
      await hooks.settle.promise(exchange);
      await hooks.onResponse.promise(exchange);
      return exchange;
    },
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
