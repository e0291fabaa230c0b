import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { setQuery } from '../router.js';

/** A filter the form offers; names are the read API's query parameters. */
export type FilterName = 'user' | 'model' | 'tool' | 'decision' | 'period';

/** Relative periods offered (the read API takes `since=24h|7d|...`). */
export const PERIODS: readonly { value: string; label: string }[] = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'custom', label: 'Custom dates' },
];

/** Default period of pages with a time filter. */
export const DEFAULT_PERIOD = '7d';

/** The `since`/`until` of a query, with the default period filled in. */
export function periodOf(query: URLSearchParams): { since: string; until: string | undefined } {
  return { since: query.get('since') || DEFAULT_PERIOD, until: query.get('until') || undefined };
}

/** Props of {@link Filters}. */
export interface FiltersProps {
  /** Current query (filters in effect). */
  readonly query: URLSearchParams;
  /** Which filters to offer. */
  readonly fields: readonly FilterName[];
  /** Suggestions for text fields (`user`, `tool`, `model`). */
  readonly suggestions?: Partial<Record<'user' | 'tool' | 'model', readonly string[]>>;
}

/** A date input's value (`YYYY-MM-DD`) of an ISO date or time, or empty. */
function dateOnly(value: string | null): string {
  return value !== null && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : '';
}

/** The day after a `YYYY-MM-DD` date (so that "to" includes its whole day). */
function nextDay(date: string): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

/** The filter form: applying it puts the filters in the page's URL, which the page reads. */
export function Filters(props: FiltersProps): VNode {
  const { query } = props;
  const since = query.get('since') || DEFAULT_PERIOD;
  const [period, setPeriod] = useState(PERIODS.some((p) => p.value === since) ? since : 'custom');
  const untilValue = query.get('until');
  const toDefault = untilValue !== null && /^\d{4}-\d{2}-\d{2}$/.test(untilValue) ? new Date(Date.parse(`${untilValue}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : dateOnly(untilValue);

  const onSubmit = (e: Event): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const name of ['user', 'model', 'tool', 'decision'] as const) {
      const v = String(form.get(name) ?? '').trim();
      if (v !== '') next.set(name, v);
    }
    if (period === 'custom') {
      const from = String(form.get('from') ?? '');
      const to = String(form.get('to') ?? '');
      if (from !== '') next.set('since', from);
      if (to !== '') next.set('until', nextDay(to));
    } else if (period !== DEFAULT_PERIOD) next.set('since', period);
    setQuery(next);
  };
  const onReset = (): void => {
    setPeriod(DEFAULT_PERIOD);
    setQuery(new URLSearchParams());
  };

  const has = (f: FilterName): boolean => props.fields.includes(f);
  const text = (name: 'user' | 'model' | 'tool', label: string, placeholder: string): VNode => html`<div class="field">
    <label for=${`filter-${name}`}>${label}</label>
    <input id=${`filter-${name}`} name=${name} type="text" list=${`filter-${name}-list`} value=${query.get(name) ?? ''} placeholder=${placeholder} autocomplete="off" />
    <datalist id=${`filter-${name}-list`}>${(props.suggestions?.[name] ?? []).map((s) => html`<option value=${s}></option>`)}</datalist>
  </div>`;

  return html`<form class="filters" role="search" aria-label="Filters" onSubmit=${onSubmit}>
    ${has('user') ? text('user', 'User', 'any user') : null}
    ${has('model') ? text('model', 'Model', 'any model') : null}
    ${has('tool') ? text('tool', 'Tool', 'any tool') : null}
    ${has('decision')
      ? html`<div class="field">
          <label for="filter-decision">Decision</label>
          <select id="filter-decision" name="decision" value=${query.get('decision') ?? ''}>
            <option value="">any</option>
            <option value="allow">allowed</option>
            <option value="block">blocked</option>
            <option value="strip">stripped</option>
          </select>
        </div>`
      : null}
    ${has('period')
      ? html`<div class="field">
            <label for="filter-period">Period</label>
            <select id="filter-period" value=${period} onChange=${(e: Event) => setPeriod((e.currentTarget as HTMLSelectElement).value)}>
              ${PERIODS.map((p) => html`<option value=${p.value}>${p.label}</option>`)}
            </select>
          </div>
          ${period === 'custom'
            ? html`<div class="field"><label for="filter-from">From</label><input id="filter-from" name="from" type="date" value=${dateOnly(query.get('since'))} /></div>
                <div class="field"><label for="filter-to">To</label><input id="filter-to" name="to" type="date" value=${toDefault} /></div>`
            : null}`
      : null}
    <div class="field field-actions">
      <button type="submit" class="button button-primary">Apply</button>
      <button type="button" class="button" onClick=${onReset}>Reset</button>
    </div>
  </form>`;
}
