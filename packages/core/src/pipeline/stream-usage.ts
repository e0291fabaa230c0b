import type { FormatAdapter } from '../formats/format-adapter.js';
import type { ResolvedProvider } from '../providers/provider-registry.js';
import type { RequestContextImpl } from './request-context-impl.js';

/**
 * Asks the provider for a stream's token usage when the client did not (the format's
 * `streamUsage`, e.g. OpenAI chat's `stream_options.include_usage`), unless the provider's
 * `stream_usage` is `false`; changes what `ctx` forwards (splicing the client's bytes when
 * nothing else changed them). Called once the `onRequest` taps ran, so that a replaced body is
 * asked for too. Returns true when it asked: the relay then hides what the provider adds because
 * of it (`StreamAssemblerOptions.hideUsage`).
 */
export function askStreamUsage(ctx: RequestContextImpl, adapter: FormatAdapter, provider: ResolvedProvider): boolean {
  const usage = adapter.streamUsage;
  if (!ctx.stream || usage === undefined || provider.config.stream_usage === false) return false;
  const body = usage.request(ctx.body);
  if (body === undefined) return false;
  const raw = ctx.unchangedBytes;
  ctx.forwardInstead(body, raw === undefined ? undefined : usage.requestBytes?.(raw, ctx.body));
  return true;
}
