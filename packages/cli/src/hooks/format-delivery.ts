/** One request the hook receiver got, as the printer sees it. */
export interface ReceivedDelivery {
  /** Request path (with query). */
  readonly path: string;
  /** `x-tollgate-event` header (`pre_request`, `entire_request`, `tool_call_entire_request`). */
  readonly event?: string;
  /** `webhook-id` header: the delivery id (stable across retries). */
  readonly id?: string;
  /** `x-tollgate-attempt` header. */
  readonly attempt?: string;
  /** Raw body. */
  readonly raw: Buffer;
  /** When it arrived. */
  readonly receivedAt: Date;
}

/** How {@link formatDelivery} renders. */
export interface FormatOptions {
  /** ANSI colours (for a terminal). */
  readonly color: boolean;
  /** Also print the whole body as indented JSON. */
  readonly full: boolean;
}

const MAX_TEXT = 400;
const MAX_PARAMS = 2000;

type Paint = (code: number, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function sizeOf(value: unknown): string {
  const n = Buffer.byteLength(JSON.stringify(value) ?? '');
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} kB`;
}

function parse(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Lines for an Aperture `HookCallData` payload (one with `metadata`). */
function hookCallLines(body: Record<string, unknown>, paint: Paint): string[] {
  const meta = isObject(body.metadata) ? body.metadata : {};
  const field = (label: string, value: string): string => `  ${paint(2, label.padEnd(10))}${value}`;
  const str = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '-');
  const lines = [
    field('login', paint(1, str(meta.login_name))),
    field('session', str(meta.session_id)),
    field('request', `${str(meta.request_id)}  ${str(meta.url)}`),
    field('model', `${str(meta.model)} (provider ${str(meta.provider)})`),
  ];
  if (typeof body.user_message === 'string') lines.push(field('user', `"${clip(body.user_message, MAX_TEXT)}"`));
  const calls = Array.isArray(body.tool_calls) ? body.tool_calls : undefined;
  if (calls !== undefined) {
    if (calls.length === 0) lines.push(field('tool calls', 'none'));
    for (const call of calls) {
      const c = isObject(call) ? call : {};
      lines.push(field('tool call', `${paint(33, str(c.name))} ${clip(JSON.stringify(c.params ?? {}), MAX_PARAMS)}`));
    }
  }
  const decisions = Array.isArray(body.authorization_decisions) ? body.authorization_decisions : [];
  for (const d of decisions) {
    if (!isObject(d)) continue;
    const verdict = d.allowed === true ? paint(32, 'allow') : paint(31, 'deny');
    lines.push(field('decision', `${str(d.plugin)} ${str(d.subject)} ${verdict}${typeof d.reason === 'string' ? ` (${d.reason})` : ''}`));
  }
  const extras = ['request_body', 'response_body', 'raw_responses'].filter((k) => body[k] !== undefined);
  if (extras.length > 0) lines.push(field('also', extras.map((k) => `${k} (${sizeOf(body[k])})`).join(', ')));
  const others = Object.keys(meta).filter((k) => ['estimated_cost', 'grants', 'quotas'].includes(k));
  if (others.length > 0) lines.push(field('metadata', others.map((k) => `${k}=${clip(JSON.stringify(meta[k]), 200)}`).join(' ')));
  return lines;
}

/**
 * Renders one delivery for a terminal: a header line (time, event, delivery id, path), then for
 * an Aperture payload the caller, session, model, user message, tool calls and decisions; for
 * any other JSON body (a Slack-style message, say) the JSON itself; for anything else the text.
 */
export function formatDelivery(delivery: ReceivedDelivery, options: FormatOptions): string {
  const paint = painter(options.color);
  const time = delivery.receivedAt.toISOString().slice(11, 19);
  const attempt = delivery.attempt !== undefined && delivery.attempt !== '1' ? ` attempt ${delivery.attempt}` : '';
  const header = `${paint(2, time)} ${paint(36, delivery.event ?? 'POST')} ${delivery.path}${delivery.id === undefined ? '' : paint(2, `  ${delivery.id}`)}${attempt}`;
  const parsed = parse(delivery.raw);
  const lines = [header];
  if (!parsed.ok) {
    lines.push(`  ${paint(2, 'body'.padEnd(10))}${clip(delivery.raw.toString('utf8'), MAX_TEXT) || '(empty)'}`);
  } else if (isObject(parsed.value) && isObject(parsed.value.metadata)) {
    lines.push(...hookCallLines(parsed.value, paint));
  } else if (!options.full) {
    lines.push(...JSON.stringify(parsed.value, null, 2).split('\n').map((l) => `  ${l}`));
  }
  if (options.full && parsed.ok) lines.push(...JSON.stringify(parsed.value, null, 2).split('\n').map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}
