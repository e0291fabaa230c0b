import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { withQuery } from '../api.js';
import type { RequestSummary, SessionSummary } from '../api-types.js';
import { Card, ErrorBox, LoadMore, Loading } from '../components/common.js';
import { Filters, periodOf } from '../components/filters.js';
import { RequestTable } from '../components/request-table.js';
import { type AppContext, isAdmin } from '../context.js';
import { formatCompact, formatDollars, formatInt, formatTime } from '../format.js';
import { Link, href } from '../router.js';
import { usePaged } from '../use-paged.js';

/** Tabs of the Logs page. */
function LogsTabs(props: { readonly current: 'sessions' | 'requests'; readonly query: URLSearchParams }): VNode {
  const qs = props.query.toString();
  const to = (p: string): string => `${href(p)}${qs ? `?${qs}` : ''}`;
  return html`<nav class="tabs" aria-label="Logs views">
    <${Link} to=${to('logs')} class="tab" current=${props.current === 'sessions'}>Sessions</${Link}>
    <${Link} to=${to('logs/requests')} class="tab" current=${props.current === 'requests'}>All requests</${Link}>
  </nav>`;
}

/** Logs: sessions (conversations), newest first; each opens its requests. */
export function LogsPage(props: { readonly ctx: AppContext; readonly query: URLSearchParams }): VNode {
  const { ctx, query } = props;
  const admin = isAdmin(ctx.me);
  const { since, until } = periodOf(query);
  const list = usePaged<SessionSummary>(withQuery('/api/sessions', { limit: 50, user: admin ? query.get('user') : null, model: query.get('model'), since, until }), 'sessions');
  return html`<div class="page">
    <div class="page-header"><div><h1>Logs</h1><p class="lede">Sessions, their requests, and every request in full: headers, bodies, tool calls and decisions.</p></div></div>
    <${LogsTabs} current="sessions" query=${query} />
    <${Filters} query=${query} fields=${admin ? ['user', 'model', 'period'] : ['model', 'period']} />
    <${Card} title="Sessions">
      ${list.error ? html`<${ErrorBox} error=${list.error} />` : null}
      ${list.items.length === 0 && list.loading ? html`<${Loading} />` : list.items.length === 0 ? html`<p class="muted">No sessions in this period.</p>` : html`<div class="table-wrap"><table class="table">
        <caption class="visually-hidden">Sessions</caption>
        <thead><tr>
          <th scope="col">Session</th>${admin ? html`<th scope="col">User</th>` : null}<th scope="col">Last seen</th><th scope="col" class="num">Requests</th>
          <th scope="col" class="num">Tool calls</th><th scope="col" class="num">Blocked</th><th scope="col" class="num">Stripped</th><th scope="col">Models</th>
          <th scope="col" class="num">Tokens in / out</th><th scope="col" class="num">Cost</th>
        </tr></thead>
        <tbody>${list.items.map((s) => html`<tr>
          <td><${Link} to=${href('logs/sessions', s.id)} class="mono">${s.id}</${Link}></td>
          ${admin ? html`<td>${s.login}</td>` : null}
          <td>${formatTime(s.last_seen)}</td>
          <td class="num">${formatInt(s.requests)}</td>
          <td class="num">${formatInt(s.tool_calls)}</td>
          <td class="num">${s.blocked > 0 ? html`<span class="badge badge-block">${formatInt(s.blocked)}</span>` : '0'}</td>
          <td class="num">${s.stripped > 0 ? html`<span class="badge badge-strip">${formatInt(s.stripped)}</span>` : '0'}</td>
          <td>${s.models.join(', ')}</td>
          <td class="num">${formatCompact(s.input_tokens)} / ${formatCompact(s.output_tokens)}</td>
          <td class="num">${formatDollars(s.cost_dollars)}</td>
        </tr>`)}</tbody>
      </table></div>`}
      <${LoadMore} hasMore=${list.hasMore} loading=${list.loading} onClick=${list.loadMore} />
    </${Card}>
  </div>`;
}

/** Logs, every request (also those outside a session), newest first. */
export function RequestsPage(props: { readonly ctx: AppContext; readonly query: URLSearchParams }): VNode {
  const { ctx, query } = props;
  const admin = isAdmin(ctx.me);
  const { since, until } = periodOf(query);
  const filters = { user: admin ? query.get('user') : null, model: query.get('model'), tool: query.get('tool'), decision: query.get('decision'), since, until };
  const list = usePaged<RequestSummary>(withQuery('/api/requests', { limit: 50, ...filters }), 'requests');
  return html`<div class="page">
    <div class="page-header"><div><h1>Logs</h1><p class="lede">Every request, newest first.</p></div></div>
    <${LogsTabs} current="requests" query=${query} />
    <${Filters} query=${query} fields=${admin ? ['user', 'model', 'tool', 'decision', 'period'] : ['model', 'tool', 'decision', 'period']} />
    <${Card} title="Requests">
      ${list.error ? html`<${ErrorBox} error=${list.error} />` : null}
      ${list.items.length === 0 && list.loading ? html`<${Loading} />` : html`<${RequestTable} requests=${list.items} showUser=${admin} showSession=${true} caption="Requests" />`}
      <${LoadMore} hasMore=${list.hasMore} loading=${list.loading} onClick=${list.loadMore} />
    </${Card}>
  </div>`;
}
