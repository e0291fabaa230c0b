import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestGateway } from '@tollgate/testing';
import { IDENTITY, KEYS, PROVIDERS, bearer, buckets, call, chat, fakeClock, quotaGrants, startQuotaGateway } from './support.js';

const $ = 1_000_000_000;
const QUOTAS = { 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' }, team: { capacity: '$100.00', rate: '$100.00/week' } };

describe('quota admin API', function () {
  this.timeout(20_000);
  let gw: TestGateway;
  let dataDir: string;
  const clock = fakeClock();

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-quotas-admin-'));
    gw = await startQuotaGateway({ clock, quotas: QUOTAS, dataDir });
  });
  afterEach(async () => {
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /api/quotas: a user sees their own buckets, full until charged; an admin sees every bucket', async () => {
    assert.deepEqual(await buckets(gw.url, KEYS.alice), {
      'daily:alice@example.com': {
        name: 'daily:alice@example.com',
        quota: 'daily:<user>',
        current: 10 * $,
        capacity: 10 * $,
        rate: '$5.00/day',
        updated: null,
        current_dollars: '$10.00',
        capacity_dollars: '$10.00',
      },
    });
    assert.equal((await chat(gw.url, KEYS.alice)).status, 200);
    assert.equal((await chat(gw.url, KEYS.bob)).status, 200);
    const admin = await call(gw.url, 'GET', '/api/quotas', undefined, bearer(KEYS.admin));
    assert.deepEqual(admin.body.buckets.map((b: { name: string }) => b.name), ['daily:alice@example.com', 'daily:bob@example.com', 'team']);
    assert.deepEqual(admin.body.invalid, []);
    const alice = (await buckets(gw.url, KEYS.alice))['daily:alice@example.com'];
    assert.ok(alice.current < 10 * $ && alice.current > 9 * $);
    assert.equal(alice.updated, new Date(clock.now).toISOString());
    // A user never sees someone else's buckets, nor shared ones.
    assert.deepEqual(Object.keys(await buckets(gw.url, KEYS.bob)), ['daily:bob@example.com']);
    assert.equal((await call(gw.url, 'GET', '/api/quotas')).status, 401);
  });

  it('POST /api/quotas/refill adds the amount capped at capacity; POST /api/quotas/set sets the balance (admins only)', async () => {
    const set = await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'daily:alice@example.com', balance: '-$1.50' }, bearer(KEYS.admin));
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.bucket.current, -1.5 * $);
    assert.equal(set.body.bucket.current_dollars, '-$1.50');
    assert.equal((await chat(gw.url, KEYS.alice)).status, 429);

    const refill = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'daily:alice@example.com', amount: '$5.00' }, bearer(KEYS.admin));
    assert.equal(refill.status, 200, refill.text);
    assert.equal(refill.body.bucket.current, 3.5 * $);
    assert.equal((await chat(gw.url, KEYS.alice)).status, 200);
    const capped = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'daily:alice@example.com', amount: '$500.00' }, bearer(KEYS.admin));
    assert.equal(capped.body.bucket.current, 10 * $);
    const above = await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'team', balance: '$1000.00' }, bearer(KEYS.admin));
    assert.equal(above.body.bucket.current, 100 * $, 'a set balance is capped at capacity too');

    // Refusals, as problem+json.
    const asUser = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'daily:alice@example.com', amount: '$5.00' }, bearer(KEYS.alice));
    assert.equal(asUser.status, 403);
    const unknown = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'weekly:alice@example.com', amount: '$5.00' }, bearer(KEYS.admin));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'quota_bucket_not_found');
    const template = await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'daily:<user>', balance: '$1.00' }, bearer(KEYS.admin));
    assert.equal(template.status, 422);
    const bad = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'team', amount: '5 dollars' }, bearer(KEYS.admin));
    assert.equal(bad.status, 422);
    assert.match(String(bad.headers.get('content-type')), /^application\/problem\+json/);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path), ['/amount']);
    const negative = await call(gw.url, 'POST', '/api/quotas/refill', { bucket: 'team', amount: '-$5.00' }, bearer(KEYS.admin));
    assert.equal(negative.status, 422);
    const crossSite = await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'team', balance: '$0.00' }, { ...bearer(KEYS.admin), origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
  });

  it('keeps balances across restarts; a lower capacity caps them; a removed quota removes its buckets', async () => {
    await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'daily:alice@example.com', balance: '$8.00' }, bearer(KEYS.admin));
    await call(gw.url, 'POST', '/api/quotas/set', { bucket: 'team', balance: '$40.00' }, bearer(KEYS.admin));
    await gw.close();

    gw = await startQuotaGateway({ clock, quotas: QUOTAS, dataDir });
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 8 * $, 'persisted');

    // Capacity lowered to $5.00: the balance is capped; the team quota is gone.
    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants(['daily:<user>']), quotas: { 'daily:<user>': { capacity: '$5.00', rate: '$5.00/day' } } });
    const admin = await buckets(gw.url, KEYS.admin);
    assert.deepEqual(Object.keys(admin), ['daily:alice@example.com']);
    assert.equal(admin['daily:alice@example.com'].current, 5 * $);
    assert.ok(gw.logs.lines.some((l) => l.msg === 'quota buckets removed: their quotas are no longer configured' && l.removed === 1));
    assert.ok(gw.logs.lines.some((l) => l.msg === 'quota balances capped at their lowered capacity' && l.capped === 1));

    // Defined again, team starts full: its old balance is gone with it.
    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants(), quotas: QUOTAS });
    assert.equal((await buckets(gw.url, KEYS.admin)).team.current, 100 * $);
    // The cap was stored: raising the capacity again does not bring the old $8.00 back.
    assert.equal((await buckets(gw.url, KEYS.admin))['daily:alice@example.com'].current, 5 * $);

    // No quotas at all: the stored buckets are removed too, so a quota defined later starts full.
    assert.equal((await chat(gw.url, KEYS.alice)).status, 200);
    assert.ok((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current < 5 * $ + 1);
    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants([]) });
    assert.deepEqual(await buckets(gw.url, KEYS.admin), {});
    await gw.gateway.reload({ providers: PROVIDERS, identity: IDENTITY, grants: quotaGrants(), quotas: QUOTAS });
    assert.equal((await buckets(gw.url, KEYS.alice))['daily:alice@example.com'].current, 10 * $);
  });
});
