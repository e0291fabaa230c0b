import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import grants from '@tollgate/plugin-grants';
import { defineQuotasPlugin } from '@tollgate/plugin-quotas';
import { type TestGateway, runProcess, startTestGateway } from '@tollgate/testing';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tollgate.js');
const AP = 'tailscale.com/cap/aperture';
const ADMIN = 'key-admin-cli-1';
const ALICE = 'key-alice-cli-2';

describe('tollgate quotas', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      config: {
        providers: { mock: { baseurl: 'mock://', models: ['gpt-4.1-nano'], cost_basis: 'openai' } },
        identity: { loopback: false, api_keys: { [ADMIN]: 'admin@example.com', [ALICE]: 'alice@example.com' } },
        quotas: { 'daily:<user>': { capacity: '$10.00', rate: '$5.00/day' }, team: { capacity: '$100.00', rate: '$100.00/week' } },
        grants: [
          { src: ['admin@example.com'], app: { [AP]: [{ role: 'admin', models: '**' }] } },
          { src: ['alice@example.com'], app: { [AP]: [{ role: 'user', models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'team' }] }] } },
        ],
      },
      plugins: [grants, defineQuotasPlugin({ clock: () => Date.UTC(2026, 0, 1) })], // a still clock: no refill between two commands
    });
  });
  after(() => gw.close());

  const tollgate = (...args: string[]) => runProcess(process.execPath, [BIN, 'quotas', ...args], { env: { TOLLGATE_URL: gw.url, TOLLGATE_API_KEY: undefined } });

  it('lists the caller\'s buckets (an admin sees every bucket)', async () => {
    const mine = await tollgate('--api-key', ALICE);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, /^BUCKET\s+CURRENT\s+CAPACITY\s+RATE\s+UPDATED\n/);
    assert.match(mine.stdout, /daily:alice@example\.com\s+\$10\.00\s+\$10\.00\s+\$5\.00\/day\s+never \(full\)/);
    assert.doesNotMatch(mine.stdout, /team/);
    const all = await tollgate('list', '--api-key', ADMIN, '--json');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout).buckets.map((b: { name: string }) => b.name), ['team']);
  });

  it('sets and refills a bucket as an admin, with or without the "$"', async () => {
    const set = await tollgate('set', 'daily:alice@example.com', '-1.50', '-k', ADMIN); // a negative amount is not an option
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /daily:alice@example\.com\s+-\$1\.50\s+\$10\.00/);
    const refill = await tollgate('refill', 'daily:alice@example.com', '$2.25', '--url', gw.url, '--api-key', ADMIN, '--json');
    assert.equal(refill.code, 0, refill.stderr);
    assert.equal(JSON.parse(refill.stdout).bucket.current, 750_000_000);
  });

  it('says why the gateway refused, and exits 1', async () => {
    const denied = await tollgate('refill', 'team', '5', '--api-key', ALICE);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^tollgate quotas: POST \/api\/quotas\/refill: 403 /);
    const anonymous = await tollgate();
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /401 .*\(--api-key\)/);
    const down = await runProcess(process.execPath, [BIN, 'quotas', 'set', 'nobody', '$1', '--url', 'http://127.0.0.1:9']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });
});
