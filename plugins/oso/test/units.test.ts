import assert from 'node:assert/strict';
import { createIdentity } from '@tollgate/core';
import { ContextFactBuilder, DecisionCache, actorOf, contextFactIssues, type ContextFactTemplate, planTelemetry, OsoOptionsSchema } from '@tollgate/plugin-oso';
import { validateSection } from '@tollgate/core';

const request = { model: 'gpt-5', stream: true, identity: { login: 'alice@example.com' }, provider: { id: 'openai' }, format: { name: 'openai_chat' } };
const actor = { type: 'User', id: 'alice@example.com' };
const resource = { type: 'Tool', id: 'run_sql' };

function build(templates: ContextFactTemplate[], params?: Record<string, unknown>, max = 20) {
  return new ContextFactBuilder(templates, max).build({ actor, resource, request, ...(params === undefined ? {} : { params }) });
}

describe('context facts', () => {
  it('fills placeholders with typed Oso values', () => {
    const { facts, dropped } = build(
      [
        { predicate: 'uses_model', args: ['{resource}', '{model}'] },
        { predicate: 'via', args: ['{actor}', '{provider}', '{format}'] },
        { predicate: 'streamed', args: ['{tool}', '{streaming}'] },
        { predicate: 'named', args: ['{tool_name}', '{login}'] },
        { predicate: 'literal', args: [{ type: 'Team', id: 'eng' }, 'plain text', 7, false] },
      ],
      {},
    );
    assert.equal(dropped, 0);
    assert.deepEqual(facts, [
      { predicate: 'uses_model', args: [resource, { type: 'String', id: 'gpt-5' }] },
      { predicate: 'via', args: [actor, { type: 'String', id: 'openai' }, { type: 'String', id: 'openai_chat' }] },
      { predicate: 'streamed', args: [resource, { type: 'Boolean', id: 'true' }] },
      { predicate: 'named', args: [{ type: 'String', id: 'run_sql' }, { type: 'String', id: 'alice@example.com' }] },
      { predicate: 'literal', args: [{ type: 'Team', id: 'eng' }, { type: 'String', id: 'plain text' }, { type: 'Integer', id: '7' }, { type: 'Boolean', id: 'false' }] },
    ]);
  });

  it('types call parameters by their JSON type, reads nested paths and expands arrays', () => {
    const { facts } = build(
      [
        { predicate: 'p', args: ['{resource}', '{param.query}'] },
        { predicate: 'p', args: ['{resource}', '{param.limit}'] },
        { predicate: 'p', args: ['{resource}', '{param.dry_run}'] },
        { predicate: 'p', args: ['{resource}', '{param.ratio}'] },
        { predicate: 'p', args: ['{resource}', '{param.opts.db}'] },
        { predicate: 'table', args: ['{resource}', '{param.tables}'] },
        { predicate: 'entity', args: [{ type: 'Database', id: '{param.opts.db}' }] },
        { predicate: 'text', args: ['db:{param.opts.db}/{param.limit}'] },
      ],
      { query: 'select 1', limit: 10, dry_run: true, ratio: 0.5, opts: { db: 'prod' }, tables: ['users', 'orders', { nested: 1 }] },
    );
    const second = (i: number) => facts[i]?.args[1];
    assert.deepEqual(second(0), { type: 'String', id: 'select 1' });
    assert.deepEqual(second(1), { type: 'Integer', id: '10' });
    assert.deepEqual(second(2), { type: 'Boolean', id: 'true' });
    assert.deepEqual(second(3), { type: 'String', id: '0.5' });
    assert.deepEqual(second(4), { type: 'String', id: 'prod' });
    assert.deepEqual(
      facts.filter((f) => f.predicate === 'table').map((f) => f.args[1]?.id),
      ['users', 'orders'],
    );
    assert.deepEqual(facts.find((f) => f.predicate === 'entity'), { predicate: 'entity', args: [{ type: 'Database', id: 'prod' }] });
    assert.deepEqual(facts.find((f) => f.predicate === 'text'), { predicate: 'text', args: [{ type: 'String', id: 'db:prod/10' }] });
  });

  it('leaves out facts whose values are missing (no such param, objects, empty strings, no call yet)', () => {
    const templates: ContextFactTemplate[] = [
      { predicate: 'a', args: ['{resource}', '{param.missing}'] },
      { predicate: 'b', args: ['{resource}', '{param.obj}'] },
      { predicate: 'c', args: ['{resource}', '{param.empty}'] },
      { predicate: 'd', args: ['x-{param.missing}'] },
      { predicate: 'e', args: ['{model}'] },
    ];
    assert.deepEqual(
      build(templates, { obj: { a: 1 }, empty: '' }).facts.map((f) => f.predicate),
      ['e'],
    );
    const beforeCall = new ContextFactBuilder([{ predicate: 'uses', args: ['{resource}', '{model}'] }, { predicate: 'p', args: ['{param.x}'] }, { predicate: 'm', args: ['{model}'] }], 20).build({ actor, request });
    assert.deepEqual(beforeCall.facts.map((f) => f.predicate), ['m']);
  });

  it('never sends more than max_context_facts and counts what it left out', () => {
    const tables = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const { facts, dropped } = build([{ predicate: 'm', args: ['{model}'] }, { predicate: 'table', args: ['{resource}', '{param.tables}'] }], { tables }, 20);
    assert.equal(facts.length, 20);
    assert.equal(dropped, 11);
    assert.equal(facts[0]?.predicate, 'm');
    assert.equal(facts[19]?.args[1]?.id, 't18');
    assert.equal(build([{ predicate: 'm', args: ['{model}'] }], {}, 0).facts.length, 0);
  });

  it('tells call-independent templates from those that need the tool or the call', () => {
    assert.equal(new ContextFactBuilder([{ predicate: 'm', args: ['{actor}', '{model}', '{provider}'] }], 20).callIndependent, true);
    assert.equal(new ContextFactBuilder([{ predicate: 'm', args: ['{resource}', '{model}'] }], 20).callIndependent, false);
    assert.equal(new ContextFactBuilder([{ predicate: 'm', args: [{ type: 'X', id: '{param.a}' }] }], 20).callIndependent, false);
    assert.equal(new ContextFactBuilder([], 20).callIndependent, true);
  });

  it('reports unknown placeholders', () => {
    const issues = contextFactIssues([{ predicate: 'ok', args: ['{model}', '{param.a.b}'] }, { predicate: 'bad', args: ['{modle}', { type: 'T', id: '{param.}' }] }]);
    assert.deepEqual(
      issues.map((i) => [i.index, /unknown placeholder "\{(.*?)\}"/.exec(i.message)?.[1]]),
      [
        [1, 'modle'],
        [1, 'param.'],
      ],
    );
  });
});

describe('actor mapping', () => {
  const mapping = { type: 'User', id: 'login' as const };
  it('maps people by login and tagged devices by their own type when configured', () => {
    assert.deepEqual(actorOf(createIdentity({ login: 'alice@example.com', resolver: 't' }), mapping), { type: 'User', id: 'alice@example.com' });
    const ci = createIdentity({ login: 'tag:api,tag:ci', tags: ['tag:api', 'tag:ci'], resolver: 't', stableNodeId: 'nCI1' });
    assert.deepEqual(actorOf(ci, mapping), { type: 'User', id: 'tag:api,tag:ci' });
    assert.deepEqual(actorOf(ci, { ...mapping, tagged_type: 'Device' }), { type: 'Device', id: 'tag:api,tag:ci' });
    assert.deepEqual(actorOf(ci, { ...mapping, tagged_type: 'Device', tagged_id: 'stable_node_id' }), { type: 'Device', id: 'nCI1' });
    // A resolver that names a tagged caller by its tags but leaves `tags` empty.
    assert.deepEqual(actorOf(createIdentity({ login: 'tag:ci', resolver: 't' }), { ...mapping, tagged_type: 'Device' }), { type: 'Device', id: 'tag:ci' });
  });

  it('has no actor when the identity lacks the configured field', () => {
    assert.equal(actorOf(createIdentity({ login: 'alice@example.com', resolver: 't' }), { type: 'User', id: 'stable_node_id' }), undefined);
  });
});

describe('decision cache', () => {
  let now = 1_000;
  const clock = () => now;

  it('reuses a decision (allow or deny) until the TTL, then asks again', async () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 30_000, maxEntries: 10, now: clock });
    let loads = 0;
    const load = (value: boolean) => cache.load('k', async () => ({ value, n: ++loads }), (r) => r.value);
    assert.equal((await load(false)).source, 'loaded');
    const hit = await load(true);
    assert.equal(hit.source, 'cache');
    assert.equal('hit' in hit && hit.hit, false);
    now += 29_999;
    assert.equal((await load(true)).source, 'cache');
    now += 1;
    assert.equal((await load(true)).source, 'loaded');
    assert.equal(loads, 2);
  });

  it('shares one load between concurrent callers of a key, and does not cache what keep rejects', async () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 30_000, maxEntries: 10, now: clock });
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loader = async () => {
      loads++;
      await gate;
      return { ok: false };
    };
    const all = Promise.all([cache.load('x', loader, () => undefined), cache.load('x', loader, () => undefined), cache.load('x', loader, () => undefined)]);
    release();
    const results = await all;
    assert.equal(loads, 1);
    assert.deepEqual(
      results.map((r) => r.source),
      ['loaded', 'shared', 'shared'],
    );
    await cache.load('x', loader, () => undefined);
    assert.equal(loads, 2, 'a failed load is not cached');
  });

  it('keeps at most maxEntries, evicting the least recently used', async () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 30_000, maxEntries: 2, now: clock });
    cache.set('a', true);
    cache.set('b', true);
    assert.equal(cache.get('a'), true); // a is now the most recent
    cache.set('c', false);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), true);
    assert.equal(cache.get('c'), false);
  });

  it('keeps nothing with a TTL of 0', () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 0, maxEntries: 2, now: clock });
    cache.set('a', true);
    assert.equal(cache.get('a'), undefined);
  });
});

describe('telemetry plan (short form vs hooks section)', () => {
  const options = (raw: Record<string, unknown>) => validateSection<any>('plugins.oso', OsoOptionsSchema, raw).value;

  it('adds an endpoint named hook_name with the key, Bearer auth and the timeout', () => {
    assert.deepEqual(planTelemetry(options({ apiKey: 'k-123456' }), {}), {
      hookName: 'oso',
      endpoint: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k-123456', authorization: 'bearer', timeout: '5s' },
    });
  });

  it('reuses a hooks entry posting to the same URL (however it is spelled), preferring hook_name', () => {
    const hooks = {
      zeta: { url: 'https://API.osohq.com:443/api/agents/v1/model-request/', apikey: 'k-123456' },
      oso: { url: 'https://api.osohq.com/api/agents/v1/model-request', apikey: 'k-123456' },
    };
    assert.deepEqual(planTelemetry(options({ apiKey: 'k-123456' }), hooks), { hookName: 'oso', reuses: 'oso' });
    const other = planTelemetry(options({ apiKey: 'k-999999' }), { zeta: hooks.zeta });
    assert.equal('reuses' in other && other.reuses, 'zeta');
    assert.match('warning' in other ? String(other.warning) : '', /hooks\.zeta .* its apikey is used .*differs/);
  });

  it('refuses a hook_name taken by a hook with another URL', () => {
    const plan = planTelemetry(options({ apiKey: 'k-123456' }), { oso: { url: 'https://example.com/hook' } });
    assert.deepEqual('field' in plan && plan.field, 'hook_name');
  });
});
