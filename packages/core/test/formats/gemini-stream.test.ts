import assert from 'node:assert/strict';
import { GeminiStreamAssembler, type StrippedCall, applyPartialArgs, geminiFormat, parseArgPath, strippedCallNote } from '@tollgate/core/formats';
import { readFixture } from '@tollgate/testing';
import { type Fed, callsOf, chunkObjects, feed, wireOf } from './support.js';

const F = 'gemini' as const;

const COOK_RECIPE = {
  recipe: {
    ingredients: [
      { amount: '16 oz', name: 'Lasagna noodles' },
      { amount: '1 lb', name: 'Ground beef' },
      { amount: '15 oz', name: 'Ricotta cheese' },
      { amount: '3 cups', name: 'Mozzarella cheese' },
      { amount: '1/2 cup', name: 'Parmesan cheese' },
      { amount: '24 oz', name: 'Tomato sauce' },
      { amount: '1', name: 'Egg' },
      { amount: '2 cloves', name: 'Garlic' },
      { amount: '1 tsp', name: 'Salt' },
      { amount: '1/2 tsp', name: 'Pepper' },
    ],
    name: 'Lasagna',
    steps: [
      'Preheat oven to 375°F (190°C).',
      'Cook lasagna noodles according to package directions, drain and set aside.',
      'Brown ground beef with minced garlic in a skillet. Drain fat and stir in tomato sauce. Simmer for 10 minutes.',
      'In a bowl, mix ricotta cheese, egg, salt, pepper, and Parmesan cheese.',
      'In a 9x13 baking dish, spread a thin layer of meat sauce.',
      'Layer noodles, ricotta mixture, mozzarella, and meat sauce. Repeat.',
      'Top with remaining mozzarella cheese.',
      'Cover with foil and bake for 25 minutes.',
      'Remove foil and bake for another 25 minutes until golden.',
      'Let stand for 15 minutes before serving.',
    ],
  },
};

function run(file: string): Fed {
  return feed(new GeminiStreamAssembler(), [wireOf(F, file)]);
}

function parts(body: unknown): any[] {
  return (body as any).candidates[0].content.parts;
}

function usageOf(u: { inputTokens: number; outputTokens: number; reasoningTokens: number; totalTokens: number }): number[] {
  return [u.inputTokens, u.outputTokens, u.reasoningTokens, u.totalTokens];
}

describe('Gemini stream assembler (fixtures)', () => {
  it('google-text: text joined across chunks; the trailing signature kept unchanged; last usage wins', () => {
    const fed = run('google-text.chunks.txt');
    const r = fed.assembler.result();
    const chunks = chunkObjects(F, 'google-text.chunks.txt') as any[];
    const signature = chunks[2].candidates[0].content.parts[0].thoughtSignature;
    assert.deepEqual(parts(r.body), [{ text: 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y', thoughtSignature: signature }]);
    assert.equal((r.body as any).candidates[0].finishReason, 'STOP');
    assert.deepEqual((r.body as any).usageMetadata, chunks[2].usageMetadata);
    assert.equal((r.body as any).responseId, 'bH6LaZW8Fp_3nsEPqtaSwQ4');
    assert.deepEqual(r.toolCalls, []);
    assert.deepEqual(usageOf(r.usage), [9, 23 + 185, 185, 217]);
    assert.deepEqual(fed.infos.map((i) => i.ordered), [false, false, true], 'text chunks may flow past a pending call; the finish chunk may not');
  });

  it('google-tool-call: a complete call in one part gets a deterministic id; its signature is kept', () => {
    const fed = run('google-tool-call.chunks.txt');
    const r = fed.assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'call_b36LacjwM668nsEP2tbsgQQ_0', name: 'weather', params: { location: 'San Francisco' } }]);
    const chunks = chunkObjects(F, 'google-tool-call.chunks.txt') as any[];
    assert.deepEqual(parts(r.body), [chunks[0].candidates[0].content.parts[0]]);
    assert.deepEqual(fed.infos[0], { calls: ['0'], completes: [{ key: '0', call: r.toolCalls[0] }], ordered: true });
    assert.deepEqual(usageOf(r.usage), [29, 15 + 45, 45, 89]);
    const again = run('google-tool-call.chunks.txt').assembler.result();
    assert.equal(again.toolCalls[0]!.id, r.toolCalls[0]!.id, 'same response, same id');
  });

  it('stream-no-args (Vertex): a no-arg call, then three parallel calls from partialArgs, after a thought', () => {
    const fed = run('google-stream-no-args-tool-call.chunks.txt');
    const r = fed.assembler.result();
    const id = (n: number) => `call__vr4aYiWEJnYodAPkujX0QM_${n}`;
    assert.deepEqual(callsOf(r.toolCalls), [
      { id: id(0), name: 'read_theme', params: {} },
      { id: id(1), name: 'read_screen', params: { id: 'A' } },
      { id: id(2), name: 'read_screen', params: { id: 'B' } },
      { id: id(3), name: 'read_screen', params: { id: 'C' } },
    ]);
    const p = parts(r.body);
    assert.equal(p[0].thought, true);
    assert.equal(p[0].text.length, 320);
    assert.ok(typeof p[1].thoughtSignature === 'string' && p[1].functionCall.name === 'read_theme');
    assert.deepEqual(p.slice(2).map((x) => x.functionCall), [
      { name: 'read_screen', args: { id: 'A' } },
      { name: 'read_screen', args: { id: 'B' } },
      { name: 'read_screen', args: { id: 'C' } },
    ]);
    assert.equal(p.length, 5, 'no answer text, no empty text part');
    assert.equal((r.body as any).candidates[0].finishReason, 'STOP');
    assert.deepEqual(usageOf(r.usage), [249, 58 + 183, 183, 490]);
    // Each streamed call completes at its closing `functionCall: {}` chunk, in order.
    assert.deepEqual(fed.completed.map((c) => c.key), ['0', '1', '2', '3']);
    const closing = fed.infos.map((info, i) => ({ info, i })).filter(({ info }) => info.completes?.length);
    assert.deepEqual(closing.map(({ i }) => JSON.parse(fed.events[i]!.data).candidates[0].content.parts[0].functionCall), [{ name: 'read_theme' }, {}, {}, {}]);
  });

  it('vertex nested: 64 partialArgs fragments over 31 paths, with keep-alives', () => {
    const fed = run('google-vertex-stream-tool-call-arguments-nested.1.chunks.txt');
    const r = fed.assembler.result();
    assert.deepEqual(callsOf(r.toolCalls), [{ id: 'call_tjXVaYaxFISTq8YP_MWiyAo_0', name: 'cookRecipe', params: COOK_RECIPE }]);
    assert.deepEqual(parts(r.body)[0].functionCall, { name: 'cookRecipe', args: COOK_RECIPE });
    assert.ok(parts(r.body)[0].thoughtSignature.startsWith('CmIBjz1rX0OQAtrZ'));
    assert.deepEqual(usageOf(r.usage), [31, 684 + 1026, 1026, 1741]);
    assert.equal(fed.completed.length, 1);
    assert.ok(fed.infos.every((i) => i.calls?.[0] === '0'), 'every chunk of the call carries it (held until decided)');
  });

  it('google-tool-call.json: the non-streaming body', () => {
    const json = JSON.parse(readFixture(F, 'google-tool-call.json').toString('utf8'));
    const info = geminiFormat.readResponse(json);
    assert.deepEqual(callsOf(info.toolCalls), [{ id: 'call_m36LaZGyCLz1xs0PtNSB-QU_0', name: 'weather', params: { location: 'San Francisco' } }]);
    assert.deepEqual(usageOf(info.usage), [29, 15 + 893, 893, 937]);
  });

  it('a :streamGenerateContent JSON array (no alt=sse) is read like the stream, partialArgs included', () => {
    const array = chunkObjects(F, 'google-stream-no-args-tool-call.chunks.txt');
    const info = geminiFormat.readResponse(array);
    const streamed = run('google-stream-no-args-tool-call.chunks.txt').assembler.result();
    assert.deepEqual(info.toolCalls, streamed.toolCalls);
    assert.deepEqual(info.usage, streamed.usage);
  });

  it('closes a streamed call left open when its candidate finishes (no terminal functionCall {})', () => {
    const chunks = chunkObjects(F, 'google-stream-no-args-tool-call.chunks.txt') as any[];
    const lastClose = chunks.findLastIndex((c) => JSON.stringify(c.candidates[0].content.parts[0].functionCall) === '{}');
    assert.ok(lastClose > 0);
    const withoutLastClose = chunks.filter((_c, i) => i !== lastClose);
    const info = geminiFormat.readResponse(withoutLastClose);
    assert.deepEqual(info.toolCalls.at(-1)?.params, { id: 'C' });
    assert.equal(info.toolCalls.length, 4);
  });
});

describe('Vertex partialArgs paths', () => {
  it('parses dotted, indexed and quoted paths; refuses prototype keys and huge indices', () => {
    assert.deepEqual(parseArgPath('$.recipe.ingredients[3].amount'), ['recipe', 'ingredients', 3, 'amount']);
    assert.deepEqual(parseArgPath("$['a b'][0]"), ['a b', 0]);
    assert.equal(parseArgPath('$.__proto__.x'), undefined);
    assert.equal(parseArgPath('$.a[99999999]'), undefined);
    assert.equal(parseArgPath('recipe.name'), undefined);
  });

  it('sets numbers, booleans and nulls, and appends string fragments', () => {
    const args: Record<string, unknown> = {};
    applyPartialArgs(args, [
      { jsonPath: '$.n', numberValue: 2 },
      { jsonPath: '$.list[1].ok', boolValue: true },
      { jsonPath: '$.none', nullValue: 'NULL_VALUE' },
      { jsonPath: '$.s', stringValue: 'ab', willContinue: true },
      { jsonPath: '$.s', stringValue: 'c' },
      { jsonPath: '$.s', stringValue: '' },
      { jsonPath: '$.__proto__.polluted', stringValue: 'x' },
    ]);
    assert.deepEqual(args, { n: 2, list: [null, { ok: true }], none: null, s: 'abc' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('Gemini stream rewriting (strip)', () => {
  function rewritten(fed: Fed, stripped: Map<string, StrippedCall>) {
    const out = fed.events.flatMap((e) => fed.assembler.rewrite(e, stripped));
    const again = new GeminiStreamAssembler();
    for (const e of out) again.push(e);
    again.end();
    return { out, result: again.result() };
  }

  it('replaces a stripped streamed call by a note, drops its fragments, and keeps the others', () => {
    const fed = run('google-stream-no-args-tool-call.chunks.txt');
    const calls = fed.assembler.result().toolCalls;
    const { out, result } = rewritten(fed, new Map([['2', { call: calls[2]!, message: 'screen B is private' }]]));
    assert.ok(out.length < fed.events.length, 'chunks left empty are dropped');
    assert.deepEqual(result.toolCalls.map((c) => c.params), [{}, { id: 'A' }, { id: 'C' }]);
    const p = parts(result.body);
    assert.deepEqual(p[3], { text: strippedCallNote('read_screen', 'screen B is private') });
    assert.deepEqual(p.map((x) => (x.functionCall ? 'call' : x.thought ? 'thought' : 'text')), ['thought', 'call', 'call', 'text', 'call']);
    assert.equal((result.body as any).candidates[0].finishReason, 'STOP');
  });

  it('keeps a stripped call’s thought signature on the note and copies it to the next kept call', () => {
    const fed = run('google-stream-no-args-tool-call.chunks.txt');
    const calls = fed.assembler.result().toolCalls;
    const signature = parts(fed.assembler.result().body)[1].thoughtSignature;
    const { result } = rewritten(fed, new Map([['0', { call: calls[0]!, message: 'no themes' }]]));
    const p = parts(result.body);
    assert.deepEqual(p[1], { text: strippedCallNote('read_theme', 'no themes'), thoughtSignature: signature });
    assert.equal(p[2].functionCall.name, 'read_screen');
    assert.equal(p[2].thoughtSignature, signature);
    assert.equal(p[3].thoughtSignature, undefined);
  });

  it('strips a non-streaming body and a JSON array the same way', () => {
    const json = JSON.parse(readFixture(F, 'google-tool-call.json').toString('utf8'));
    const [call] = geminiFormat.readResponse(json).toolCalls;
    const out = geminiFormat.stripToolCalls(json, [{ call: call!, message: 'no weather' }]) as any;
    assert.deepEqual(parts(out), [{ text: strippedCallNote('weather', 'no weather'), thoughtSignature: json.candidates[0].content.parts[0].thoughtSignature }]);
    assert.deepEqual(geminiFormat.readResponse(out).toolCalls, []);

    const array = chunkObjects(F, 'google-stream-no-args-tool-call.chunks.txt');
    const calls = geminiFormat.readResponse(array).toolCalls;
    const stripped = geminiFormat.stripToolCalls(array, [{ call: calls[1]!, message: 'x' }, { call: calls[3]!, message: 'y' }]) as unknown[];
    assert.deepEqual(geminiFormat.readResponse(stripped).toolCalls.map((c) => [c.name, c.params]), [['read_theme', {}], ['read_screen', { id: 'B' }]]);
  });
});
