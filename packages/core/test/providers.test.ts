import assert from 'node:assert/strict';
import { type ProviderConfig, parseHeaderLines, prepareConfig } from '@tollgate/core';
import {
  ProviderRegistry,
  type ResolvedProvider,
  type Upstream,
  buildUpstreamHeaders,
  clientResponseHeaders,
  isSafeHeader,
  joinUpstreamPath,
} from '@tollgate/core/internal';
import { anthropicMessagesFormat, openAiChatFormat, openAiResponsesFormat } from '@tollgate/core/formats';

const nullUpstream: Upstream = {
  request: () => Promise.reject(new Error('not used')),
  close: async () => undefined,
};

/** A registry built from raw provider configs, validated (defaults applied) like the gateway does. */
async function registry(providers: Record<string, Record<string, unknown>>): Promise<ProviderRegistry> {
  const { config } = await prepareConfig({ raw: { providers }, env: {}, plugins: [] });
  return new ProviderRegistry(config.providers as Record<string, ProviderConfig>, () => nullUpstream, [openAiChatFormat, openAiResponsesFormat, anthropicMessagesFormat]);
}

async function provider(fields: Record<string, unknown>): Promise<ResolvedProvider> {
  return (await registry({ p: { baseurl: 'https://api.example.com', models: ['m'], ...fields } })).get('p') as ResolvedProvider;
}

describe('upstream path joining', () => {
  const cases: Array<[string, string, string]> = [
    ['', '/v1/chat/completions', '/v1/chat/completions'],
    ['/', '/v1/chat/completions', '/v1/chat/completions'],
    ['/v1', '/v1/chat/completions', '/v1/chat/completions'],
    ['/v1/', '/v1/chat/completions', '/v1/chat/completions'],
    ['/openai', '/v1/chat/completions', '/openai/v1/chat/completions'],
    ['/openai/v1', '/v1/chat/completions', '/openai/v1/chat/completions'],
    ['/api/v2', '/v1/chat/completions', '/api/v2/chat/completions'],
    ['/v1beta', '/v1beta/models/gemini:generateContent', '/v1beta/models/gemini:generateContent'],
    ['', '/v1beta/models/g:streamGenerateContent?alt=sse', '/v1beta/models/g:streamGenerateContent?alt=sse'],
    ['/v1', '/v1/chat/completions?x=1', '/v1/chat/completions?x=1'],
    ['/version', '/v1/chat/completions', '/version/v1/chat/completions'],
  ];
  for (const [base, api, want] of cases) {
    it(`${JSON.stringify(base)} + ${api} = ${want}`, () => assert.equal(joinUpstreamPath(base, api), want));
  }

  it('the base path of a baseurl with or without /v1 never doubles /v1', async () => {
    for (const baseurl of ['https://api.openai.com', 'https://api.openai.com/', 'https://api.openai.com/v1', 'https://api.openai.com/v1/']) {
      const p = await provider({ baseurl });
      assert.equal(joinUpstreamPath(p.basePath, '/v1/chat/completions'), '/v1/chat/completions', baseurl);
    }
  });
});

describe('upstream headers', () => {
  const client = {
    authorization: 'Bearer client-key-0001',
    'x-api-key': 'client-key-0002',
    'x-goog-api-key': 'client-key-0003',
    'api-key': 'client-key-0004',
    'proxy-authorization': 'Basic client-key-0005',
    cookie: 'session=client-cookie',
    host: 'gateway.example',
    'x-forwarded-for': '10.0.0.9',
    'content-length': '123',
    accept: 'text/event-stream',
    'user-agent': 'OpenAI/JS 6.49.0',
    'idempotency-key': 'idem-1',
    'openai-beta': 'assistants=v2',
    'anthropic-version': '2023-06-01',
  };

  it('override: drops every client credential and injects the provider key', async () => {
    const headers = buildUpstreamHeaders(await provider({ apikey: 'sk-provider' }), openAiChatFormat, client, []);
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'OpenAI/JS 6.49.0',
      'idempotency-key': 'idem-1',
      'openai-beta': 'assistants=v2',
      'accept-encoding': 'identity',
      authorization: 'Bearer sk-provider',
    });
    assert.ok(!JSON.stringify(headers).includes('client-key'));
  });

  it('sends the provider key in the configured authorization style', async () => {
    const style = async (authorization: string) => {
      const h = buildUpstreamHeaders(await provider({ apikey: 'k-123456', authorization }), openAiChatFormat, client, []);
      return [h.authorization, h['x-api-key'], h['x-goog-api-key']];
    };
    assert.deepEqual(await style('bearer'), ['Bearer k-123456', undefined, undefined]);
    assert.deepEqual(await style('x-api-key'), [undefined, 'k-123456', undefined]);
    assert.deepEqual(await style('x-goog-api-key'), [undefined, undefined, 'k-123456']);
  });

  it('override without a provider key sends no credential at all', async () => {
    const h = buildUpstreamHeaders(await provider({}), openAiChatFormat, client, []);
    assert.equal(h.authorization, undefined);
    assert.equal(h['x-api-key'], undefined);
  });

  it('passthrough forwards the client credential, else falls back to the provider key', async () => {
    const p = await provider({ apikey: 'sk-provider', auth_mode: 'passthrough' });
    const h = buildUpstreamHeaders(p, openAiChatFormat, { authorization: 'Bearer client-own-key' }, []);
    assert.equal(h.authorization, 'Bearer client-own-key');
    const x = buildUpstreamHeaders(p, openAiChatFormat, { 'x-api-key': 'client-own-key' }, []);
    assert.deepEqual([x['x-api-key'], x.authorization], ['client-own-key', undefined]);
    const none = buildUpstreamHeaders(p, openAiChatFormat, {}, []);
    assert.equal(none.authorization, 'Bearer sk-provider');
  });

  it('adds add_headers and plugin headers, never framing headers or injected lines', async () => {
    const p = await provider({ apikey: 'sk-provider', add_headers: ['X-Team: blue', 'OpenAI-Organization:org-1', 'Host: evil.example', 'Content-Length: 0', 'X-Evil: a\r\nX-Injected: b', 'no-colon', ': empty-name'] });
    assert.deepEqual(p.addHeaders, [
      ['x-team', 'blue'],
      ['openai-organization', 'org-1'],
    ]);
    const h = buildUpstreamHeaders(p, openAiChatFormat, {}, [['x-grant', 'g1']]);
    assert.equal(h['x-team'], 'blue');
    assert.equal(h['openai-organization'], 'org-1');
    assert.equal(h['x-grant'], 'g1');
    assert.equal(h.host, undefined);
    assert.equal(h['content-length'], undefined);
    assert.equal(h['x-injected'], undefined);
    assert.ok(Object.values(h).every((v) => !/[\r\n]/.test(v)));
  });

  it('isSafeHeader and parseHeaderLines refuse injection attempts', () => {
    assert.ok(isSafeHeader('X-Ok', 'value with spaces\tand tab'));
    assert.ok(!isSafeHeader('X-Bad', 'a\r\nb'));
    assert.ok(!isSafeHeader('X-Bad', 'a\nb'));
    assert.ok(!isSafeHeader('X-Bad', 'a\u0000b'));
    assert.ok(!isSafeHeader('Bad Name', 'x'));
    assert.ok(!isSafeHeader('Bad:Name', 'x'));
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'TE', 'Expect']) assert.ok(!isSafeHeader(name, 'x'), name);
    assert.deepEqual(parseHeaderLines(['A: 1', 'B:2', ' C : 3 ', 'D: x\ny']), [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('passes only rate-limit and retry headers back to the client', () => {
    assert.deepEqual(
      clientResponseHeaders({
        'retry-after': '3',
        'x-ratelimit-remaining-requests': '99',
        'anthropic-ratelimit-tokens-remaining': '5',
        'openai-processing-ms': '12',
        'x-request-id': 'req_upstream',
        'set-cookie': ['a=b'],
        'openai-organization': 'org-secret',
        server: 'cloudflare',
        'content-length': '10',
      }),
      {
        'retry-after': '3',
        'x-ratelimit-remaining-requests': '99',
        'anthropic-ratelimit-tokens-remaining': '5',
        'openai-processing-ms': '12',
        'x-upstream-request-id': 'req_upstream',
      },
    );
  });
});

describe('routing', () => {
  const route = (r: ProviderRegistry, model: string, format = 'openai_chat') => {
    const result = r.route(model, format);
    return 'reason' in result ? result.reason : `${result.provider.id}:${result.model}`;
  };

  it('picks the enabled provider with the highest preference, then declaration order', async () => {
    const r = await registry({
      low: { baseurl: 'https://low.example', models: ['m'], preference: 1 },
      high: { baseurl: 'https://high.example', models: ['m'], preference: 5 },
      off: { baseurl: 'https://off.example', models: ['m'], preference: 99, disabled: true },
      first: { baseurl: 'https://first.example', models: ['tie'] },
      second: { baseurl: 'https://second.example', models: ['tie'] },
    });
    assert.equal(route(r, 'm'), 'high:m');
    assert.equal(route(r, 'tie'), 'first:tie');
    assert.equal(route(r, 'unknown'), 'unknown_model');
  });

  it('a disabled provider is not routable, even by name', async () => {
    const r = await registry({ off: { baseurl: 'https://off.example', models: ['m'], disabled: true } });
    assert.equal(route(r, 'm'), 'unknown_model');
    assert.equal(route(r, 'off/m'), 'unknown_model');
  });

  it('honours compatibility flags per API format (default: openai_chat only)', async () => {
    const r = await registry({
      plain: { baseurl: 'https://plain.example', models: ['gpt'] },
      anthropic: { baseurl: 'https://anthropic.example', models: ['claude'], compatibility: { anthropic_messages: true } },
      both: { baseurl: 'https://both.example', models: ['dual'], compatibility: { openai_chat: true, openai_responses: true, anthropic_messages: false } },
      mock: { baseurl: 'mock://', models: ['mock-1'] },
    });
    assert.equal(route(r, 'gpt'), 'plain:gpt');
    assert.equal(route(r, 'gpt', 'openai_responses'), 'unsupported_format');
    assert.equal(route(r, 'claude'), 'unsupported_format');
    assert.equal(route(r, 'claude', 'anthropic_messages'), 'anthropic:claude');
    assert.equal(route(r, 'dual', 'openai_responses'), 'both:dual');
    assert.equal(route(r, 'dual', 'anthropic_messages'), 'unsupported_format');
    for (const f of ['openai_chat', 'openai_responses', 'anthropic_messages']) assert.equal(route(r, 'mock-1', f), 'mock:mock-1', f);
  });

  it('routes provider/model to that provider, even against preference', async () => {
    const r = await registry({
      a: { baseurl: 'https://a.example', models: ['m'], preference: 10 },
      b: { baseurl: 'https://b.example', models: ['m'] },
    });
    assert.equal(route(r, 'm'), 'a:m');
    assert.equal(route(r, 'b/m'), 'b:m');
    assert.equal(route(r, 'a/m'), 'a:m');
    assert.equal(route(r, 'c/m'), 'unknown_model');
    assert.equal(route(r, 'b/other'), 'unknown_model');
  });

  it('matches model ids containing "/" whole first, then as provider/model', async () => {
    const r = await registry({
      together: { baseurl: 'https://together.example', models: ['meta-llama/Llama-3-70b'] },
      openrouter: { baseurl: 'https://openrouter.example', models: ['anthropic/claude-sonnet-4.5', 'meta-llama/Llama-3-70b'], preference: -1 },
      anthropic: { baseurl: 'https://anthropic.example', models: ['claude'] },
    });
    assert.equal(route(r, 'meta-llama/Llama-3-70b'), 'together:meta-llama/Llama-3-70b');
    assert.equal(route(r, 'openrouter/meta-llama/Llama-3-70b'), 'openrouter:meta-llama/Llama-3-70b');
    assert.equal(route(r, 'anthropic/claude-sonnet-4.5'), 'openrouter:anthropic/claude-sonnet-4.5');
    assert.equal(route(r, 'anthropic/claude'), 'anthropic:claude');
  });

  it('lists each model once, from enabled providers, with the preferred provider and every endpoint', async () => {
    const r = await registry({
      a: { baseurl: 'https://a.example', models: ['m', 'only-a'], name: 'Provider A', description: 'first' },
      b: { baseurl: 'https://b.example', models: ['m'], preference: 2, compatibility: { openai_chat: true, anthropic_messages: true } },
      off: { baseurl: 'https://off.example', models: ['hidden'], disabled: true },
    });
    const models = r.models();
    assert.deepEqual(models.map((m) => [m.id, m.provider]).sort(), [
      ['m', 'b'],
      ['only-a', 'a'],
    ]);
    assert.deepEqual([...(models.find((m) => m.id === 'm')?.supportedEndpoints ?? [])].sort(), ['/v1/chat/completions', '/v1/messages']);
    const onlyA = models.find((m) => m.id === 'only-a');
    assert.deepEqual([onlyA?.providerName, onlyA?.providerDescription], ['Provider A', 'first']);
  });
});
