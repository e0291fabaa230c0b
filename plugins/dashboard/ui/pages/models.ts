import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ModelList } from '../api-types.js';
import { Card, ErrorBox, Loading } from '../components/common.js';
import type { AppContext } from '../context.js';
import { formatDollars } from '../format.js';
import { useApi } from '../use-api.js';

/** `$3.00` per million tokens, or "unknown". */
function price(n: number | null | undefined): string {
  return n === null || n === undefined ? 'unknown' : formatDollars(n);
}

/** Models: provider, API compatibility, whether the caller may use it, pricing when known. */
export function ModelsPage(_props: { readonly ctx: AppContext }): VNode {
  const models = useApi<ModelList>('/api/models');
  const list = models.data?.models ?? [];
  return html`<div class="page">
    <div class="page-header"><div><h1>Models</h1><p class="lede">The models this gateway routes, and which of them you may use.</p></div></div>
    <${Card} title="Models">
      ${models.error ? html`<${ErrorBox} error=${models.error} />` : models.data === undefined ? html`<${Loading} />` : list.length === 0 ? html`<p class="muted">No models are configured.</p>` : html`<div class="table-wrap"><table class="table">
        <caption class="visually-hidden">Models</caption>
        <thead><tr>
          <th scope="col">Model</th><th scope="col">Provider</th><th scope="col">API compatibility</th><th scope="col">You may use it</th>
          <th scope="col" class="num">Input / 1M tokens</th><th scope="col" class="num">Output / 1M tokens</th>
        </tr></thead>
        <tbody>${list.map((m) => html`<tr>
          <td class="mono">${m.id}</td>
          <td>${m.provider_name || m.provider}${m.provider_name && m.provider_name !== m.provider ? html` <span class="muted">(${m.provider})</span>` : null}</td>
          <td>${m.compatibility.length ? html`<span class="badges">${m.compatibility.map((c) => html`<span class="tag">${c}</span>`)}</span>` : html`<span class="muted">—</span>`}</td>
          <td>${m.allowed ? html`<span class="badge badge-allow">yes</span>` : html`<span class="badge badge-block">no</span>`}</td>
          <td class="num">${price(m.pricing?.input_per_mtok)}</td>
          <td class="num">${price(m.pricing?.output_per_mtok)}</td>
        </tr>`)}</tbody>
      </table></div>`}
    </${Card}>
  </div>`;
}
