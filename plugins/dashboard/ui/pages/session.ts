import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { SessionDetail } from '../api-types.js';
import { Card, ErrorBox, Loading, Stats } from '../components/common.js';
import { RequestTable } from '../components/request-table.js';
import { type AppContext, isAdmin } from '../context.js';
import { formatCompact, formatDollars, formatInt, formatTime } from '../format.js';
import { Link, href } from '../router.js';
import { useApi } from '../use-api.js';

/** One session: its numbers and its requests. */
export function SessionPage(props: { readonly ctx: AppContext; readonly id: string }): VNode {
  const detail = useApi<SessionDetail>(`/api/sessions/${encodeURIComponent(props.id)}`);
  const s = detail.data?.session;
  return html`<div class="page">
    <nav class="breadcrumbs" aria-label="Breadcrumb"><${Link} to=${href('logs')}>Logs</${Link}>${' '}<span aria-hidden="true">›</span>${' '} <span>Session</span></nav>
    <div class="page-header"><div><h1>Session <span class="mono">${props.id}</span></h1>
      ${s ? html`<p class="lede">${isAdmin(props.ctx.me) ? html`${s.login} · ` : null}${formatTime(s.first_seen)} – ${formatTime(s.last_seen)}${s.models.length ? ` · ${s.models.join(', ')}` : ''}</p>` : null}
    </div></div>
    ${detail.error ? html`<${ErrorBox} error=${detail.error} />` : null}
    ${s ? html`<${Stats} items=${[
      { label: 'Requests', value: formatInt(s.requests) },
      { label: 'Tool calls', value: formatInt(s.tool_calls) },
      { label: 'Blocked', value: formatInt(s.blocked), kind: 'block' },
      { label: 'Stripped', value: formatInt(s.stripped), kind: 'strip' },
      { label: 'Tokens in / out', value: `${formatCompact(s.input_tokens)} / ${formatCompact(s.output_tokens)}` },
      { label: 'Cost', value: formatDollars(s.cost_dollars) },
    ]} />` : null}
    <${Card} title="Requests in this session">
      ${detail.data ? html`<${RequestTable} requests=${detail.data.requests} showUser=${false} caption="Requests in this session" />` : detail.error ? null : html`<${Loading} />`}
    </${Card}>
  </div>`;
}
