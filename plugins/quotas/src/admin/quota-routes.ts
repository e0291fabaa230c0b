import type { Identity, RouteDefinition } from '@tollgate/core';
import type { QuotaAdmin } from './quota-admin.js';

/** Path of the bucket list. */
export const QUOTAS_PATH = '/api/quotas';
/** Path of the admin refill. */
export const QUOTAS_REFILL_PATH = '/api/quotas/refill';
/** Path of the admin set-balance. */
export const QUOTAS_SET_PATH = '/api/quotas/set';

/**
 * The quota admin API, served through core's route extension point (problem+json errors):
 * - `GET /api/quotas` (identified): `{buckets: [{name, quota, current, capacity, rate, updated,
 *   current_dollars, capacity_dollars}]}`: the caller's buckets; admins see every bucket (and
 *   `invalid`, the quotas that fail closed);
 * - `POST /api/quotas/refill` (admin) `{"bucket", "amount": "$5.00"}`: adds to the balance, capped
 *   at capacity; answers `{bucket}`;
 * - `POST /api/quotas/set` (admin) `{"bucket", "balance": "$2.00"}`: sets the balance (may be
 *   negative), capped at capacity; answers `{bucket}`.
 */
export function quotaRoutes(admin: QuotaAdmin): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: QUOTAS_PATH,
      handler: async (ctx) => {
        const list = await admin.list(ctx.state.identity as Identity, ctx.state.access.role === 'admin');
        ctx.state.accessLog.buckets = list.buckets.length;
        ctx.body = list;
      },
    },
    {
      method: 'POST',
      path: QUOTAS_REFILL_PATH,
      access: 'admin',
      handler: async (ctx) => {
        const body = await ctx.state.readJson();
        const bucket = await admin.refill(body.bucket, body.amount);
        ctx.state.log.info({ bucket: bucket.name, amount: body.amount, current: bucket.current }, 'quota bucket refilled');
        ctx.body = { bucket };
      },
    },
    {
      method: 'POST',
      path: QUOTAS_SET_PATH,
      access: 'admin',
      handler: async (ctx) => {
        const body = await ctx.state.readJson();
        const bucket = await admin.set(body.bucket, body.balance);
        ctx.state.log.info({ bucket: bucket.name, balance: body.balance, current: bucket.current }, 'quota bucket balance set');
        ctx.body = { bucket };
      },
    },
  ];
}
