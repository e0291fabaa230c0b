import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, type PluginDefinition } from '@tollgate/core';
import { type FakeHookReceiver, type TestGateway, hookReply, startFakeHookReceiver } from '@tollgate/testing';
import { Webhook } from 'standardwebhooks';
import { type HookCallData, SKIP_DELIVERY, type WebhookHooks, type WebhookTransport, getWebhookHooks, webhookStats } from '@tollgate/plugin-webhook';
import { WEATHER_TOOL, caps, capsPlugin, chat, eventually, startHookGateway, wiring } from './helpers.js';

/** A "JSONL audit file" plugin: a transport for `jsonl://` URLs that appends each delivery as a line. */
function jsonlPlugin(closed: string[] = []): PluginDefinition {
  return definePlugin({
    name: 'jsonl-audit',
    create: () => ({
      name: 'jsonl-audit',
      apply(host) {
        getWebhookHooks(host).transport.tap('jsonl-audit', ({ url, hook }): WebhookTransport | undefined => {
          if (url?.protocol !== 'jsonl:') return undefined;
          return {
            async send(delivery) {
              await appendFile(url.pathname, `${delivery.body.toString()}\n`);
              return { status: 200 };
            },
            async close() {
              closed.push(hook.name);
            },
          };
        });
      },
    }),
  });
}

/** A "Slack" plugin: reshapes the payload of the hook named `slack` into a Slack message, only for tool calls. */
function slackPlugin(seen: WebhookHooks[] = []): PluginDefinition {
  return definePlugin({
    name: 'slack-poster',
    create: () => ({
      name: 'slack-poster',
      apply(host) {
        const hooks = getWebhookHooks(host);
        seen.push(hooks);
        hooks.shapePayload.tap('slack-poster', (body, ctx) => {
          if (ctx.hook.name !== 'slack') return body;
          const calls = ctx.exchange?.toolCalls ?? [];
          if (calls.length === 0) return SKIP_DELIVERY;
          return { text: `${ctx.data.metadata.login_name} called ${calls.map((c) => `${c.name}(${JSON.stringify(c.params)})`).join(', ')}` };
        });
      },
    }),
  });
}

describe('webhook extension hooks', () => {
  let receiver: FakeHookReceiver;
  let dir: string;
  const gateways: TestGateway[] = [];

  beforeEach(async () => {
    receiver = await startFakeHookReceiver();
    receiver.reply(hookReply.ok());
    dir = mkdtempSync(join(tmpdir(), 'tollgate-ext-'));
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a plugin add a transport for a URL scheme (a JSONL audit file), applied before the webhook plugin', async () => {
    const file = join(dir, 'audit.jsonl');
    const closed: string[] = [];
    const gw2 = await startHookGateway({
      hooks: { audit: { url: `jsonl://${file}` } },
      plugins: [jsonlPlugin(closed), capsPlugin(caps([wiring('audit', ['entire_request'], ['user_message'])]))],
    });
    gateways.push(gw2);
    for (const m of ['one', 'two', 'three']) await chat(gw2, m);
    await eventually(() => webhookStats(gw2.gateway)?.audit?.sent === 3, 'three appended');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HookCallData);
    assert.deepEqual(lines.map((l) => l.user_message).sort(), ['one', 'three', 'two']);
    assert.equal(lines[0]?.metadata.login_name, 'alice@example.com');
    assert.equal(gw2.logs.lines.filter((l) => String(l.msg).includes('invalid URL scheme')).length, 0);
    await gw2.close();
    gateways.pop();
    assert.deepEqual(closed, ['audit'], 'transports are closed with their plugin instance');
  });

  it('without a transport for the scheme, warns as Aperture does and counts the events as failed', async () => {
    const gw = await startHookGateway({ hooks: { audit: { url: `jsonl://${join(dir, 'x.jsonl')}` } }, caps: caps([wiring('audit', ['entire_request'])]) });
    gateways.push(gw);
    assert.equal(gw.logs.lines.filter((l) => l.msg === 'hook audit has invalid URL scheme "jsonl"').length, 1);
    await chat(gw);
    await eventually(() => webhookStats(gw.gateway)?.audit?.failed === 1, 'failed');
    assert.match(webhookStats(gw.gateway)?.audit?.lastError?.message ?? '', /invalid URL scheme/);
  });

  it('lets a plugin reshape the payload for one receiver, skip events, and leaves other hooks alone', async () => {
    const secret = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;
    const gw = await startHookGateway({
      hooks: { slack: { url: receiver.urlFor('/slack'), signing_secret: secret }, audit: { url: receiver.urlFor('/audit') } },
      caps: caps([wiring('slack', ['entire_request'], ['tools']), wiring('audit', ['entire_request'], ['tools'])]),
      extraPlugins: [slackPlugin()],
    });
    gateways.push(gw);
    await chat(gw, 'no tools');
    await chat(gw, 'weather in Rome', { tools: [WEATHER_TOOL] });
    await receiver.waitFor((ds) => ds.filter((d) => d.path === '/audit').length === 2 && ds.some((d) => d.path === '/slack'));
    const slack = receiver.deliveriesTo('/slack');
    assert.equal(slack.length, 1, 'the event without tool calls was skipped');
    assert.deepEqual(slack[0]?.body, { text: 'alice@example.com called get_weather({"city":"weather in Rome"})' });
    assert.deepEqual(new Webhook(secret).verify(slack[0]!.raw, slack[0]!.headers as Record<string, string>), slack[0]?.body);
    const audit = receiver.deliveriesTo('/audit');
    assert.deepEqual(audit.map((d) => (d.body as HookCallData).tool_calls?.length).sort(), [0, 1]);
    assert.equal(webhookStats(gw.gateway)?.slack?.failed, 0);
  });

  it('counts a shaping tap that throws or returns what JSON cannot hold as a failed delivery, without blocking its hook or affecting others', async () => {
    const broken = definePlugin({
      name: 'broken-shaper',
      create: () => ({
        name: 'broken-shaper',
        apply(host) {
          getWebhookHooks(host).shapePayload.tapPromise('broken-shaper', async (body, ctx) => {
            const message = (ctx.data as HookCallData).user_message;
            if (ctx.hook.name === 'bad' && message === 'throw') throw new Error('boom');
            if (ctx.hook.name === 'bad' && message === 'circular') {
              const loop: Record<string, unknown> = {};
              loop.self = loop;
              return loop;
            }
            return body;
          });
        },
      }),
    });
    const gw = await startHookGateway({
      hooks: { bad: { url: receiver.urlFor('/bad') }, good: { url: receiver.urlFor('/good') } },
      caps: caps([wiring('bad', ['entire_request'], ['user_message']), wiring('good', ['entire_request'], ['user_message'])]),
      extraPlugins: [broken],
    });
    gateways.push(gw);
    await chat(gw, 'throw');
    await chat(gw, 'circular');
    await chat(gw, 'fine');
    await receiver.waitFor((ds) => ds.length === 4);
    await eventually(() => webhookStats(gw.gateway)?.bad?.failed === 2, 'bad failed twice');
    const got = receiver.deliveries.map((d) => `${d.path} ${(d.body as HookCallData).user_message}`).sort();
    assert.deepEqual(got, ['/bad fine', '/good circular', '/good fine', '/good throw'], 'the queue of the failing hook is not stuck');
    assert.equal(gw.logs.withMessage('building a hook payload failed; event not delivered').length, 2);
  });

  it('lets a custom transport answer pre_request calls', async () => {
    const guard = definePlugin({
      name: 'in-process-guard',
      create: () => ({
        name: 'in-process-guard',
        apply(host) {
          getWebhookHooks(host).transport.tap('in-process-guard', ({ url }) =>
            url?.protocol === 'guard:'
              ? {
                  async send(delivery) {
                    const data = JSON.parse(delivery.body.toString()) as HookCallData;
                    return { status: 200, reply: data.user_message?.includes('secret') ? { action: 'block', status_code: 403, message: 'no secrets' } : { action: 'allow' } };
                  },
                }
              : undefined,
          );
        },
      }),
    });
    const gw = await startHookGateway({ hooks: { guard: { url: 'guard://local' } }, caps: caps([wiring('guard', ['pre_request'], ['user_message'])]), extraPlugins: [guard] });
    gateways.push(gw);
    assert.equal((await chat(gw, 'harmless')).status, 200);
    const blocked = await chat(gw, 'my secret');
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.error.message, 'no secrets');
  });

  it('gives every plugin of a runtime the same hooks, and a reload new ones', async () => {
    const seen: WebhookHooks[] = [];
    const gw = await startHookGateway({ hooks: { slack: { url: receiver.urlFor('/slack') } }, caps: caps([]), extraPlugins: [slackPlugin(seen)] });
    gateways.push(gw);
    assert.equal(seen[0], getWebhookHooks(gw.gateway.runtime));
    await gw.gateway.reload();
    assert.equal(seen.length, 2);
    assert.notEqual(seen[1], seen[0]);
    assert.equal(seen[1], getWebhookHooks(gw.gateway.runtime));
  });
});
