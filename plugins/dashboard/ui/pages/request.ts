import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { RequestDetail } from '../api-types.js';
import { Card, CodeBlock, DecisionBadge, ErrorBox, HeadersTable, Loading } from '../components/common.js';
import { type AppContext, isAdmin } from '../context.js';
import { formatBody, formatDollars, formatInt, formatMs, formatTime } from '../format.js';
import { Link, href } from '../router.js';
import { useApi } from '../use-api.js';

/** A definition-list row, left out when the value is empty. */
function row(label: string, value: unknown): VNode | null {
  if (value === null || value === undefined || value === '') return null;
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** One request in full: summary, user message, tool calls, decisions, headers and bodies. */
export function RequestPage(props: { readonly ctx: AppContext; readonly id: string }): VNode {
  const detail = useApi<{ request: RequestDetail }>(`/api/requests/${encodeURIComponent(props.id)}`);
  const r = detail.data?.request;
  const crumbs = html`<nav class="breadcrumbs" aria-label="Breadcrumb">
    <${Link} to=${href('logs')}>Logs</${Link}>${' '}<span aria-hidden="true">›</span>${' '}
    ${r?.session_id ? html`<${Link} to=${href('logs/sessions', r.session_id)}>Session <span class="mono">${r.session_id}</span></${Link}>${' '}<span aria-hidden="true">›</span>${' '} ` : null}
    <span>Request</span>
  </nav>`;
  if (r === undefined) {
    return html`<div class="page">${crumbs}<h1>Request <span class="mono">${props.id}</span></h1>${detail.error ? html`<${ErrorBox} error=${detail.error} />` : html`<${Loading} />`}</div>`;
  }
  const clientBody = formatBody(r.client_response_body);
  const responseBody = formatBody(r.response_body);
  return html`<div class="page">
    ${crumbs}
    <div class="page-header"><div><h1>Request <span class="mono">${r.id}</span></h1><p class="lede">${formatTime(r.time)}</p></div></div>
    <${Card} title="Summary">
      <dl class="details">
        ${row('User', isAdmin(props.ctx.me) || r.display_name ? `${r.display_name ? `${r.display_name} ` : ''}(${r.login})` : r.login)}
        ${row('Tags', r.tags?.join(', '))}
        ${row('Session', r.session_id ? html`<${Link} to=${href('logs/sessions', r.session_id)} class="mono">${r.session_id}</${Link}>` : null)}
        ${row('API format', r.format)}
        ${row('Path', r.path ? html`<code>${r.path}</code>` : null)}
        ${row('Model requested', r.model_requested)}
        ${row('Model', r.model)}
        ${row('Provider', r.provider)}
        ${row('Status', r.status === null ? null : `${r.status}${r.error_code ? ` (${r.error_code})` : ''}`)}
        ${row('Streamed', r.streamed ? 'yes' : 'no')}
        ${row('Duration', formatMs(r.duration_ms))}
        ${row('Time to first byte', formatMs(r.ttfb_ms))}
        ${row('Tokens', r.usage ? `${formatInt(r.usage.input_tokens)} in, ${formatInt(r.usage.output_tokens)} out, ${formatInt(r.usage.cached_tokens)} cached, ${formatInt(r.usage.reasoning_tokens)} reasoning` : null)}
        ${row('Cost', r.cost?.dollars === null || r.cost === null ? 'unknown (no pricing)' : `${formatDollars(r.cost.dollars)}${r.cost.cost_basis ? ` (${r.cost.cost_basis})` : ''}`)}
        ${row('User agent', r.user_agent)}
      </dl>
      ${r.error_message ? html`<div class="alert alert-error" role="note"><strong>Error:</strong> ${r.error_message}</div>` : null}
    </${Card}>
    ${r.user_message ? html`<${Card} title="User message"><${CodeBlock} text=${r.user_message} label="User message" /></${Card}>` : null}
    <${Card} title=${`Tool calls (${r.tool_calls.length})`} id="tool-calls">
      ${r.tool_calls.length === 0 ? html`<p class="muted">The model made no tool call.</p>` : html`<ol class="tool-calls">
        ${r.tool_calls.map((c) => html`<li class="tool-call">
          <div class="tool-call-head">
            <span class="mono tool-name">${c.name}</span>
            <${DecisionBadge} decision=${c.decision} />
            ${c.decided_by ? html`<span class="muted">by ${c.decided_by}</span>` : null}
            ${c.decision_ms !== null ? html`<span class="muted">in ${formatMs(c.decision_ms)}</span>` : null}
          </div>
          ${c.reason ? html`<p class="reason">${c.reason}</p>` : null}
          <${CodeBlock} text=${formatBody(c.arguments)} label=${`Arguments of ${c.name}`} />
        </li>`)}
      </ol>`}
    </${Card}>
    <${Card} title=${`Decisions (${r.decisions.length})`} id="decisions">
      ${r.decisions.length === 0 ? html`<p class="muted">No policy decision was recorded.</p>` : html`<div class="table-wrap"><table class="table">
        <caption class="visually-hidden">Decisions</caption>
        <thead><tr><th scope="col">Plugin</th><th scope="col">Subject</th><th scope="col">Decision</th><th scope="col">Reason</th><th scope="col" class="num">Time</th></tr></thead>
        <tbody>${r.decisions.map((d) => html`<tr>
          <td>${d.plugin}</td><td class="mono">${d.subject}</td>
          <td>${d.allowed ? html`<span class="badge badge-allow">allowed</span>` : html`<span class="badge badge-block">denied</span>`}</td>
          <td>${d.reason ?? ''}</td><td class="num">${formatMs(d.duration_ms)}</td>
        </tr>`)}</tbody>
      </table></div>`}
    </${Card}>
    <div class="grid-2">
      <${Card} title="Request headers"><${HeadersTable} headers=${r.request_headers} label="Request headers" /></${Card}>
      <${Card} title="Response headers"><${HeadersTable} headers=${r.response_headers} label="Response headers" /></${Card}>
    </div>
    <${Card} title="Request body"><${CodeBlock} text=${formatBody(r.request_body)} label="Request body" /></${Card}>
    <${Card} title="Response body"><${CodeBlock} text=${responseBody} label="Response body" /></${Card}>
    ${clientBody !== '' && clientBody !== responseBody
      ? html`<${Card} title="Response sent to the client"><p class="muted">Differs from the provider's response (a tool call was blocked or stripped).</p><${CodeBlock} text=${clientBody} label="Response sent to the client" /></${Card}>`
      : null}
  </div>`;
}
