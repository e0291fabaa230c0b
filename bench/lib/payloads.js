/**
 * Request bodies the load generator sends and the answers the fake upstream gives. Everything is
 * built once per process; the fake upstream serves pre-serialised buffers.
 */

/** Model id every configuration routes to the fake upstream. */
export const BENCH_MODEL = 'bench-model';

/** Tools declared in every chat request (a realistic agent request carries several). */
export const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_docs',
      description: 'Full-text search over the internal documentation',
      parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 } }, required: ['query'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'run_sql',
      description: 'Runs a read-only SQL query against the analytics warehouse',
      parameters: { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] },
    },
  },
];

/**
 * A chat request with tools. `model`, `stream` and `max_tokens` come first; the fake upstream
 * reads `stream` and `max_tokens` (the number of events to stream) from the raw bytes.
 * @param {{ stream?: boolean, events?: number, padBytes?: number }} [options]
 * @returns {string}
 */
export function chatRequest(options = {}) {
  const messages = [
    { role: 'system', content: 'You are a helpful assistant. Use the tools when they help.' },
    { role: 'user', content: 'What is the weather in Paris right now?' },
  ];
  if (options.padBytes !== undefined && options.padBytes > 0) {
    // A long conversation: earlier turns with large tool results, as agents send them.
    const history = [];
    let size = 0;
    let i = 0;
    while (size < options.padBytes) {
      const content = `Result ${i}: ${'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(70)}`;
      history.push({ role: 'user', content: `Look up item ${i}.` }, { role: 'assistant', content });
      size += content.length + 64;
      i++;
    }
    messages.splice(1, 0, ...history);
  }
  /** @type {Record<string, unknown>} */
  const body = { model: BENCH_MODEL, stream: options.stream === true, max_tokens: options.events ?? 256, messages, tools: TOOLS, tool_choice: 'auto' };
  if (options.stream === true) body.stream_options = { include_usage: true };
  return JSON.stringify(body);
}

const CREATED = 1_700_000_000;

/** The non-streaming answer: one `get_weather` tool call. */
export function chatResponse() {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: CREATED,
    model: BENCH_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_bench_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 96, completion_tokens: 18, total_tokens: 114 },
  });
}

/**
 * A streamed answer of exactly `events` SSE events (including `[DONE]`): a role event, text
 * deltas, one tool call whose arguments arrive in pieces, the finish event, a usage event, `[DONE]`.
 * @param {number} events at least 8
 * @returns {string[]} the events, each a complete `data: ...\n\n` frame
 */
export function chatStreamEvents(events) {
  const n = Math.max(8, events);
  const chunk = (/** @type {Record<string, unknown>} */ delta, /** @type {string | null} */ finish = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: BENCH_MODEL, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  // Fixed part: role, tool-call start, finish, usage, [DONE] = 5; the rest is text deltas and up
  // to 12 argument pieces, so a longer stream is a longer text answer with the same tool call
  // (the events of a pending call are held by design; text must never be).
  const variable = n - 5;
  const argPieces = Math.min(12, Math.max(1, Math.floor(variable / 4)));
  const textPieces = variable - argPieces;
  const out = [chunk({ role: 'assistant', content: '' })];
  for (let i = 0; i < textPieces; i++) out.push(chunk({ content: `word${i} ` }));
  out.push(chunk({ tool_calls: [{ index: 0, id: 'call_bench_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
  const args = `{"city":"Paris","unit":"c","note":"${'x'.repeat(Math.max(0, argPieces * 4 - 30))}"}`;
  const size = Math.ceil(args.length / argPieces);
  for (let i = 0; i < argPieces; i++) out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i * size, (i + 1) * size) } }] }));
  out.push(chunk({}, 'tool_calls'));
  out.push(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: BENCH_MODEL, choices: [], usage: { prompt_tokens: 96, completion_tokens: n, total_tokens: 96 + n } })}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}
