import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@tollgate/core';
import { type FakeHookReceiver, type FakeOso, type FakeUpstream, type RecordedRequest, type Responder, type TestGateway, hookReply, jsonResponder, runProcess, sseResponder, startFakeHookReceiver, startFakeOso, startTestGateway } from '@tollgate/testing';
import { FORMATS, type FormatCase, PROVIDER_KEYS, providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, openStream, post, send } from './support/http.js';

/** Every secret the gateway holds or sees, with distinctive values. */
const CLIENT_TOKEN = 'tok-SECRET-client-alice-7d1e30';
const UNKNOWN_TOKEN = 'tok-SECRET-unknown-caller-91ab';
const GOOGLE_KEY_ENV = 'TG_RELIABILITY_GOOGLE_KEY';
const HOOK_KEYS = { guard: 'hk-SECRET-guard-hook-3c7a11', audit: 'hk-SECRET-audit-hook-e04f72' } as const;
/** Standard Webhooks secret: `whsec_` and base64 of 32 bytes. */
const SIGNING_PAYLOAD = Buffer.from('signing-SECRET-0123456789abcdefgh').toString('base64');
const SIGNING_SECRET = `whsec_${SIGNING_PAYLOAD}`;
const OSO_KEY = 'oso-SECRET-cloud-key-5a9d0c';

const ALL_SECRETS: Readonly<Record<string, string>> = {
  'openai provider key': PROVIDER_KEYS.openai,
  'anthropic provider key': PROVIDER_KEYS.anthropic,
  'google provider key (from env:)': PROVIDER_KEYS.google,
  'client token': CLIENT_TOKEN,
  'unknown client token': UNKNOWN_TOKEN,
  'guard hook key': HOOK_KEYS.guard,
  'audit hook key': HOOK_KEYS.audit,
  'signing secret': SIGNING_SECRET,
  'signing secret payload': SIGNING_PAYLOAD,
  'Oso key': OSO_KEY,
};

/** Fails naming every secret found in `text`, except the `allowed` ones. */
function assertNoSecrets(where: string, text: string, allowed: readonly string[] = []): void {
  const found = Object.entries(ALL_SECRETS).filter(([, value]) => !allowed.includes(value) && text.includes(value));
  assert.deepEqual(found.map(([name]) => name), [], `${where} holds secrets`);
}

/** Headers as text without the named ones. */
function headersWithout(headers: IncomingHttpHeaders | Readonly<Record<string, unknown>>, ...names: string[]): string {
  return JSON.stringify(Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k))));
}

/** JSON of anything an observer holds (Maps, Sets, class instances, cycles). */
function dump(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') return undefined;
    if (typeof v === 'bigint') return String(v);
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
      if (v instanceof Map) return [...v.entries()];
      if (v instanceof Set) return [...v];
    }
    return v;
  });
}

/** The provider a recorded upstream request went to, and the header its key travels in. */
function providerOf(req: RecordedRequest): { key: string; header: string; value: string } {
  if (req.url.startsWith('/v1/messages')) return { key: PROVIDER_KEYS.anthropic, header: 'x-api-key', value: PROVIDER_KEYS.anthropic };
  if (req.url.startsWith('/v1beta/')) return { key: PROVIDER_KEYS.google, header: 'x-goog-api-key', value: PROVIDER_KEYS.google };
  return { key: PROVIDER_KEYS.openai, header: 'authorization', value: `Bearer ${PROVIDER_KEYS.openai}` };
}

/** How a client of each format presents its token. */
function credentials(format: FormatCase, token: string): Record<string, string> {
  switch (format.name) {
    case 'anthropic_messages':
      return { 'x-api-key': token };
    case 'gemini':
      return { 'x-goog-api-key': token };
    default:
      return { authorization: `Bearer ${token}` };
  }
}

describe('reliability: secrets never leak', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let receiver: FakeHookReceiver;
  let oso: FakeOso;
  let gw: TestGateway;

  beforeEach(async () => {
    upstream = await guard.upstream();
    receiver = await startFakeHookReceiver();
    guard.defer(() => receiver.close());
    oso = await startFakeOso({ apiKey: OSO_KEY, policy: [{ actor_type: 'User', actor_id: '*', action: 'call', resource_type: 'Tool', resource_id: '*' }] });
    guard.defer(() => oso.close());
    const providers = providersFor(upstream.url) as Record<string, Record<string, unknown>>;
    providers.google = { ...providers.google, apikey: `env:${GOOGLE_KEY_ENV}` };
    const aperture = [
      { role: 'user' },
      { models: '**' },
      {
        send_hooks: [
          { name: 'guard', events: ['pre_request'], send: ['user_message', 'request_body'] },
          { name: 'audit', events: ['entire_request', 'tool_call_entire_request'], send: ['user_message', 'request_body', 'response_body', 'raw_responses', 'tools', 'grants'] },
        ],
      },
    ];
    gw = await guard.gateway({
      config: {
        providers,
        identity: { api_keys: { [CLIENT_TOKEN]: 'alice@example.com' }, loopback: false },
        logging: { level: 'trace' },
        hooks: {
          guard: { url: receiver.urlFor('/guard'), apikey: HOOK_KEYS.guard, timeout: '1s' },
          audit: { url: receiver.urlFor('/audit'), apikey: HOOK_KEYS.audit, authorization: 'x-api-key', signing_secret: SIGNING_SECRET, timeout: '1s' },
        },
        grants: [{ src: ['alice@example.com'], app: { 'tailscale.com/cap/aperture': aperture, 'example.com/cap/team': [{ team: 'eng' }] } }],
      },
      env: { [GOOGLE_KEY_ENV]: PROVIDER_KEYS.google },
      plugins: [
        'grants',
        ['webhook', { delivery: { retry_initial: '20ms', retry_max: '100ms' } }],
        ['oso', { apiKey: OSO_KEY, url: oso.modelRequestUrl, enforce: { url: oso.url, timeout: '1s', retries: 0, cache_ttl: '0', on_deny: 'strip' } }],
      ],
    });
  });

  it('no key, token or signing secret appears in logs, client answers, exchanges, hook payloads or Oso calls; client tokens never go upstream', async () => {
    const answers: Answer[] = [];
    const ask = async (format: FormatCase, stream: boolean, headers: Record<string, string>, pathSuffix = ''): Promise<void> => {
      answers.push(await post(gw.url, format.path(stream) + pathSuffix, format.body(stream), headers));
    };
    /** Echoes back whatever credential the gateway sent upstream, in a provider-style error. */
    const echo = (status: number, type = 'application/json'): Responder => (req, res) => {
      const body = type.includes('json') ? JSON.stringify({ error: { message: `invalid key ${JSON.stringify(req.headers)}`, type: 'authentication_error' } }) : `<pre>${JSON.stringify(req.headers)}</pre>`;
      res.writeHead(status, { 'content-type': type, 'x-echo-auth': String(req.headers.authorization ?? req.headers['x-api-key'] ?? req.headers['x-goog-api-key']) });
      res.end(body);
    };

    // Successful traffic in every format, streamed and not, with tool calls (each checked by Oso).
    for (const format of FORMATS) {
      for (const stream of [false, true]) {
        upstream.respond(stream ? sseResponder(format.frames()) : jsonResponder(format.json()));
        await ask(format, stream, credentials(format, CLIENT_TOKEN));
      }
    }
    // Gemini's ?key= query credential.
    upstream.respond(jsonResponder(FORMATS[3]!.json()));
    await ask(FORMATS[3]!, false, {}, `?key=${CLIENT_TOKEN}`);
    // Provider errors that echo the credential they got, as JSON and as an HTML page.
    for (const format of FORMATS) {
      upstream.respond(echo(401));
      await ask(format, false, credentials(format, CLIENT_TOKEN));
      await ask(format, true, credentials(format, CLIENT_TOKEN));
      upstream.respond(echo(500, 'text/html'));
      await ask(format, false, credentials(format, CLIENT_TOKEN));
    }
    // Unknown and missing credentials, an unknown model, the models list.
    for (const format of FORMATS) await ask(format, false, credentials(format, UNKNOWN_TOKEN));
    await ask(FORMATS[0]!, false, { authorization: UNKNOWN_TOKEN, 'x-api-key': UNKNOWN_TOKEN, cookie: `session=${UNKNOWN_TOKEN}` });
    answers.push(await post(gw.url, '/v1/chat/completions', { model: 'no-such-model', messages: [] }, { authorization: `Bearer ${CLIENT_TOKEN}` }));
    answers.push(await send(`${gw.url}/v1/models`, { method: 'GET', headers: { authorization: `Bearer ${CLIENT_TOKEN}` } }));
    // Hooks and Oso failing: replies that echo the credential they got.
    receiver.replyNext([{ kind: 'respond', status: 500, body: `bad key ${HOOK_KEYS.guard}` }], '/guard');
    receiver.replyNext([{ kind: 'respond', status: 500, body: `bad key ${HOOK_KEYS.audit} ${SIGNING_SECRET}` }, hookReply.status(429, 0)], '/audit');
    oso.failNext(401, 1);
    upstream.respond(jsonResponder(FORMATS[0]!.json()));
    await ask(FORMATS[0]!, false, credentials(FORMATS[0]!, CLIENT_TOKEN));
    // A client that hangs up mid-stream.
    upstream.respond(sseResponder(FORMATS[0]!.frames(), { delayMs: 5 }));
    const s = openStream(`${gw.url}${FORMATS[0]!.path(true)}`, FORMATS[0]!.body(true), credentials(FORMATS[0]!, CLIENT_TOKEN));
    await s.until((t) => t.length > 0);
    s.destroy();

    // Let every observer, hook delivery and telemetry call finish, then stop (flushing the log).
    await gw.exchange(answers.length, 10_000);
    await receiver.waitFor(() => receiver.deliveriesTo('/audit').filter((d) => d.headers['x-tollgate-attempt'] !== undefined).length > 0, 10_000);
    await gw.gateway.close();

    assert.ok(gw.logs.access.length >= answers.length, 'an access line per request, at least');
    assertNoSecrets('the log', gw.logs.text);
    answers.forEach((a, i) => assertNoSecrets(`client answer #${i} (${a.status})`, `${a.status} ${headersWithout(a.headers)} ${a.text}`));
    assert.ok(answers.some((a) => a.status === 401) && answers.some((a) => a.status === 200) && answers.some((a) => a.status === 502));
    gw.exchanges.forEach((e, i) => assertNoSecrets(`exchange #${i}`, dump(e)));

    assert.ok(upstream.requests.length >= 20);
    for (const req of upstream.requests) {
      const p = providerOf(req);
      assert.equal(req.headers[p.header], p.value, `${req.url}: the provider's own key, in its header`);
      assertNoSecrets(`upstream request ${req.url}`, `${req.method} ${req.url} ${headersWithout(req.headers, p.header)} ${req.raw.toString('utf8')}`);
    }

    const deliveries = receiver.deliveries;
    assert.ok(deliveries.some((d) => d.path === '/guard') && deliveries.some((d) => d.path === '/audit'));
    for (const d of deliveries) {
      const own = d.path === '/guard' ? { header: 'authorization', value: `Bearer ${HOOK_KEYS.guard}` } : { header: 'x-api-key', value: HOOK_KEYS.audit };
      assert.equal(d.headers[own.header], own.value, `${d.path}: the hook's own key, in its header`);
      assertNoSecrets(`hook delivery to ${d.path}`, `${d.path} ${headersWithout(d.headers, own.header)} ${d.raw.toString('utf8')}`);
    }

    assert.ok(oso.count('authorize') > 0 && oso.modelRequests.length > 0, 'Oso was asked and told');
    for (const call of oso.calls) {
      assert.equal(call.headers.authorization, `Bearer ${OSO_KEY}`);
      assertNoSecrets(`Oso call ${call.path}`, `${headersWithout(call.headers, 'authorization')} ${JSON.stringify(call.body)}`);
    }
  });
  /** The credential the upstream got for a recorded request (the provider's key). */
  function credentialOf(req: RecordedRequest): string {
    return providerOf(req).key;
  }

  /**
   * A provider that echoes the credential it got: in a header (`x-request-id`, which the gateway
   * passes on as `x-upstream-request-id`), and inside the first JSON object of its answer. A
   * stream is cut into pieces inside the echoed key, so the key spans chunk boundaries.
   */
  function echoing(format: FormatCase, stream: boolean): Responder {
    return async (req, res) => {
      const key = credentialOf(req);
      const headers = { 'x-request-id': `req_${key}`, 'x-debug-auth': key };
      if (!stream) {
        const body = { ...(format.json() as Record<string, unknown>), debug_echo: `Bearer ${key}` };
        await jsonResponder(body, 200, headers)(req, res);
        return;
      }
      const wire = format.frames().join('').replace('data: {', `data: {"debug_echo":"Bearer ${key}",`);
      const at = wire.indexOf(key);
      const cuts = [0, at + 3, at + 11, at + key.length - 1, wire.length];
      const pieces = cuts.slice(1).map((end, i) => wire.slice(cuts[i], end));
      await sseResponder(pieces, { delayMs: 15, headers })(req, res);
    };
  }

  it('a provider that echoes its key in a 200 JSON body, in stream events (split across chunks) or in response headers: the client, observers and hooks get *** instead (issue 14)', async () => {
    const answers: Answer[] = [];
    for (const format of FORMATS) {
      for (const stream of [false, true]) {
        upstream.respond(echoing(format, stream));
        const a = await post(gw.url, format.path(stream), format.body(stream), credentials(format, CLIENT_TOKEN));
        assert.equal(a.status, 200, `${format.name} ${stream}: ${a.text.slice(0, 300)}`);
        assert.match(a.text, /"debug_echo":"(Bearer )?\*\*\*"/, `${format.name} ${stream ? 'stream' : 'body'}: the echo is there, redacted`);
        assert.ok(String(a.headers['x-upstream-request-id']).startsWith('req_***'), `${format.name}: header redacted (${a.headers['x-upstream-request-id']})`);
        if (stream) assert.ok(a.text.includes(format.toolName), `${format.name}: the stream (and its tool call) still arrives`);
        else assert.equal(typeof a.json(), 'object', `${format.name}: the body is still JSON`);
        answers.push(a);
      }
    }
    await gw.exchange(answers.length, 10_000);
    await receiver.waitFor((d) => d.filter((x) => x.path === '/audit').length >= answers.length * 2, 10_000);
    await gw.gateway.close();
    answers.forEach((a, i) => assertNoSecrets(`client answer #${i}`, `${headersWithout(a.headers)} ${a.text}`));
    gw.exchanges.forEach((e, i) => assertNoSecrets(`exchange #${i}`, dump(e)));
    for (const d of receiver.deliveries.filter((x) => x.path === '/audit')) assertNoSecrets('audit hook delivery', `${d.raw.toString('utf8')}`);
    assertNoSecrets('the log', gw.logs.text);
    assert.equal(gw.logs.withMessage('the provider echoed a credential it was sent; replaced with *** in what the client, observers and hooks get').length, answers.length);
  });

  it('the spool never holds an echoed key (events waiting for a hook that is down)', async () => {
    receiver.reply(hookReply.status(503), '/audit');
    for (const format of FORMATS) {
      for (const stream of [false, true]) {
        upstream.respond(echoing(format, stream));
        assert.equal((await post(gw.url, format.path(stream), format.body(stream), credentials(format, CLIENT_TOKEN))).status, 200);
      }
    }
    await gw.exchange(FORMATS.length * 2, 10_000);
    const spoolDir = join(gw.dataDir, 'webhook', 'hooks', 'audit');
    const spooled = (): string => (existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(spoolDir, f), 'utf8')).join('') : '');
    await receiver.waitFor((d) => d.filter((x) => x.path === '/audit').length >= FORMATS.length * 2, 10_000);
    const deadline = Date.now() + 5000;
    while (!spooled().includes('debug_echo') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const text = spooled();
    assert.match(text, /debug_echo.{0,6}(Bearer )?\*\*\*/, 'the spool holds the events, redacted');
    assertNoSecrets('the spool', text);
  });
});

describe('reliability: configuration messages name paths, never secret values (issue 14)', () => {
  const guard = useGuard();
  const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'tollgate.js');
  const ENV_KEY = 'sk-prov-SECRET-from-env-0c51d9e2a7';
  const LITERAL_CLIENT_KEY = 'tok-SECRET-literal-client-3e9b77';
  const HEADER_KEY = 'hdr-SECRET-injected-credential-5d20';
  const SECRETS = [ENV_KEY, LITERAL_CLIENT_KEY, HEADER_KEY];

  /** Fails when any 10-character piece of a secret appears in `text` (a truncated quote leaks too). */
  function assertNoPiece(where: string, text: string): void {
    for (const secret of SECRETS) {
      for (let i = 0; i + 10 <= secret.length; i++) assert.ok(!text.includes(secret.slice(i, i + 10)), `${where} quotes part of a secret: ${secret.slice(i, i + 10)}\n${text}`);
    }
  }

  /** A config with every mistake that used to print a secret. */
  const mistakes = (): string => `{
    "providers": {
      "openai": {
        "baseurl": "http://127.0.0.1:9/v1",
        "apikey": "env:TG_SECRET_KEY",
        "preference": "env:TG_SECRET_KEY",          // an env: secret in a field of another type
        "models": ["gpt-4o"],
        "add_headers": ["Authorization Bearer ${HEADER_KEY}", "X-Api-Key: ${HEADER_KEY}\\u0000", "Host: ${HEADER_KEY}"]
      },
      "other": { "baseurl": "env:TG_SECRET_KEY", "models": ["m"], "auth_mode": "passthrough" }
    },
    "logging": { "level": "env:TG_SECRET_KEY" },
    "identity": {
      "api_keys": {
        "${LITERAL_CLIENT_KEY}": "alice@example.com",                               // listed twice,
        "${LITERAL_CLIENT_KEY}": { "login": "alice@example.com", "team": "eng" }    // the last with a wrong identity
      }
    },
    "plugins": []
  }`;

  it('check-config and start-up report every mistake by its path: an env: secret in the wrong field, a literal client key as a map key, malformed add_headers, passthrough with client keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-secret-config-'));
    guard.defer(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'tollgate.jsonc');
    writeFileSync(file, mistakes());
    const env = { TG_SECRET_KEY: ENV_KEY };

    const check = await runProcess(process.execPath, [BIN, 'check-config', file], { env });
    assert.equal(check.code, 1, check.stderr);
    const printed = `${check.stdout}\n${check.stderr}`;
    assertNoPiece('check-config', printed);
    for (const path of [
      'providers.openai.preference',
      'providers.other.baseurl',
      'logging.level',
      'identity.api_keys["<key #1>"]',
      'providers.openai.add_headers[0]',
      'providers.openai.add_headers[1]',
      'providers.openai.add_headers[2]',
      'providers.other.auth_mode',
      'identity.api_keys: a client key is listed twice',
    ]) {
      assert.ok(printed.includes(path), `check-config names ${path}:\n${printed}`);
    }
    assert.match(printed, /providers\.openai\.preference: must be integer \(got a secret value, not shown\)/);

    // The same through createGateway: the thrown error and its issues.
    const err = await startTestGateway({ config: file, env }).then(
      (gw) => gw.close().then(() => undefined),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assertNoPiece('the ConfigError', `${err.message}\n${JSON.stringify(err.issues)}`);
  });

  it('warnings logged at start-up (a malformed add_headers line holding a credential) quote no secret', async () => {
    const gw = await guard.gateway({
      config: { providers: { mock: { baseurl: 'mock://', models: ['mock-1'], add_headers: [`X-Api-Key ${HEADER_KEY}`, `Host: ${HEADER_KEY}`] } } },
      env: { TG_SECRET_KEY: ENV_KEY },
    });
    await gw.gateway.close();
    const warnings = gw.logs.lines.filter((l) => String(l.path ?? '').includes('add_headers'));
    assert.equal(warnings.length, 2);
    assertNoPiece('the start-up log', gw.logs.text);
  });
});
