import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import type { ApiError } from '../api.js';
import type { DecisionCounts } from '../api-types.js';
import { decisionLabel, formatInt } from '../format.js';

/** A polite "loading" line. */
export function Loading(): VNode {
  return html`<p class="muted" role="status">Loading…</p>`;
}

/** An API error as an alert (its title and detail are server text, shown as text). */
export function ErrorBox(props: { readonly error: ApiError; readonly what?: string }): VNode {
  const { error } = props;
  return html`<div class="alert alert-error" role="alert">
    <strong>${props.what ?? 'Could not load this page'}</strong>${error.status ? html` <span class="muted">(HTTP ${error.status})</span>` : null}:
    ${' '}${error.detail ?? error.title}
  </div>`;
}

/** One decision as a badge: allowed (green), blocked (red), stripped (amber). */
export function DecisionBadge(props: { readonly decision: string; readonly count?: number }): VNode {
  const label = decisionLabel(props.decision);
  return html`<span class=${`badge badge-${props.decision}`}>${props.count === undefined ? label : `${formatInt(props.count)} ${label}`}</span>`;
}

/** Counts by decision as badges, zeros left out (and "none" when all are zero). */
export function DecisionBadges(props: { readonly counts: DecisionCounts }): VNode {
  const { allow, block, strip } = props.counts;
  if (allow + block + strip === 0) return html`<span class="muted">none</span>`;
  return html`<span class="badges">
    ${allow > 0 ? html`<${DecisionBadge} decision="allow" count=${allow} />` : null}
    ${block > 0 ? html`<${DecisionBadge} decision="block" count=${block} />` : null}
    ${strip > 0 ? html`<${DecisionBadge} decision="strip" count=${strip} />` : null}
  </span>`;
}

/** A horizontal bar split by decision, for tables (decorative: the numbers sit next to it). */
export function DecisionBar(props: { readonly counts: DecisionCounts; readonly max: number }): VNode {
  const { allow, block, strip } = props.counts;
  const pct = (n: number): string => `${props.max > 0 ? (n / props.max) * 100 : 0}%`;
  return html`<span class="decision-bar" aria-hidden="true">
    <span class="seg seg-allow" style=${{ width: pct(allow) }}></span><span class="seg seg-block" style=${{ width: pct(block) }}></span><span class="seg seg-strip" style=${{ width: pct(strip) }}></span>
  </span>`;
}

/** A row of headline numbers. */
export function Stats(props: { readonly items: readonly { label: string; value: string; kind?: string }[] }): VNode {
  return html`<dl class="stats">
    ${props.items.map((i) => html`<div class=${`stat ${i.kind ? `stat-${i.kind}` : ''}`}><dt>${i.label}</dt><dd>${i.value}</dd></div>`)}
  </dl>`;
}

/** A titled card. */
export function Card(props: { readonly title: string; readonly actions?: ComponentChildren; readonly children?: ComponentChildren; readonly id?: string }): VNode {
  const headingId = `${props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return html`<section class="card" aria-labelledby=${headingId}>
    <header class="card-header"><h2 id=${headingId}>${props.title}</h2>${props.actions ? html`<div class="card-actions">${props.actions}</div>` : null}</header>
    ${props.children}
  </section>`;
}

/** Text in a scrollable monospace block (bodies, arguments). */
export function CodeBlock(props: { readonly text: string; readonly label?: string }): VNode {
  if (props.text === '') return html`<p class="muted">empty</p>`;
  return html`<pre class="code" tabindex="0" aria-label=${props.label}>${props.text}</pre>`;
}

/** A two-column table of header names and values. */
export function HeadersTable(props: { readonly headers: Readonly<Record<string, string | readonly string[]>> | null; readonly label: string }): VNode {
  const entries = Object.entries(props.headers ?? {});
  if (entries.length === 0) return html`<p class="muted">none recorded</p>`;
  return html`<table class="table kv">
    <caption class="visually-hidden">${props.label}</caption>
    <thead><tr><th scope="col">Header</th><th scope="col">Value</th></tr></thead>
    <tbody>${entries.map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td><code>${Array.isArray(v) ? v.join(', ') : String(v)}</code></td></tr>`)}</tbody>
  </table>`;
}

/** "Load more" under a paged list. */
export function LoadMore(props: { readonly hasMore: boolean; readonly loading: boolean; readonly onClick: () => void }): VNode | null {
  if (!props.hasMore) return null;
  return html`<p class="load-more"><button type="button" class="button" disabled=${props.loading} onClick=${props.onClick}>${props.loading ? 'Loading…' : 'Load more'}</button></p>`;
}
