import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TollgatePlugin } from '@tollgate/core';
import { type FakeUpstream, type Responder, type TestGateway, jsonResponder, sseResponder, startFakeUpstream } from '@tollgate/testing';
import { DEAD_MODEL, FORMATS, type FormatCase, assertErrorEnvelope, assertStreamEndsWithError, providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, deferred, openStream, post } from './support/http.js';

/** Short upstream timeouts and small limits, so that every fault resolves quickly. */
const LIMITS = {
  upstream_connect_timeout: '1s',
  upstream_headers_timeout: '300ms',
  upstream_idle_timeout: '300ms',
  max_event_size: '64kb',
  max_response_size: '256kb',
};

/** An `onToolCall` tap allowing every call: tool-call events are then held until decided. */
function allowAll(): TollgatePlugin {
  return { name: 'allow-all', apply: (host) => host.hooks.onToolCall.tap('allow-all', () => undefined) };
}

/** Writes `frames`, resolving once they are flushed to the socket. */
async function writeFrames(res: ServerResponse, frames: readonly string[]): Promise<void> {
  for (const f of frames) await new Promise<void>((resolve) => res.write(f, () => resolve()));
}

/** A stream response head, sent at once. */
function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
}

/** Malformed or hostile SSE events a provider (or a proxy in front of it) could send, per format. */
function garbageFrames(format: FormatCase): string[] {
  const common = [
    'data: {not json\n\n',
    ': a comment line\n\n',
    'event: no-data-at-all\n\n',
    'data: null\n\n',
    'data: [1,2,3]\n\n',
    'data: "just a string"\n\n',
    'retry: 10\nid: 7\n\n',
    'data: {"a":\ndata: 1}\n\n',
    'data: \u0000\u0001\u0002 control bytes \u007f\n\n',
  ];
  switch (format.name) {
    case 'openai_chat':
      return [
        ...common,
        'data: {"choices":"not an array"}\n\n',
        'data: {"choices":[null,{"index":"x","delta":{"tool_calls":[{"index":-1,"function":{"arguments":{}}}]}}]}\n\n',
        'data: {"choices":[{"index":5,"delta":{"tool_calls":[{"index":1e9,"id":42,"function":null}]}}]}\n\n',
        'data: {"usage":{"prompt_tokens":"many"}}\n\n',
      ];
    case 'openai_responses':
      return [
        ...common,
        'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":"a","item":null}\n\n',
        'event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","item_id":"fc_unknown","output_index":99,"delta":"{"}\n\n',
        'event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":98,"item":{"type":"function_call","id":7}}\n\n',
        'event: response.completed\ndata: {"type":"response.completed","response":"nope"}\n\n',
      ];
    case 'anthropic_messages':
      return [
        ...common,
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":99,"delta":{"type":"input_json_delta","partial_json":"{\\"x"}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":"0","content_block":null}\n\n',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":-3}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":"x"},"delta":null}\n\n',
      ];
    case 'gemini':
      return [
        ...common,
        'data: {"candidates":"x"}\n\n',
        'data: {"candidates":[null,{"index":"1","content":{"parts":"no"}}]}\n\n',
        'data: {"candidates":[{"index":7,"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.__proto__.polluted","stringValue":"yes"}],"willContinue":true}}]}}]}\n\n',
        'data: {"candidates":[{"index":7,"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.a[99999999]","numberValue":1}],"willContinue":true}}]}}]}\n\n',
        'data: {"usageMetadata":{"promptTokenCount":{}}}\n\n',
      ];
  }
}

for (const format of FORMATS) {
  for (const gated of [false, true]) {
    describe(`reliability: upstream faults, ${format.name}${gated ? ' (tool calls held by an onToolCall tap)' : ''}`, () => {
      const guard = useGuard();
      let upstream: FakeUpstream;
      let gw: TestGateway;
      let deadUrl: string;
      const frames = format.frames();
      const half = Math.max(1, Math.floor(frames.length / 2));

      beforeEach(async () => {
        upstream = await guard.upstream();
        // A port nobody listens on: start a server and close it.
        const dead = await startFakeUpstream();
        deadUrl = dead.url;
        await dead.close();
        gw = await guard.gateway({ config: { providers: providersFor(upstream.url, deadUrl), limits: LIMITS }, plugins: gated ? [allowAll()] : [] });
      });

      const request = (stream: boolean, model?: string): Promise<Answer> => post(gw.url, format.path(stream, model), format.body(stream, model));
      const stream = (model?: string) => openStream(`${gw.url}${format.path(true, model)}`, format.body(true, model));

      /** The gateway still serves a good streamed and a good non-streamed request, exactly. */
      async function stillServes(): Promise<void> {
        upstream.respond(sseResponder(frames));
        const s = await request(true);
        assert.equal(s.status, 200, s.text);
        assert.ok(s.complete);
        assert.equal(s.text, frames.join(''), 'the good stream reaches the client byte for byte');
        const json = format.json();
        upstream.respond(jsonResponder(json));
        const j = await request(false);
        assert.equal(j.status, 200, j.text);
        assert.deepEqual(j.json(), json);
      }

      /**
       * A fault after part of a stream: without held calls the client has its 200 and the
       * events so far, then the format's error event, and the response ends cleanly. With held
       * calls, nothing may have been sent yet: then it is a plain error in the format's envelope.
       */
      function assertMidStreamError(answer: Answer, status: number): void {
        if (!gated || answer.status === 200) {
          assert.equal(answer.status, 200, answer.text);
          assert.ok(answer.complete, 'the chunked response is terminated properly');
          assertStreamEndsWithError(format, answer.text);
        } else {
          assertErrorEnvelope(format, answer, status);
        }
      }

      it('provider refuses the connection: 502 in the format envelope', async () => {
        for (const s of [false, true]) assertErrorEnvelope(format, await request(s, DEAD_MODEL), 502);
        await stillServes();
      });

      it('provider resets the connection before answering: 502', async () => {
        upstream.respond((_req, res) => {
          (res.socket as Socket).resetAndDestroy();
        });
        for (const s of [false, true]) assertErrorEnvelope(format, await request(s), 502);
        await stillServes();
      });

      it('provider closes the connection mid-stream: the stream ends with the format error event', async () => {
        upstream.respond(async (_req, res) => {
          sseHead(res);
          await writeFrames(res, frames.slice(0, half));
          res.destroy();
        });
        assertMidStreamError(await request(true), 502);
        await stillServes();
      });

      if (!gated) {
        it('provider resets (RST) mid-stream after the client got events: format error event, clean end', async () => {
          const reset = deferred();
          upstream.respond(async (_req, res) => {
            sseHead(res);
            await writeFrames(res, frames.slice(0, half));
            await reset.promise;
            (res.socket as Socket).resetAndDestroy();
          });
          const s = stream();
          await s.until((t) => t.length > 0);
          reset.resolve();
          const answer = await s.done();
          assertMidStreamError(answer, 502);
          assert.ok(answer.text.startsWith(frames[0] as string), 'what was sent before the fault stays');
          await stillServes();
        });
      }

      if (!gated) {
        it('provider stalls before its headers: 504 after upstream_headers_timeout', async () => {
          upstream.respond(() => undefined);
          const answers = await Promise.all([request(false), request(true)]);
          for (const a of answers) assertErrorEnvelope(format, a, 504);
          await stillServes();
        });
      }

      it('provider stalls mid-body (between events, inside a JSON body): the stream ends with an error, the JSON answer is 504', async () => {
        upstream.respond(async (req, res) => {
          if ((req.body as { stream?: boolean } | undefined)?.stream === true || req.url.includes('alt=sse')) {
            sseHead(res);
            await writeFrames(res, frames.slice(0, half));
          } else {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
            res.write('{"id":"partial",');
          }
        });
        const [streamed, json] = await Promise.all([request(true), request(false)]);
        assertMidStreamError(streamed, 504);
        assertErrorEnvelope(format, json, 504);
        await stillServes();
      });

      it('malformed SSE events (broken JSON, wrong types, comments, control bytes) pass through; the stream completes', async () => {
        const garbage = garbageFrames(format);
        const mixed = [frames[0] as string, ...garbage, ...frames.slice(1)];
        upstream.respond(sseResponder(mixed));
        const answer = await request(true);
        if (!gated) {
          assert.equal(answer.status, 200, answer.text);
          assert.ok(answer.complete);
          assert.equal(answer.text, mixed.join(''), 'relayed byte for byte');
        } else {
          // With an onToolCall tap nothing unread passes: the first event no client reads alike ends
          // the answer (before the first byte when it comes first, else in-stream).
          if (answer.status === 200) assertStreamEndsWithError(format, answer.text);
          else assertErrorEnvelope(format, answer, 502);
          assert.equal((await gw.exchange(1)).error?.code, 'unreadable_response');
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
        const exchange = await gw.exchange(1);
        assert.equal(exchange.status, answer.status);
        await stillServes();
      });

      it('invalid UTF-8 inside an event: the stream completes (bytes replaced, never a crash)', async () => {
        const bad = Buffer.concat([Buffer.from('data: {"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n\n')]);
        upstream.respond(sseResponder([frames[0] as string, bad, ...frames.slice(1)]));
        const answer = await request(true);
        assert.equal(answer.status, 200);
        assert.ok(answer.complete, 'the stream completes');
        // Read as the clients read it (replacement characters), the event is still a JSON object:
        // relayed when its shape is known, else (gated) the stream ends with the format's error.
        if (!gated || answer.text.includes(format.toolName)) assert.ok(answer.text.includes(format.toolName), 'the tool call arrives');
        else assertStreamEndsWithError(format, answer.text);
        await stillServes();
      });

      it('an event larger than max_event_size before any output: 502 in the envelope', async () => {
        upstream.respond(sseResponder([`data: {"x":"${'x'.repeat(100 * 1024)}"}\n\n`]));
        assertErrorEnvelope(format, await request(true), 502);
        await stillServes();
      });

      it('an event larger than max_event_size mid-stream (never terminated): the stream ends with an error', async () => {
        upstream.respond(async (_req, res) => {
          sseHead(res);
          await writeFrames(res, frames.slice(0, half));
          // 8 MB of one event without its blank line: the gateway must give up at the limit, not buffer it all.
          for (let i = 0; i < 128 && !res.destroyed; i++) await writeFrames(res, [i === 0 ? `data: "${'y'.repeat(64 * 1024)}` : 'y'.repeat(64 * 1024)]);
          res.end();
        });
        assertMidStreamError(await request(true), 502);
        await stillServes();
      });

      it('truncated JSON (a 200 cut short and closed): 502', async () => {
        upstream.respond((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"id":"chatcmpl-1","choices":[{"message":{"content":"hel');
        });
        assertErrorEnvelope(format, await request(false), 502);
        await stillServes();
      });

      it('a body shorter than its Content-Length, then the connection closes: 502', async () => {
        upstream.respond(async (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
          await writeFrames(res, ['{"id":"x"']);
          res.destroy();
        });
        assertErrorEnvelope(format, await request(false), 502);
        await stillServes();
      });

      it('a response over max_response_size: 502, without reading it all', async () => {
        upstream.respond(async (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          await writeFrames(res, ['{"pad":"']);
          for (let i = 0; i < 64 && !res.destroyed; i++) await writeFrames(res, ['z'.repeat(64 * 1024)]);
          res.end('"}');
        });
        assertErrorEnvelope(format, await request(false), 502);
        await stillServes();
      });

      it('response headers larger than the client accepts: 502', async () => {
        upstream.respond((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-huge': 'h'.repeat(64 * 1024) });
          res.end('{}');
        });
        for (const s of [false, true]) assertErrorEnvelope(format, await request(s), 502);
        await stillServes();
      });

      it('429 with Retry-After and 503 pass through with their status, body and retry hints', async () => {
        const limited = { error: { message: 'slow down', type: 'rate_limit_error' } };
        upstream.respond(jsonResponder(limited, 429, { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' }));
        for (const s of [false, true]) {
          const a = await request(s);
          assert.equal(a.status, 429);
          assert.equal(a.headers['retry-after'], '7');
          assert.equal(a.headers['x-ratelimit-remaining-requests'], '0');
          assert.deepEqual(a.json(), limited);
        }
        upstream.respond(jsonResponder({ error: { message: 'overloaded' } }, 503));
        assert.equal((await request(true)).status, 503);
        await stillServes();
      });

      it('a 5xx with an HTML body (a proxy error page): 502 in the envelope, not the HTML', async () => {
        const html: Responder = (_req, res) => {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body>Bad Gateway</body></html>');
        };
        upstream.respond(html);
        for (const s of [false, true]) {
          const a = await request(s);
          assertErrorEnvelope(format, a, 502);
          assert.ok(!a.text.includes('<html>'));
        }
        await stillServes();
      });

      it(`an SSE answer to a non-streamed request and a JSON answer to a streamed one are ${gated ? 'refused (clients read them by their request, not the content type)' : 'both relayed'}`, async () => {
        upstream.respond(sseResponder(frames));
        const a = await request(false);
        if (gated) assertErrorEnvelope(format, a, 502);
        else {
          assert.equal(a.status, 200);
          assert.equal(a.text, frames.join(''));
        }
        const json = format.json();
        upstream.respond(jsonResponder(json));
        const b = await request(true);
        if (gated) assertErrorEnvelope(format, b, 502);
        else {
          assert.equal(b.status, 200);
          assert.deepEqual(b.json(), json);
        }
      });
    });
  }
}
