import { Readable } from 'node:stream';
import { asObject } from '../../formats/content-text.js';
import type { JsonObject } from '../../types/json.js';
import { planMockResponse } from './mock-plan.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from '../upstream.js';

function jsonResponse(status: number, body: unknown): UpstreamResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) };
}

/** Extracts the model from a Gemini-style path (`/v1beta/models/<model>:generateContent`). */
function modelFromPath(path: string): string | undefined {
  const m = /\/models\/([^/:?]+)/.exec(path);
  return m === null ? undefined : decodeURIComponent(m[1] as string);
}

/**
 * The built-in mock LLM (`"baseurl": "mock://"`): answers in-process, deterministically, in the
 * client's API format, streaming and not. Powers the zero-setup default, examples, tests and
 * benchmarks. It checks no credentials.
 */
export class MockUpstream implements Upstream {
  /** @inheritdoc */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const renderer = request.format.mock;
    if (renderer === undefined) {
      return jsonResponse(400, request.format.errorBody({ status: 400, kind: 'invalid_request', message: `the mock provider does not speak ${request.format.displayName}` }));
    }
    let body: JsonObject;
    try {
      body = asObject(JSON.parse(typeof request.body === 'string' ? request.body : request.body.toString('utf8'))) ?? {};
    } catch {
      return jsonResponse(400, request.format.errorBody({ status: 400, kind: 'invalid_request', message: 'mock provider: body is not JSON' }));
    }
    const model = typeof body.model === 'string' ? body.model : (modelFromPath(request.path) ?? 'mock');
    const plan = planMockResponse(request.format, body, model);
    if (request.stream) {
      const frames = renderer.stream(plan, { path: request.path, body }).map((f) => Buffer.from(f));
      return { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }, body: Readable.from(frames, { objectMode: false }) };
    }
    return jsonResponse(200, renderer.json(plan, { path: request.path, body }));
  }

  /** @inheritdoc */
  async close(): Promise<void> {}
}
