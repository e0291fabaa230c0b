import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, downloadCsv, withQuery } from '../api.js';
import type { Usage, UsageGroup } from '../api-types.js';
import { Card, ErrorBox, Loading, Stats } from '../components/common.js';
import { Filters, periodOf } from '../components/filters.js';
import { QuotaBuckets } from '../components/quota-buckets.js';
import { type AppContext, isAdmin } from '../context.js';
import { formatCompact, formatDollars, formatInt } from '../format.js';
import { useApi } from '../use-api.js';

/** A "Download CSV" button for one usage grouping (the API answers CSV to `Accept: text/csv`). */
function CsvButton(props: { readonly path: string; readonly filename: string; readonly label: string }): VNode {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const onClick = (): void => {
    setBusy(true);
    setError(undefined);
    downloadCsv(props.path, props.filename).then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError ? err : new ApiError(0, 'Download failed', String(err)));
      },
    );
  };
  return html`<span>
    <button type="button" class="button" onClick=${onClick} disabled=${busy} aria-label=${props.label}>${busy ? 'Preparing…' : 'Download CSV'}</button>
    ${error ? html`<${ErrorBox} error=${error} what="Download failed" />` : null}
  </span>`;
}

/** One grouping (per user or per model) as a table. */
function UsageTable(props: { readonly groups: readonly UsageGroup[]; readonly keyLabel: string }): VNode {
  if (props.groups.length === 0) return html`<p class="muted">No requests in this period.</p>`;
  return html`<div class="table-wrap"><table class="table">
    <caption class="visually-hidden">Usage by ${props.keyLabel.toLowerCase()}</caption>
    <thead><tr>
      <th scope="col">${props.keyLabel}</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Input tokens</th><th scope="col" class="num">Output tokens</th>
      <th scope="col" class="num">Cached</th><th scope="col" class="num">Reasoning</th><th scope="col" class="num">Cost</th>
    </tr></thead>
    <tbody>${props.groups.map((g) => html`<tr>
      <td>${g.key}</td><td class="num">${formatInt(g.requests)}</td><td class="num">${formatInt(g.input_tokens)}</td><td class="num">${formatInt(g.output_tokens)}</td>
      <td class="num">${formatInt(g.cached_tokens)}</td><td class="num">${formatInt(g.reasoning_tokens)}</td>
      <td class="num">${formatDollars(g.cost_dollars)}${g.unpriced_requests > 0 ? html` <span class="muted" title="requests without a known price">(+${formatInt(g.unpriced_requests)} unpriced)</span>` : null}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

/** Usage: requests, tokens and cost per user and per model, each downloadable as CSV, and the quota buckets. */
export function UsagePage(props: { readonly ctx: AppContext; readonly query: URLSearchParams }): VNode {
  const { ctx, query } = props;
  const admin = isAdmin(ctx.me);
  const { since, until } = periodOf(query);
  const filters = { user: admin ? query.get('user') : null, model: query.get('model'), since, until };
  const userPath = withQuery('/api/usage', { group_by: 'user', ...filters });
  const modelPath = withQuery('/api/usage', { group_by: 'model', ...filters });
  const byUser = useApi<Usage>(userPath);
  const byModel = useApi<Usage>(modelPath);
  const groups = byModel.data?.groups ?? [];
  const sum = (k: 'requests' | 'input_tokens' | 'output_tokens'): number => groups.reduce((t, g) => t + g[k], 0);
  const priced = groups.filter((g) => g.cost_dollars !== null);
  const cost = priced.length === 0 ? null : priced.reduce((t, g) => t + (g.cost_dollars ?? 0), 0);
  const unpriced = groups.reduce((t, g) => t + g.unpriced_requests, 0);

  return html`<div class="page">
    <div class="page-header"><div><h1>Usage</h1><p class="lede">${admin ? 'Requests, tokens and cost of everyone using this gateway.' : 'Your requests, tokens and cost.'}</p></div></div>
    <${Filters} query=${query} fields=${admin ? ['user', 'model', 'period'] : ['model', 'period']} />
    <${Stats} items=${[
      { label: 'Requests', value: formatInt(sum('requests')) },
      { label: 'Input tokens', value: formatCompact(sum('input_tokens')) },
      { label: 'Output tokens', value: formatCompact(sum('output_tokens')) },
      { label: 'Cost', value: formatDollars(cost) },
      ...(unpriced > 0 ? [{ label: 'Unpriced requests', value: formatInt(unpriced) }] : []),
    ]} />
    <${QuotaBuckets} admin=${admin} />
    <${Card} title="By user" actions=${html`<${CsvButton} path=${userPath} filename="usage-by-user.csv" label="Download usage by user as CSV" />`}>
      ${byUser.error ? html`<${ErrorBox} error=${byUser.error} />` : byUser.data ? html`<${UsageTable} groups=${byUser.data.groups} keyLabel="User" />` : html`<${Loading} />`}
    </${Card}>
    <${Card} title="By model" actions=${html`<${CsvButton} path=${modelPath} filename="usage-by-model.csv" label="Download usage by model as CSV" />`}>
      ${byModel.error ? html`<${ErrorBox} error=${byModel.error} />` : byModel.data ? html`<${UsageTable} groups=${byModel.data.groups} keyLabel="Model" />` : html`<${Loading} />`}
    </${Card}>
  </div>`;
}
