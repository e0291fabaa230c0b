import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createOpenAI } from '@ai-sdk/openai';
import { type FakeUpstream, type RecordedRequest, type TestGateway } from '@tollgate/testing';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { JSONSchema7 } from 'ai';
import OpenAI from 'openai';
import { providersFor } from './support/formats.js';
import { useGuard } from './support/guard.js';

/**
 * Tool loops on the Responses API with stored responses (`store` defaults to true) after the
 * gateway stripped a call. The fake upstream keeps every response it produced and, like OpenAI,
 * refuses a follow-up whose `previous_response_id` leaves one of that response's calls without an
 * output, or whose `item_reference` names an item it never produced (such as the note item the
 * gateway put in place of the stripped call).
 */

const PARAMS: JSONSchema7 = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };

interface StoredUpstream {
  readonly requests: RecordedRequest[];
  readonly refusals: string[];
  respond(req: RecordedRequest, res: ServerResponse): void;
}

function storedResponsesUpstream(): StoredUpstream {
  const stored = new Map<string, Record<string, unknown>[]>();
  const requests: RecordedRequest[] = [];
  const refusals: string[] = [];
  const refuse = (res: ServerResponse, status: number, message: string): void => {
    refusals.push(message);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'input', code: null } }));
  };
  return {
    requests,
    refusals,
    respond(req, res) {
      requests.push(req);
      const body = req.body as Record<string, any>;
      const input: any[] = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
      const known = new Set([...stored.values()].flat().map((i) => i.id));
      for (const item of input) if (item.type === 'item_reference' && !known.has(item.id)) return refuse(res, 404, `Item with id '${item.id}' not found.`);
      if (typeof body.previous_response_id === 'string') {
        const previous = stored.get(body.previous_response_id);
        if (previous === undefined) return refuse(res, 404, `Previous response with id '${body.previous_response_id}' not found.`);
        for (const call of previous.filter((i) => i.type === 'function_call')) {
          if (!input.some((i) => i.type === 'function_call_output' && i.call_id === call.call_id)) return refuse(res, 400, `No tool output found for function call ${call.call_id}.`);
        }
      }
      const turn = stored.size + 1;
      const id = `resp_${turn}`;
      const output: Record<string, unknown>[] =
        turn === 1
          ? [
              { id: 'fc_rm', type: 'function_call', status: 'completed', call_id: 'call_rm', name: 'strip_rm', arguments: '{"path":"/"}' },
              { id: 'fc_read', type: 'function_call', status: 'completed', call_id: 'call_read', name: 'read_file', arguments: '{"path":"/etc/hosts"}' },
            ]
          : [{ id: `msg_${turn}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'All done.', annotations: [] }] }];
      stored.set(id, output);
      const response = { id, object: 'response', created_at: 1, model: body.model, status: 'completed', output, usage: { input_tokens: 5, output_tokens: 5, total_tokens: 10 } };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response));
        return;
      }
      let seq = 0;
      const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(ev('response.created', { response: { ...response, status: 'in_progress', output: [] } }));
      output.forEach((item, i) => {
        res.write(ev('response.output_item.added', { output_index: i, item: item.type === 'function_call' ? { ...item, arguments: '', status: 'in_progress' } : { ...item, content: [], status: 'in_progress' } }));
        if (item.type === 'function_call') res.write(ev('response.function_call_arguments.done', { item_id: item.id, output_index: i, arguments: item.arguments }));
        res.write(ev('response.output_item.done', { output_index: i, item }));
      });
      res.end(ev('response.completed', { response }));
    },
  };
}

describe('reliability: tool loops on stored Responses after a strip (issue 14)', () => {
  const guard = useGuard();
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let fake: StoredUpstream;

  beforeEach(async () => {
    upstream = await guard.upstream();
    fake = storedResponsesUpstream();
    upstream.respond((req, res) => fake.respond(req, res));
    const stripRm = { name: 'strip-rm', apply: (h: any) => h.hooks.onToolCall.tap('strip-rm', ({ call }: any) => (call.name === 'strip_rm' ? { action: 'strip', message: 'deleting is not allowed' } : undefined)) };
    gw = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [stripRm] });
  });

  it('the AI SDK (`ai` + `@ai-sdk/openai`) completes its second turn: the reference to the note item is replaced by the note', async () => {
    const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key' });
    const executed: unknown[] = [];
    const result = await generateText({
      model: openai.responses('gpt-4o'),
      prompt: 'clean up and read the hosts file',
      tools: {
        strip_rm: tool({ inputSchema: jsonSchema<{ path: string }>(PARAMS), execute: async (input) => executed.push(['strip_rm', input]) && 'removed' }),
        read_file: tool({ inputSchema: jsonSchema<{ path: string }>(PARAMS), execute: async (input) => executed.push(['read_file', input]) && '127.0.0.1 localhost' }),
      },
      stopWhen: stepCountIs(3),
    });
    assert.deepEqual(fake.refusals, [], 'the provider accepted every turn');
    assert.equal(result.text, 'All done.');
    assert.deepEqual(executed, [['read_file', { path: '/etc/hosts' }]], 'only the allowed call ran');
    const second = fake.requests[1]?.body as { input: Array<Record<string, unknown>> };
    assert.ok(!JSON.stringify(second.input).includes('msg_tollgate_'), 'no reference to an item the provider never made');
    assert.ok(second.input.some((i) => i.role === 'assistant' && JSON.stringify(i.content).includes('tool call \\"strip_rm\\" was removed')), 'the note stands in its place');
  });

  for (const stream of [false, true]) {
    it(`the openai SDK continues a ${stream ? 'streamed' : 'plain'} response by previous_response_id: the stripped call gets the denial as its output`, async () => {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const first = stream ? await client.responses.stream({ model: 'gpt-5', input: 'go' }).finalResponse() : await client.responses.create({ model: 'gpt-5', input: 'go' });
      const names = first.output.flatMap((i) => (i.type === 'function_call' ? [i.name] : []));
      assert.deepEqual(names, ['read_file'], 'the client sees only the allowed call');
      const second = await client.responses.create({
        model: 'gpt-5',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'call_read', output: '127.0.0.1 localhost' }],
      });
      assert.deepEqual(fake.refusals, []);
      assert.equal(second.output_text, 'All done.');
      const sent = fake.requests[1]?.body as { input: Array<Record<string, unknown>> };
      assert.deepEqual(sent.input[0], { type: 'function_call_output', call_id: 'call_rm', output: '[tollgate] tool call "strip_rm" was removed: deleting is not allowed' });
    });
  }

  it('the AI SDK reports a blocked call as the denial (the error events carry sequence numbers), not as a malformed chunk', async () => {
    const blocker = { name: 'blocker', apply: (h: any) => h.hooks.onToolCall.tap('blocker', () => ({ action: 'block', message: 'reading is blocked here' })) };
    const blocking = await guard.gateway({ config: { providers: providersFor(upstream.url) }, plugins: [blocker] });
    const openai = createOpenAI({ baseURL: `${blocking.url}/v1`, apiKey: 'client-key' });
    const result = streamText({ model: openai.responses('gpt-4o'), prompt: 'go', tools: { read_file: tool({ inputSchema: jsonSchema<{ path: string }>(PARAMS) }) } });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const text = JSON.stringify(errors[0]);
    assert.ok(text.includes('reading is blocked here'), text);
    assert.ok(!/validation/i.test(text), text);
  });

  it('with store: false nothing is remembered and the follow-up is forwarded as sent', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const first = await client.responses.create({ model: 'gpt-5', input: 'go', store: false });
    await client.responses.create({ model: 'gpt-5', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_read', output: 'x' }] }).catch(() => undefined);
    const sent = fake.requests[1]?.body as { input: unknown[] };
    assert.equal(sent.input.length, 1, 'no output added for a response the provider did not keep');
  });
});
