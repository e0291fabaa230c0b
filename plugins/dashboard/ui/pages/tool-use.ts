import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { withQuery } from '../api.js';
import type { DashboardSettings, RequestList, ToolUse } from '../api-types.js';
import { Card, DecisionBar, DecisionBadges, ErrorBox, Loading, Stats } from '../components/common.js';
import { Filters, periodOf } from '../components/filters.js';
import { ToolHistogram } from '../components/histogram.js';
import { RequestTable } from '../components/request-table.js';
import { type AppContext, isAdmin, safeExternalUrl } from '../context.js';
import { formatInt } from '../format.js';
import { Link, href } from '../router.js';
import { useApi } from '../use-api.js';

/** Hours in a period below which the histogram is per hour. */
const HOURLY_UP_TO_HOURS = 48;

/** Hours a `since`/`until` pair spans (relative `24h`, `7d` or ISO dates). */
export function periodHours(since: string, until: string | undefined): number {
  const rel = /^(\d+)([hd])$/.exec(since);
  if (rel !== null) return Number(rel[1]) * (rel[2] === 'd' ? 24 : 1);
  const from = Date.parse(since);
  const to = until === undefined ? Date.now() : Date.parse(until);
  return Number.isNaN(from) || Number.isNaN(to) ? Infinity : (to - from) / 3_600_000;
}

/** The period a `since`/`until` pair covers, in epoch seconds (until defaults to now). */
export function periodRange(since: string, until: string | undefined, now = Date.now()): { from: number; to: number } | undefined {
  const to = until === undefined ? now : Date.parse(until);
  const from = Number.isFinite(periodHours(since, until)) ? to - periodHours(since, until) * 3_600_000 : NaN;
  return Number.isNaN(from) || Number.isNaN(to) ? undefined : { from: from / 1000, to: (until === undefined ? to : to - 1) / 1000 };
}

/**
 * The "View Tool Use in Oso" button and whether Oso is connected (read on every visit, so a
 * hook just added in Settings shows at once). The button is there before Oso is connected too:
 * the seed's first step is to open Oso from here to get an API key.
 */
function OsoPanel(props: { readonly ctx: AppContext }): VNode {
  const settings = useApi<DashboardSettings>('/api/dashboard');
  const oso = settings.data?.oso;
  const url = safeExternalUrl(oso?.dashboard_url);
  return html`<aside class="oso-panel" aria-label="Oso">
    <a class="button button-primary" href=${url} target="_blank" rel="noopener noreferrer">View Tool Use in Oso</a>
    ${settings.data === undefined && settings.error === undefined ? null : oso?.configured
      ? html`<p class="oso-status oso-on"><span class="dot" aria-hidden="true"></span>Tool use is sent to Oso through the hook <code>${oso.hook}</code>.</p>`
      : html`<p class="oso-status">
          Oso is not connected yet: sign in to Oso (or sign up) and create an API key, then add the <code>oso</code> hook and a grant
          ${isAdmin(props.ctx.me) ? html` in <${Link} to=${href('settings/json-editor')}>Settings → JSON editor</${Link}>` : ' (an admin does this in Settings)'}.
        </p>`}
  </aside>`;
}

/** The Tool Use page: tool calls over time, by tool and by session, with their decisions. */
export function ToolUsePage(props: { readonly ctx: AppContext; readonly query: URLSearchParams }): VNode {
  const { ctx, query } = props;
  const admin = isAdmin(ctx.me);
  const { since, until } = periodOf(query);
  const filters = {
    user: admin ? query.get('user') : null,
    model: query.get('model'),
    tool: query.get('tool'),
    decision: query.get('decision'),
    since,
    until,
  };
  const unit = periodHours(since, until) <= HOURLY_UP_TO_HOURS ? 'hour' : 'day';
  const overTime = useApi<ToolUse>(withQuery('/api/tool-use', { group_by: unit, ...filters }));
  const byTool = useApi<ToolUse>(withQuery('/api/tool-use', { group_by: 'tool', ...filters }));
  const bySession = useApi<ToolUse>(withQuery('/api/tool-use', { group_by: 'session', ...filters }));
  const byUser = useApi<ToolUse>(admin ? withQuery('/api/tool-use', { group_by: 'user', since, until }) : null);
  const recent = useApi<RequestList>(withQuery('/api/requests', { limit: 100, ...filters }));

  const tools = byTool.data?.groups ?? [];
  const totals = tools.reduce((t, g) => ({ total: t.total + g.total, allow: t.allow + g.allow, block: t.block + g.block, strip: t.strip + g.strip }), { total: 0, allow: 0, block: 0, strip: 0 });
  const maxTool = Math.max(0, ...tools.map((g) => g.total));
  const sessions = bySession.data?.groups ?? [];
  const maxSession = Math.max(0, ...sessions.map((g) => g.total));
  const withTools = (recent.data?.requests ?? []).filter((r) => r.tool_calls.total > 0);
  const toolLink = (tool: string): string => {
    const q = new URLSearchParams(query);
    q.set('tool', tool);
    return `${href('tool-use')}?${q.toString()}`;
  };

  return html`<div class="page">
    <div class="page-header">
      <div>
        <h1>Tool Use</h1>
        <p class="lede">Every tool call the models made through this gateway, and what was decided about it.</p>
      </div>
      <${OsoPanel} ctx=${ctx} />
    </div>
    <${Filters} query=${query} fields=${admin ? ['user', 'model', 'tool', 'decision', 'period'] : ['model', 'tool', 'decision', 'period']}
      suggestions=${{ tool: tools.map((g) => g.key), user: (byUser.data?.groups ?? []).map((g) => g.key) }} />
    ${byTool.error ? html`<${ErrorBox} error=${byTool.error} />` : null}
    <${Stats} items=${[
      { label: 'Tool calls', value: formatInt(totals.total) },
      { label: 'Allowed', value: formatInt(totals.allow), kind: 'allow' },
      { label: 'Blocked', value: formatInt(totals.block), kind: 'block' },
      { label: 'Stripped', value: formatInt(totals.strip), kind: 'strip' },
    ]} />
    <${Card} title="Tool calls over time">
      ${overTime.error ? html`<${ErrorBox} error=${overTime.error} />` : overTime.data ? html`<${ToolHistogram} groups=${overTime.data.groups} unit=${unit} range=${periodRange(since, until)} />` : html`<${Loading} />`}
    </${Card}>
    <div class="grid-2">
      <${Card} title="By tool">
        ${byTool.data === undefined && !byTool.error ? html`<${Loading} />` : tools.length === 0 ? html`<p class="muted">No tool calls.</p>` : html`<div class="table-wrap"><table class="table">
          <caption class="visually-hidden">Tool calls by tool</caption>
          <thead><tr><th scope="col">Tool</th><th scope="col" class="num">Calls</th><th scope="col">Decisions</th><th scope="col" class="bar-col"><span class="visually-hidden">Share</span></th></tr></thead>
          <tbody>${tools.map((g) => html`<tr>
            <td><${Link} to=${toolLink(g.key)} class="mono">${g.key}</${Link}></td>
            <td class="num">${formatInt(g.total)}</td>
            <td><${DecisionBadges} counts=${g} /></td>
            <td class="bar-col"><${DecisionBar} counts=${g} max=${maxTool} /></td>
          </tr>`)}</tbody>
        </table></div>`}
      </${Card}>
      <${Card} title="By session">
        ${bySession.error ? html`<${ErrorBox} error=${bySession.error} />` : bySession.data === undefined ? html`<${Loading} />` : sessions.length === 0 ? html`<p class="muted">No sessions with tool calls.</p>` : html`<div class="table-wrap"><table class="table">
          <caption class="visually-hidden">Tool calls by session</caption>
          <thead><tr><th scope="col">Session</th><th scope="col" class="num">Calls</th><th scope="col">Decisions</th><th scope="col" class="bar-col"><span class="visually-hidden">Share</span></th></tr></thead>
          <tbody>${sessions.map((g) => html`<tr>
            <td>${g.key ? html`<${Link} to=${href('logs/sessions', g.key)} class="mono">${g.key}</${Link}>` : html`<span class="muted">no session</span>`}</td>
            <td class="num">${formatInt(g.total)}</td>
            <td><${DecisionBadges} counts=${g} /></td>
            <td class="bar-col"><${DecisionBar} counts=${g} max=${maxSession} /></td>
          </tr>`)}</tbody>
        </table></div>`}
      </${Card}>
    </div>
    <${Card} title="Recent requests with tool calls">
      ${recent.error ? html`<${ErrorBox} error=${recent.error} />` : recent.data === undefined ? html`<${Loading} />` : html`<${RequestTable} requests=${withTools} showUser=${admin} showSession=${true} caption="Recent requests with tool calls" />`}
    </${Card}>
  </div>`;
}
