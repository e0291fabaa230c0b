/**
 * A real tollgate for the end-to-end suite: the `tollgate start` command in a child process, on
 * 127.0.0.1 port 0 with a temporary data directory, as a user runs it; and the `openai` SDK
 * calling it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessHandle, startProcess } from '@tollgate/testing';
import OpenAI from 'openai';

/** The repository's root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `tollgate` command. */
export const TOLLGATE_BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'tollgate.js');

/** Where screenshots of failed end-to-end tests go (`test-output/` is gitignored). */
export const E2E_OUTPUT_DIR = join(REPO_ROOT, 'test-output', 'e2e');

/** Options of {@link startCliGateway}. */
export interface CliGatewayOptions {
  /** The config file's text (written to `<dir>/tollgate.jsonc`); absent: no `--config` at all. */
  readonly config?: string;
  /** Variables added to the gateway's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A `tollgate start` process and its files. */
export interface CliGateway {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The temporary directory (working directory of the process). */
  readonly dir: string;
  /** The config file given with `--config` (absent without one). */
  readonly configFile: string | undefined;
  /** The `--data-dir`. */
  readonly dataDir: string;
  /** The process (its output for failure messages). */
  readonly process: ProcessHandle;
  /** Stops the gateway and removes its files. */
  stop(): Promise<void>;
}

/**
 * Runs `tollgate start --port 0 --data-dir <tmp>/data [--config <tmp>/tollgate.jsonc]` in a fresh
 * temporary directory and waits until it listens.
 */
export async function startCliGateway(options: CliGatewayOptions = {}): Promise<CliGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
  const dataDir = join(dir, 'data');
  const configFile = options.config === undefined ? undefined : join(dir, 'tollgate.jsonc');
  if (configFile !== undefined) writeFileSync(configFile, options.config as string, { mode: 0o600 });
  const args = [TOLLGATE_BIN, 'start', '--port', '0', '--data-dir', dataDir, ...(configFile === undefined ? [] : ['--config', configFile])];
  const proc = startProcess(process.execPath, args, { cwd: dir, env: { ...options.env, NO_COLOR: '1' } });
  const stop = async (): Promise<void> => {
    await proc.stop('SIGTERM', 5000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = (await proc.waitFor(/tollgate listening on (http:\/\/127\.0\.0\.1:\d+)/, 'stderr', { timeoutMs: 30_000 }))[1] as string;
    await proc.waitFor(/"msg":"tollgate ready"/, 'stdout', { timeoutMs: 30_000 });
    return { url, dir, configFile, dataDir, process: proc, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A function tool declaration whose one string parameter is `command` (the README's `bash`). */
export function commandTool(name: string): OpenAI.Chat.Completions.ChatCompletionTool {
  return { type: 'function', function: { name, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };
}

/**
 * The official `openai` SDK pointed at the gateway (`apiKey` identifies the caller when the
 * gateway has client keys; `headers` go with every request, e.g. `x-session-id`).
 */
export function openaiClient(gateway: { readonly url: string }, apiKey = 'unused-on-loopback', headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });
}

/**
 * Asks the mock LLM for a tool call with the `openai` SDK: it calls `tool` with
 * `{"command": <message>}`. Returns the completion, or the SDK's error when the gateway refused
 * the call (a denied tool call is a 403).
 */
export async function askForToolCall(client: OpenAI, tool: string, message: string): Promise<OpenAI.Chat.Completions.ChatCompletion | InstanceType<typeof OpenAI.APIError>> {
  try {
    return await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: message }], tools: [commandTool(tool)] });
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
}

/** One row of `GET /api/requests` (the fields these tests read). */
export interface CapturedRequest {
  readonly id: string;
  readonly login: string;
  readonly status: number | null;
  readonly tool_calls: { readonly total: number; readonly allow: number; readonly block: number; readonly strip: number };
}

/**
 * Resolves with the captured requests once the read API lists at least `count` (captures are
 * written in batches a moment after the response); rejects after `timeoutMs`.
 */
export async function waitForCaptured(gateway: { readonly url: string }, count: number, timeoutMs = 10_000): Promise<CapturedRequest[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${gateway.url}/api/requests?limit=500`);
    const body = (await res.json()) as { requests: CapturedRequest[] };
    if (res.ok && body.requests.length >= count) return body.requests;
    if (Date.now() > deadline) throw new Error(`the read API lists ${body.requests?.length ?? res.status} requests, not ${count}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
