import assert from 'node:assert/strict';
import { request } from 'node:http';
import { jsonResponder } from '@tollgate/testing';
import { MODELS, type Rig, post, startRig } from './support.js';

describe('bad input per format', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
    rig.upstream.respond(jsonResponder({ never: 'called' }));
  });
  after(async () => rig.close());

  const gemini = (target: string) => `/v1beta/models/${target}`;
  const contents = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

  /** Sends a request with the path exactly as given (no client-side `..` normalisation). */
  function rawPost(path: string, body: string): Promise<{ status: number; json: any }> {
    const url = new URL(rig.gw.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Asserts an error answer in a format's envelope, and that nothing went upstream. */
  async function expectError(path: string, body: unknown, status: number, check: (json: any) => void): Promise<void> {
    const before = rig.upstream.requests.length;
    const res = await post(rig.gw.url, path, body);
    assert.equal(res.status, status, `${path}: ${res.text}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    check(res.json());
    assert.equal(rig.upstream.requests.length, before, 'nothing reached the provider');
  }

  const openAiShape = (type: string) => (json: any) => {
    assert.equal(json.error.type, type);
    assert.equal(typeof json.error.message, 'string');
  };
  const anthropicShape = (type: string) => (json: any) => {
    assert.equal(json.type, 'error');
    assert.equal(json.error.type, type);
    assert.equal(typeof json.error.message, 'string');
    assert.deepEqual(Object.keys(json).sort(), ['error', 'type']);
  };
  const googleShape = (code: number, status: string) => (json: any) => {
    assert.deepEqual(Object.keys(json), ['error']);
    assert.equal(json.error.code, code);
    assert.equal(json.error.status, status);
    assert.equal(typeof json.error.message, 'string');
  };

  describe('bad input answers in the format’s envelope', () => {
    it('missing model: 400', async () => {
      await expectError('/v1/responses', { input: 'hi' }, 400, openAiShape('invalid_request_error'));
      await expectError('/v1/messages', { max_tokens: 5, messages: [] }, 400, anthropicShape('invalid_request_error'));
      await expectError(gemini(':generateContent'), contents, 400, googleShape(400, 'INVALID_ARGUMENT'));
    });

    it('malformed body: 400', async () => {
      await expectError('/v1/responses', '{"model": "gpt-5",', 400, openAiShape('invalid_request_error'));
      await expectError('/v1/messages', '{"model": ', 400, anthropicShape('invalid_request_error'));
      await expectError(gemini(`${MODELS.gemini}:generateContent`), '[1,2]', 400, googleShape(400, 'INVALID_ARGUMENT'));
      await expectError('/v1/messages', { model: MODELS.anthropic, messages: 'hello' }, 400, anthropicShape('invalid_request_error'));
      await expectError('/v1/responses', { model: MODELS.openai, input: 42 }, 400, openAiShape('invalid_request_error'));
      await expectError(gemini(`${MODELS.gemini}:generateContent`), { prompt: 'hi' }, 400, googleShape(400, 'INVALID_ARGUMENT'));
    });

    it('unknown model: 404', async () => {
      await expectError('/v1/responses', { model: 'nope', input: 'hi' }, 404, openAiShape('not_found_error'));
      await expectError('/v1/messages', { model: 'nope', max_tokens: 5, messages: [] }, 404, anthropicShape('not_found_error'));
      await expectError(gemini('nope:generateContent'), contents, 404, googleShape(404, 'NOT_FOUND'));
    });

    it('a path the model’s provider does not accept (compatibility flags): 404', async () => {
      await expectError('/v1/responses', { model: MODELS.chatOnly, input: 'hi' }, 404, openAiShape('not_found_error'));
      await expectError('/v1/messages', { model: MODELS.openai, max_tokens: 5, messages: [] }, 404, anthropicShape('not_found_error'));
      await expectError(gemini(`${MODELS.anthropic}:generateContent`), contents, 404, googleShape(404, 'NOT_FOUND'));
      const res = await post(rig.gw.url, '/v1/messages', { model: MODELS.chatOnly, max_tokens: 5, messages: [] });
      assert.match(res.json().error.message, /Anthropic Messages/);
    });

    it('Gemini: path traversal and encoded slashes in the model segment are refused with 400', async () => {
      for (const target of ['..%2F..%2Fv1%2Ffiles:generateContent', '..:generateContent', '%2e%2e:generateContent', 'a%2Fb:generateContent', 'a%5Cb:generateContent']) {
        await expectError(gemini(target), contents, 400, googleShape(400, 'INVALID_ARGUMENT'));
      }
      const before = rig.upstream.requests.length;
      const raw = await rawPost(`/v1beta/models/x/../../secret:generateContent`, JSON.stringify(contents));
      assert.equal(raw.status, 400);
      assert.equal(raw.json.error.status, 'INVALID_ARGUMENT');
      assert.equal(rig.upstream.requests.length, before);
    });

    it('Gemini: a method tollgate does not serve is 404 NOT_FOUND', async () => {
      await expectError(gemini(`${MODELS.gemini}:countTokens`), contents, 404, googleShape(404, 'NOT_FOUND'));
      await expectError(gemini(MODELS.gemini), contents, 404, googleShape(404, 'NOT_FOUND'));
    });

    it('wrong HTTP method: 405 in the envelope, with Allow', async () => {
      for (const [path, check] of [
        ['/v1/responses', openAiShape('invalid_request_error')],
        ['/v1/messages', anthropicShape('invalid_request_error')],
        [gemini(`${MODELS.gemini}:generateContent`), googleShape(405, 'INVALID_ARGUMENT')],
      ] as const) {
        const res = await fetch(`${rig.gw.url}${path}`);
        assert.equal(res.status, 405, path);
        assert.equal(res.headers.get('allow'), 'POST');
        check(await res.json());
      }
    });

    it('a provider failure (connection dropped) is a 502 in the envelope', async () => {
      rig.upstream.respond((_req, res) => {
        res.socket?.destroy();
      });
      try {
        const r1 = await post(rig.gw.url, '/v1/responses', { model: MODELS.openai, input: 'hi' });
        assert.equal(r1.status, 502);
        openAiShape('upstream_error')(r1.json());
        const r2 = await post(rig.gw.url, '/v1/messages', { model: MODELS.anthropic, max_tokens: 5, messages: [], stream: true });
        assert.equal(r2.status, 502);
        anthropicShape('api_error')(r2.json());
        const r3 = await post(rig.gw.url, gemini(`${MODELS.gemini}:streamGenerateContent?alt=sse`), contents);
        assert.equal(r3.status, 502);
        googleShape(502, 'UNAVAILABLE')(r3.json());
      } finally {
        rig.upstream.respond(jsonResponder({ never: 'called' }));
      }
    });

    it('a provider error answer is relayed as the provider sent it', async () => {
      const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
      rig.upstream.respond(jsonResponder(body, 529));
      try {
        const res = await post(rig.gw.url, '/v1/messages', { model: MODELS.anthropic, max_tokens: 5, messages: [] });
        assert.equal(res.status, 529);
        assert.deepEqual(res.json(), body);
      } finally {
        rig.upstream.respond(jsonResponder({ never: 'called' }));
      }
    });
  });
});
