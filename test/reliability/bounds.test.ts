import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Responder } from '@tollgate/testing';
import { FORMATS, errorMessageOf, providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';
import { type Answer, openStream, post } from './support/http.js';

const MB = 1024 * 1024;

/** Resolves when `res` drained or closed, leaving no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * An OpenAI chat stream whose one tool call never completes: argument deltas of 64 KB each, as
 * fast as the gateway reads them, until it hangs up or `totalBytes` were offered. `sent()` says
 * how many bytes of deltas went out.
 */
function endlessArguments(totalBytes: number): { responder: Responder; sent: () => number } {
  let sent = 0;
  const piece = 'x'.repeat(64 * 1024);
  const delta = (args: string, first: boolean): string =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(first ? { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '' } } : { function: { arguments: args } }) }] }, finish_reason: null }] })}\n\n`;
  const event = Buffer.from(delta(piece, false));
  return {
    sent: () => sent,
    responder: async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta('', true));
      while (sent < totalBytes && !res.destroyed) {
        sent += event.length;
        if (!res.write(event)) await drainedOrClosed(res);
      }
      res.end();
    },
  };
}

/** Samples the process's RSS every 20 ms while `work` runs; returns the peak growth in MB. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return (peak - base) / MB;
}

describe('reliability: bounds on what the gateway holds (issue 14)', () => {
  const guard = useGuard();

  for (const gate of [true, false]) {
    it(`a tool call whose arguments never end (300 MB offered) ends the answer with the format's error at limits.max_held_size; memory stays flat (${gate ? 'an onToolCall tap holds the call' : 'no onToolCall tap'})`, async () => {
      const endless = endlessArguments(300 * MB);
      const upstream = await guard.upstream(endless.responder);
      const decided: string[] = [];
      const gw = await guard.gateway({
        config: { providers: providersFor(upstream.url), limits: { max_held_size: '8mb' } },
        plugins: gate ? [{ name: 'gate', apply: (h) => h.hooks.onToolCall.tap('gate', (c) => void decided.push(c.call.name)) }] : [],
      });
      const chat = FORMATS[0]!;
      let answer: Answer | undefined;
      const growth = await peakRssGrowth(async () => {
        answer = await openStream(`${gw.url}${chat.path(true)}`, chat.body(true)).done();
      });
      assert.ok(endless.sent() < 64 * MB, `the provider was stopped early (${Math.round(endless.sent() / MB)} MB sent)`);
      assert.ok(growth < 120, `memory stays flat: RSS grew ${growth.toFixed(0)} MB`);
      assert.deepEqual(decided, [], 'the call never completed: nothing was decided');
      const a = answer as Answer;
      let message: string;
      if (gate) {
        // Held from its first event: nothing reached the client, so the error is a plain 502.
        assert.equal(a.status, 502, a.text.slice(0, 300));
        message = errorMessageOf(chat, a.json());
      } else {
        // Relayed as it came: the stream ends with the format's in-stream error event.
        assert.equal(a.status, 200);
        const frames = a.text.split('\n\n').filter((f) => f.startsWith('data: {"error"'));
        assert.equal(frames.length, 1, `one in-stream error event: ${a.text.slice(-300)}`);
        message = errorMessageOf(chat, JSON.parse(frames[0]!.slice(6)));
      }
      assert.match(message, /limits\.max_held_size/);
      const e = await gw.exchange();
      assert.equal(e.error?.code, 'held_size_exceeded');
    });
  }

  it('the default limit (32 MB) applies too, before the first byte in a JSON error when nothing was sent yet', async () => {
    const endless = endlessArguments(300 * MB);
    const upstream = await guard.upstream(endless.responder);
    const gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [{ name: 'gate', apply: (h) => h.hooks.onToolCall.tap('gate', () => undefined) }] });
    const chat = FORMATS[0]!;
    const answer = await post(gw.url, chat.path(true), chat.body(true));
    assert.equal(answer.status, 502, answer.text.slice(0, 300));
    assert.match(errorMessageOf(chat, answer.json()), /limits\.max_held_size \(33554432 bytes\)/);
    assert.ok(endless.sent() < 64 * MB);
  });
});
