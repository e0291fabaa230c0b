/** The measured scenarios: what is sent, how, and at which concurrency. */
import { chatRequest } from './payloads.js';

/**
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string} title
 * @property {'load' | 'probe'} kind `load`: autocannon at `connections`; `probe`: streamed requests one at a time (TTFB)
 * @property {number} connections
 * @property {boolean} stream
 * @property {string} body
 * @property {string} expect text every successful answer contains
 */

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    id: 'chat-c1',
    title: 'chat with tools, non-streaming, concurrency 1',
    kind: 'load',
    connections: 1,
    stream: false,
    body: chatRequest(),
    expect: 'get_weather',
  },
  {
    id: 'chat-c64',
    title: 'chat with tools, non-streaming, concurrency 64',
    kind: 'load',
    connections: 64,
    stream: false,
    body: chatRequest(),
    expect: 'get_weather',
  },
  {
    id: 'stream-ttfb',
    title: 'streaming, 50 events, one request at a time: time to first byte and total',
    kind: 'probe',
    connections: 1,
    stream: true,
    body: chatRequest({ stream: true, events: 50 }),
    expect: '[DONE]',
  },
  {
    id: 'stream-c64',
    title: 'streaming, 50 events, concurrency 64',
    kind: 'load',
    connections: 64,
    stream: true,
    body: chatRequest({ stream: true, events: 50 }),
    expect: '[DONE]',
  },
  {
    id: 'stream-long-c64',
    title: 'streaming, 5000 events, concurrency 64 (memory against stream length)',
    kind: 'load',
    connections: 64,
    stream: true,
    body: chatRequest({ stream: true, events: 5000 }),
    expect: '[DONE]',
  },
  {
    id: 'stream-xl-c64',
    title: 'streaming, 20000 events, concurrency 64 (memory against stream length: 4x the 5000-event stream)',
    kind: 'load',
    connections: 64,
    stream: true,
    body: chatRequest({ stream: true, events: 20_000 }),
    expect: '[DONE]',
  },
  {
    id: 'body-200k-c64',
    title: '200 KB request body, non-streaming, concurrency 64',
    kind: 'load',
    connections: 64,
    stream: false,
    body: chatRequest({ padBytes: 200 * 1024 }),
    expect: 'get_weather',
  },
];
