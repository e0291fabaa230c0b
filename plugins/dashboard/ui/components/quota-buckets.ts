import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, sendJson } from '../api.js';
import type { QuotaBucket, QuotaList } from '../api-types.js';
import { formatTime } from '../format.js';
import { useApi } from '../use-api.js';
import { Card, ErrorBox } from './common.js';

/** An admin's refill / set-balance form for one bucket at a time. */
function BucketChange(props: { readonly buckets: readonly QuotaBucket[]; readonly onDone: () => void }): VNode {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const submit = (action: 'refill' | 'set') => (event: Event): void => {
    event.preventDefault();
    const form = (event.currentTarget as HTMLButtonElement).form as HTMLFormElement;
    const data = new FormData(form);
    const bucket = String(data.get('bucket') ?? '');
    const amount = String(data.get('amount') ?? '').trim();
    setBusy(true);
    setError(undefined);
    sendJson('POST', `/api/quotas/${action}`, action === 'refill' ? { bucket, amount } : { bucket, balance: amount }).then(
      () => {
        setBusy(false);
        props.onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError ? err : new ApiError(0, 'Change failed', String(err)));
      },
    );
  };
  return html`<form class="filters" aria-label="Change a bucket">
    <div class="field"><label for="quota-bucket">Bucket</label><select id="quota-bucket" name="bucket">${props.buckets.map((b) => html`<option value=${b.name}>${b.name}</option>`)}</select></div>
    <div class="field"><label for="quota-amount">Amount</label><input id="quota-amount" name="amount" placeholder="$5.00" required /></div>
    <div class="field field-actions">
      <button type="submit" class="button" disabled=${busy} onClick=${submit('refill')}>Refill</button>
      <button type="submit" class="button" disabled=${busy} onClick=${submit('set')}>Set balance</button>
    </div>
    ${error ? html`<${ErrorBox} error=${error} what="The bucket was not changed" />` : null}
  </form>`;
}

/**
 * The caller's dollar quota buckets (an admin's: every bucket, with refill and set balance), from
 * `GET /api/quotas`. Nothing when the gateway does not serve quotas (404) or has no bucket.
 */
export function QuotaBuckets(props: { readonly admin: boolean }): VNode | null {
  const quotas = useApi<QuotaList>('/api/quotas');
  if (quotas.error?.status === 404) return null;
  if (quotas.error) return html`<${Card} title="Quotas"><${ErrorBox} error=${quotas.error} /></${Card}>`;
  const buckets = quotas.data?.buckets ?? [];
  const invalid = quotas.data?.invalid ?? [];
  if (quotas.data === undefined || (buckets.length === 0 && invalid.length === 0)) return null;
  return html`<${Card} title="Quotas">
    <div class="table-wrap"><table class="table">
      <caption class="visually-hidden">Quota buckets</caption>
      <thead><tr><th scope="col">Bucket</th><th scope="col" class="num">Balance</th><th scope="col" class="num">Capacity</th><th scope="col">Refill</th><th scope="col">Updated</th></tr></thead>
      <tbody>${buckets.map((b) => html`<tr>
        <td>${b.name}</td><td class=${`num${b.current <= 0 ? ' quota-empty' : ''}`}>${b.current_dollars}</td><td class="num">${b.capacity_dollars}</td><td>${b.rate}</td><td>${b.updated === null ? 'never charged' : formatTime(b.updated)}</td>
      </tr>`)}</tbody>
    </table></div>
    ${invalid.length > 0 ? html`<p class="muted">Refusing every request until fixed (configuration error): ${invalid.map((i) => `${i.quota}: ${i.reason}`).join('; ')}</p>` : null}
    ${props.admin && buckets.length > 0 ? html`<${BucketChange} buckets=${buckets} onDone=${quotas.reload} />` : null}
  </${Card}>`;
}
