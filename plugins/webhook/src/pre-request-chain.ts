import { performance } from 'node:perf_hooks';
import { type Denial, type RequestContext, errorMessage } from '@tollgate/core';
import type { EffectiveCapabilities } from '@tollgate/core';
import type { HookCounters } from './counters.js';
import { deliveryHeaders } from './delivery-headers.js';
import { deliveryId } from './delivery-id.js';
import { readGuardrailReply } from './guardrail-reply.js';
import type { Clock, ResolvedEndpoint } from './internal-types.js';
import { preRequestData, serializeHookCallData } from './payload.js';
import { SKIP_DELIVERY, type WebhookHooks } from './types.js';

/** What the `pre_request` chain works with. */
export interface PreRequestDeps {
  /** Every configured hook. */
  readonly endpoints: ReadonlyMap<string, ResolvedEndpoint>;
  /** Extension hooks. */
  readonly hooks: WebhookHooks;
  /** Process-wide counters of a hook. */
  readonly counters: (hook: string) => HookCounters;
  /** `User-Agent` of calls. */
  readonly userAgent: string;
  /** Largest reply read (bytes). */
  readonly maxReplyBytes: number;
  /** Clock. */
  readonly clock: Clock;
  /** Plugin name (decisions, denials). */
  readonly pluginName: string;
}

/** One step of a chain: a hook and the send list the capabilities give it. */
export interface ChainStep {
  /** The hook. */
  readonly endpoint: ResolvedEndpoint;
  /** Merged send list. */
  readonly send: ReadonlySet<string>;
}

/**
 * The `pre_request` hooks a request's capabilities wire, in chain order: `preference` high to low,
 * then hook name (code point order). Disabled and undefined hooks are left out.
 */
export function preRequestChain(caps: EffectiveCapabilities, endpoints: ReadonlyMap<string, ResolvedEndpoint>): ChainStep[] {
  const steps: ChainStep[] = [];
  for (const [name, wiring] of caps.hooks) {
    const endpoint = endpoints.get(name);
    if (endpoint === undefined || endpoint.config.disabled || !wiring.events.has('pre_request')) continue;
    steps.push({ endpoint, send: wiring.send });
  }
  return steps.sort((a, b) => b.endpoint.config.preference - a.endpoint.config.preference || (a.endpoint.name < b.endpoint.name ? -1 : a.endpoint.name > b.endpoint.name ? 1 : 0));
}

type CallOutcome = { readonly kind: 'reply'; readonly reply: unknown } | { readonly kind: 'skipped' } | { readonly kind: 'failed'; readonly reason: string; readonly status?: number } | { readonly kind: 'aborted' };

/**
 * Runs a request's `pre_request` chain (Aperture 4.4): each hook in turn gets the request as the
 * chain has it; `allow` goes on, `modify` replaces the whole body (the next hook sees it), `block`
 * ends the chain with the hook's status and message (nothing is forwarded, earlier modifications
 * included). A failing hook (unreachable, timeout, non-2xx, unusable reply) is skipped under
 * `fail_open` and refuses the request with 503 under `fail_closed`.
 */
export async function runPreRequestChain(ctx: RequestContext, caps: EffectiveCapabilities, deps: PreRequestDeps): Promise<Denial | undefined> {
  for (const { endpoint, send } of preRequestChain(caps, deps.endpoints)) {
    if (ctx.signal.aborted) return undefined;
    const counters = deps.counters(endpoint.name);
    const started = performance.now();
    const outcome = await callHook(ctx, endpoint, send, caps, deps);
    const durationMs = performance.now() - started;
    if (outcome.kind === 'aborted') return undefined;
    if (outcome.kind === 'skipped') continue;
    const verdict = outcome.kind === 'reply' ? readGuardrailReply(outcome.reply) : { action: 'invalid' as const, reason: outcome.reason };
    const status = outcome.kind === 'failed' ? outcome.status : undefined;
    const subject = `pre_request:${endpoint.name}`;
    switch (verdict.action) {
      case 'allow':
        counters.noteSuccess();
        counters.preRequest.allowed++;
        if (verdict.note !== undefined) ctx.log.warn({ hook: endpoint.name }, verdict.note);
        ctx.recordDecision({ plugin: deps.pluginName, subject, allowed: true, reason: 'allow', durationMs });
        continue;
      case 'modify':
        counters.noteSuccess();
        counters.preRequest.modified++;
        ctx.replaceBody(verdict.body);
        ctx.recordDecision({ plugin: deps.pluginName, subject, allowed: true, reason: 'modify', durationMs });
        continue;
      case 'block':
        counters.noteSuccess();
        counters.preRequest.blocked++;
        ctx.recordDecision({ plugin: deps.pluginName, subject, allowed: false, reason: 'block', durationMs, data: { status: verdict.status } });
        return { status: verdict.status, message: verdict.message, kind: 'guardrail', by: deps.pluginName };
      case 'invalid': {
        counters.failed++;
        counters.noteError(verdict.reason, status);
        const closed = endpoint.config.fail_policy === 'fail_closed';
        ctx.log.warn({ hook: endpoint.name, status, error: verdict.reason, failPolicy: endpoint.config.fail_policy }, closed ? 'pre_request hook failed; refusing the request (fail_closed)' : 'pre_request hook failed; skipped (fail_open)');
        if (!closed) {
          counters.preRequest.failedOpen++;
          ctx.recordDecision({ plugin: deps.pluginName, subject, allowed: true, reason: `failed open: ${verdict.reason}`, durationMs });
          continue;
        }
        counters.preRequest.failedClosed++;
        ctx.recordDecision({ plugin: deps.pluginName, subject, allowed: false, reason: `failed closed: ${verdict.reason}`, durationMs });
        return { status: 503, kind: 'unavailable', message: `request refused: guardrail hook "${endpoint.name}" is unavailable`, by: deps.pluginName };
      }
    }
  }
  return undefined;
}

/** Calls one hook with the current request; never throws. */
async function callHook(ctx: RequestContext, endpoint: ResolvedEndpoint, send: ReadonlySet<string>, caps: EffectiveCapabilities, deps: PreRequestDeps): Promise<CallOutcome> {
  const transport = endpoint.transport;
  if (transport === undefined) return { kind: 'failed', reason: endpoint.problem ?? 'hook cannot deliver' };
  const id = deliveryId(ctx.id, endpoint.name, 'pre_request');
  const data = preRequestData(ctx, send, caps);
  let body: Buffer;
  try {
    const shaped = deps.hooks.shapePayload.isUsed() ? await deps.hooks.shapePayload.promise(data, { hook: endpoint.info, event: 'pre_request', deliveryId: id, data, request: ctx }) : data;
    if (shaped === SKIP_DELIVERY) return { kind: 'skipped' };
    body = Buffer.from(shaped === data ? serializeHookCallData(data, new Map()) : (JSON.stringify(shaped) ?? 'null'));
  } catch (err) {
    return { kind: 'failed', reason: `shapePayload failed: ${errorMessage(err)}` };
  }
  const controller = new AbortController();
  const onClientGone = (): void => controller.abort(new Error('client disconnected'));
  ctx.signal.addEventListener('abort', onClientGone, { once: true });
  let timedOut = false;
  const timer = endpoint.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort(new Error('timeout'))), endpoint.timeoutMs) : undefined;
  try {
    const result = await transport.send({
      id,
      hook: endpoint.info,
      event: 'pre_request',
      attempt: 1,
      body,
      headers: deliveryHeaders(endpoint, id, 'pre_request', 1, body, deps.clock.now(), deps.userAgent),
      signal: controller.signal,
      maxReplyBytes: deps.maxReplyBytes,
    });
    if (result.status < 200 || result.status >= 300) return { kind: 'failed', reason: `receiver answered ${result.status}`, status: result.status };
    if (result.replyInvalid === true || result.reply === undefined) return { kind: 'failed', reason: 'reply is not valid JSON', status: result.status };
    return { kind: 'reply', reply: result.reply };
  } catch (err) {
    if (ctx.signal.aborted && !timedOut) return { kind: 'aborted' };
    return { kind: 'failed', reason: timedOut ? `timed out after ${endpoint.timeoutMs} ms` : errorMessage(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientGone);
  }
}
