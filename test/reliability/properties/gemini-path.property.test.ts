import assert from 'node:assert/strict';
import { type FakeUpstream, type TestGateway, jsonResponder, readFixture } from '@tollgate/testing';
import fc from 'fast-check';
import { providersFor } from '../support/formats.js';
import { useGuard } from '../support/guard.js';
import { portOf, rawConnect, statusLines } from '../support/http.js';

/** Pieces of hostile Gemini model paths: traversal, encodings of "/", "." and "\", separators, NUL. */
const PIECES = ['gemini-2.5-flash', 'models', 'v1', 'v1beta', '..', '.', '/', '//', '%2F', '%2f', '%2e', '%2E%2E', '%252e%252e', '%252F', '\\', '%5C', '%00', ':', '%3A', '@', ';', '%20', '%C0%AE', '%EF%BC%8E', 'generateContent', 'streamGenerateContent', '?alt=sse', '&key=x', '#', 'files', 'x'];

/** The only paths the provider may ever be asked for. */
const SAFE = new Set(['/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models/gemini-2.5-flash:streamGenerateContent']);

describe('properties: Gemini model paths', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;

  beforeEach(async () => {
    upstream = await guard.upstream(jsonResponder(JSON.parse(readFixture('gemini', 'google-tool-call.json').toString('utf8'))));
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, recordExchanges: false });
  });

  it('whatever the model segment holds, the provider is only ever asked for the one routed model, and the gateway never answers 5xx', async () => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 7 }), async (pieces) => {
        const target = `/v1beta/models/${pieces.join('')}`;
        // A raw request: no client library normalises or re-encodes the path.
        const client = await rawConnect(portOf(gw.url));
        client.write(`POST ${target} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        const answer = await client.closed;
        const [status] = statusLines(answer);
        assert.ok(status !== undefined && status < 500, `${target}: answered ${status}`);
        for (const req of upstream.requests) assert.ok(SAFE.has(new URL(req.url, 'http://x').pathname), `${target} reached the provider as ${req.url}`);
      }),
      { numRuns: 300, examples: [[['gemini-2.5-flash', ':', 'generateContent']], [['gemini-2.5-flash', ':', 'streamGenerateContent', '?alt=sse']], [['..', '/', 'files', ':', 'generateContent']]] },
    );
    assert.ok(upstream.requests.length >= 2, 'the well-formed paths among them did reach the provider');
  });
});
