import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { RequestSummary } from '../api-types.js';
import { formatCompact, formatDollars, formatMs, formatTime } from '../format.js';
import { Link, href } from '../router.js';
import { DecisionBadges } from './common.js';

/** Props of {@link RequestTable}. */
export interface RequestTableProps {
  readonly requests: readonly RequestSummary[];
  /** Show the user column (admins). */
  readonly showUser: boolean;
  /** Show the session column. */
  readonly showSession?: boolean;
  /** Accessible caption. */
  readonly caption: string;
}

/** Requests as a table; each row links to the request's page. */
export function RequestTable(props: RequestTableProps): VNode {
  if (props.requests.length === 0) return html`<p class="muted">No requests.</p>`;
  return html`<div class="table-wrap"><table class="table">
    <caption class="visually-hidden">${props.caption}</caption>
    <thead><tr>
      <th scope="col">Time</th>
      ${props.showUser ? html`<th scope="col">User</th>` : null}
      <th scope="col">Model</th>
      ${props.showSession ? html`<th scope="col">Session</th>` : null}
      <th scope="col">Status</th>
      <th scope="col" class="num">Duration</th>
      <th scope="col" class="num">Tokens in / out</th>
      <th scope="col" class="num">Cost</th>
      <th scope="col">Tool calls</th>
    </tr></thead>
    <tbody>${props.requests.map(
      (r) => html`<tr>
        <td><${Link} to=${href('logs/requests', r.id)}>${formatTime(r.time)}</${Link}></td>
        ${props.showUser ? html`<td>${r.display_name || r.login}</td>` : null}
        <td>${r.model ?? r.model_requested ?? '—'}${r.provider ? html` <span class="muted">(${r.provider})</span>` : null}</td>
        ${props.showSession ? html`<td>${r.session_id ? html`<${Link} to=${href('logs/sessions', r.session_id)} class="mono">${r.session_id}</${Link}>` : html`<span class="muted">—</span>`}</td>` : null}
        <td>${r.status ?? '—'}${r.error_code ? html` <span class="muted">${r.error_code}</span>` : null}${r.streamed ? html` <span class="tag">stream</span>` : null}</td>
        <td class="num">${formatMs(r.duration_ms)}</td>
        <td class="num">${formatCompact(r.usage?.input_tokens)} / ${formatCompact(r.usage?.output_tokens)}</td>
        <td class="num">${formatDollars(r.cost?.dollars)}</td>
        <td><${DecisionBadges} counts=${r.tool_calls} /></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}
