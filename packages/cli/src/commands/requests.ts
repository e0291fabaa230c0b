import { parseArgs } from 'node:util';
import type { CaptureStats, RequestDetail, RequestSummary } from '@tollgate/plugin-capture';
import type { Command } from './command.js';
import { COMMON_USAGE, FILTER_OPTIONS, type GatewayTarget, ReadApiError, TARGET_OPTIONS, gatewayTarget, getFromGateway, queryOf } from '../read-api/gateway-client.js';
import { cut, dollars, formatTable, shortCount, shortMs, shortTime } from '../read-api/format-table.js';

const USAGE = [
  'Usage: tollgate requests [options]          the captured requests, newest first',
  '       tollgate requests <id> [options]     one request: tool calls, decisions, headers and bodies',
  '       tollgate requests status [options]   the capture store: written, buffered, dropped, last purge (admins)',
  '',
  'Reads the running gateway\'s read API (GET /api/requests); admins see everyone, others their own traffic.',
  '',
  '      --tools-only        only requests with tool calls',
  '  -n, --limit <n>         rows (default 50, at most 500 per page)',
  '      --all               every page',
  ...COMMON_USAGE,
].join('\n');

function decisions(r: RequestSummary): string {
  const t = r.tool_calls;
  if (t.total === 0) return '-';
  const parts = [t.allow > 0 ? `${t.allow} allowed` : '', t.block > 0 ? `${t.block} blocked` : '', t.strip > 0 ? `${t.strip} stripped` : ''].filter(Boolean);
  return parts.join(', ');
}

/** The requests as a table. */
export function formatRequests(requests: readonly RequestSummary[]): string {
  if (requests.length === 0) return 'no captured requests match';
  return formatTable(
    [
      ['TIME (UTC)', 'USER', 'MODEL', 'FORMAT', 'STATUS', 'DURATION', 'TOKENS IN/OUT', 'TOOL CALLS', 'SESSION', 'ID'],
      ...requests.map((r) => [
        shortTime(r.time),
        cut(r.login, 28),
        cut(r.model ?? r.model_requested ?? '-', 24),
        `${r.format}${r.streamed ? ' (stream)' : ''}`,
        String(r.status),
        shortMs(r.duration_ms),
        `${shortCount(r.usage.input_tokens)}/${shortCount(r.usage.output_tokens)}`,
        decisions(r),
        cut(r.session_id ?? '-', 16),
        r.id,
      ]),
    ],
    new Set([4, 5]),
  );
}

/** One request in full. */
export function formatRequest(r: RequestDetail): string {
  const out = [
    `request ${r.id}`,
    `  time       ${shortTime(r.time)} UTC   ${shortMs(r.duration_ms)} (first byte ${shortMs(r.ttfb_ms)})`,
    `  caller     ${r.login}${r.display_name ? ` (${r.display_name})` : ''}${r.tags?.length ? `  tags ${r.tags.join(',')}` : ''}${r.node ? `  node ${r.node}` : ''}`,
    `  session    ${r.session_id ?? '-'}`,
    `  call       ${r.format}${r.streamed ? ' (stream)' : ''} ${r.path ?? ''}  ${r.user_agent ?? ''}`.trimEnd(),
    `  model      ${r.model ?? '-'} via ${r.provider ?? '-'}${r.model_requested && r.model_requested !== r.model ? ` (asked for ${r.model_requested})` : ''}`,
    `  status     ${r.status}${r.error_code ? `  ${r.error_code}: ${r.error_message ?? ''}` : ''}`,
    `  tokens     in ${r.usage.input_tokens} (cached ${r.usage.cached_tokens})  out ${r.usage.output_tokens} (reasoning ${r.usage.reasoning_tokens})  cost ${dollars(r.cost.dollars)}${r.cost.cost_basis ? ` (${r.cost.cost_basis})` : ''}`,
  ];
  if (r.user_message) out.push(`  message    ${cut(r.user_message.replace(/\s+/g, ' '), 200)}`);
  out.push('', r.tool_calls.length === 0 ? 'no tool calls' : 'tool calls');
  if (r.tool_calls.length > 0) {
    out.push(
      formatTable([
        ['#', 'TOOL', 'DECISION', 'BY', 'REASON', 'ARGUMENTS'],
        ...r.tool_calls.map((c) => [String(c.index), c.kind === 'function' ? c.name : `${c.name} (${c.kind})`, c.decision, c.decided_by ?? '-', cut(c.reason ?? '-', 60), cut(JSON.stringify(c.arguments), 80)]),
      ]),
    );
  }
  if (r.decisions.length > 0) {
    out.push('', 'policy decisions');
    out.push(formatTable([['PLUGIN', 'SUBJECT', 'ALLOWED', 'REASON', 'TIME'], ...r.decisions.map((d) => [d.plugin, d.subject, d.allowed ? 'yes' : 'no', d.reason ?? '-', shortMs(d.duration_ms)])]));
  }
  out.push('', r.request_body === null ? 'bodies: not kept (retention)' : 'bodies: kept (tollgate requests <id> --json shows them)');
  return out.join('\n');
}

/** The capture store's counters. */
export function formatCaptureStats(s: CaptureStats): string {
  const w = s.writer;
  const retention = s.retention.keepCaptures ? (s.retention.maxAgeMs === null ? 'forever' : `${Math.round(s.retention.maxAgeMs / 3_600_000)}h`) : 'bodies not kept';
  return [
    `capture store ${s.store.dialect} ${s.store.location}`,
    `  written     ${w.written}`,
    `  buffered    ${w.buffered} (${w.bufferedBytes} bytes)`,
    `  dropped     ${w.dropped}${w.dropped > 0 ? ` (overflow ${w.droppedBy.overflow}, rejected ${w.droppedBy.rejected}, at shutdown ${w.droppedBy.closed})` : ''}`,
    `  store       ${w.healthy ? 'healthy' : `failing: ${w.lastError ?? ''}`} (${w.failedWrites} failed writes so far)`,
    `  retention   ${retention}${s.retention.purgeTools ? ', tool calls purged too' : ''}`,
    `  last purge  ${s.lastPurge === null ? '-' : `${new Date(s.lastPurge.at).toISOString()}: ${s.lastPurge.payloads} captures, ${s.lastPurge.toolCalls} tool calls`}`,
    `  unidentified requests not captured: ${s.unidentified}`,
    '(counters of the gateway process that answered; with --workers each worker has its own)',
  ].join('\n');
}

async function list(target: GatewayTarget, values: Record<string, string | boolean | undefined>): Promise<number> {
  const limit = values.limit as string | undefined;
  const base = {
    user: values.user as string | undefined,
    model: values.model as string | undefined,
    provider: values.provider as string | undefined,
    tool: values.tool as string | undefined,
    decision: values.decision as string | undefined,
    session: values.session as string | undefined,
    status: values.status as string | undefined,
    since: values.since as string | undefined,
    until: values.until as string | undefined,
    has_tool_calls: values['tools-only'] === true ? 'true' : undefined,
    limit: values.all === true ? (limit ?? '500') : limit,
  };
  const all: RequestSummary[] = [];
  const csv: string[] = [];
  let cursor: string | undefined;
  do {
    const path = `/api/requests${queryOf({ ...base, cursor })}`;
    if (values.csv === true) {
      const page = await getFromGateway<string>(target, path, 'text/csv');
      csv.push(csv.length === 0 ? page.text : page.text.split('\r\n').slice(1).join('\r\n'));
      cursor = page.headers.get('x-next-cursor') ?? undefined;
    } else {
      const page = await getFromGateway<{ requests: RequestSummary[]; next_cursor: string | null }>(target, path);
      all.push(...page.body.requests);
      cursor = page.body.next_cursor ?? undefined;
    }
  } while (values.all === true && cursor !== undefined);
  if (values.csv === true) process.stdout.write(csv.join(''));
  else if (values.json === true) process.stdout.write(`${JSON.stringify({ requests: all, next_cursor: cursor ?? null }, null, 2)}\n`);
  else process.stdout.write(`${formatRequests(all)}\n${cursor === undefined ? '' : '(more: --all, or --limit)\n'}`);
  return 0;
}

/** `tollgate requests`: what agents did, from the running gateway's read API. */
export const requestsCommand: Command = {
  name: 'requests',
  summary: 'list captured requests with their tool calls and decisions (reads the running gateway)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...TARGET_OPTIONS, ...FILTER_OPTIONS, 'tools-only': { type: 'boolean' }, limit: { type: 'string', short: 'n' }, all: { type: 'boolean' } },
    });
    const target = await gatewayTarget({ url: values.url, config: values.config, apiKey: values['api-key'] });
    try {
      const [first] = positionals;
      if (first === 'status') {
        const { body } = await getFromGateway<CaptureStats>(target, '/api/capture');
        process.stdout.write(values.json === true ? `${JSON.stringify(body, null, 2)}\n` : `${formatCaptureStats(body)}\n`);
        return 0;
      }
      if (first !== undefined) {
        const { body } = await getFromGateway<{ request: RequestDetail }>(target, `/api/requests/${encodeURIComponent(first)}`);
        process.stdout.write(values.json === true ? `${JSON.stringify(body, null, 2)}\n` : `${formatRequest(body.request)}\n`);
        return 0;
      }
      return await list(target, values);
    } catch (err) {
      if (!(err instanceof ReadApiError)) throw err;
      process.stderr.write(`tollgate requests: ${err.message}\n`);
      return 1;
    }
  },
};
