import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { AssembledResponse, CompletedCall, FormatAdapter, StreamAssembler, StrippedCall } from '../formats/format-adapter.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { type SseEvent, sseJson } from '../sse/sse-event.js';
import { SseFramer } from '../sse/sse-framer.js';
import type { ApiError } from '../types/api-error.js';
import type { Denial } from '../types/denial.js';
import type { RequestContext } from '../types/request-context.js';
import { type DecidedToolCall, decideToolCall } from './decide-tool-call.js';
import { denialError } from './denial-error.js';

/** Options of a {@link StreamRelay}. */
export interface StreamRelayOptions {
  /** The client response (headers not sent yet). */
  readonly res: ServerResponse;
  /** The client's format. */
  readonly adapter: FormatAdapter;
  /** Hooks of the runtime. */
  readonly hooks: TollgateHooks;
  /** The request. */
  readonly request: RequestContext;
  /** Run `onToolCall` and hold pending calls (false when nobody tapped it: nothing is held). */
  readonly gate: boolean;
  /** Keep the parsed `data` objects for the exchange. */
  readonly collectRaw: boolean;
  /** Largest upstream event accepted. */
  readonly maxEventBytes: number;
  /** Status and headers sent with the first byte. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Called once, when the first byte is written. */
  readonly onFirstByte: () => void;
  /** Stops the upstream call (a block ends the stream). */
  readonly abortUpstream: () => void;
  /** Maps an upstream failure to the error the client gets. */
  readonly upstreamError: (err: unknown) => ApiError;
}

/** What happened to a relayed stream. */
export interface StreamOutcome {
  /** The upstream stream, reassembled. */
  readonly assembled: AssembledResponse;
  /** Parsed data objects (when collected). */
  readonly rawResponses: unknown[];
  /** `onToolCall` decisions. */
  readonly decisions: DecidedToolCall[];
  /** The error the stream ended with (a block or an upstream failure), if any. */
  readonly error?: ApiError;
  /** True when nothing was written: the caller answers `error` as a plain HTTP error. */
  readonly errorBeforeOutput: boolean;
  /** True when any byte reached the client. */
  readonly wroteAny: boolean;
}

/**
 * Resolves when `res` can take more data or is closed, and removes both listeners either way
 * (`Promise.race` of two `once()` would leave one behind on every wait of a long stream).
 */
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

interface Held {
  readonly event: SseEvent;
  readonly calls?: readonly string[];
}

type CallStatus = 'pending' | 'allowed' | 'stripped' | 'blocked';

/** True when a chunk's last byte ends a line (so no character or event is cut at its end). */
function endsWithLineBreak(chunk: Buffer | string): boolean {
  const last = typeof chunk === 'string' ? chunk.charCodeAt(chunk.length - 1) : chunk[chunk.length - 1];
  return last === 0x0a || last === 0x0d;
}

/**
 * Relays an upstream SSE stream to the client event by event, with backpressure. Every event
 * is fed to the format's assembler; with `onToolCall` taps, the events of a tool call are held
 * until `onToolCall` decides that call (text and pings flow on), ordered events wait behind
 * held ones, an allowed call is released in place, a stripped call is rewritten away, and a
 * blocked call ends the stream with the format's error event (or a plain HTTP error when
 * nothing was sent yet).
 */
export class StreamRelay {
  readonly #o: StreamRelayOptions;
  readonly #assembler: StreamAssembler;
  readonly #queue: Held[] = [];
  readonly #status = new Map<string, CallStatus>();
  readonly #stripped = new Map<string, StrippedCall>();
  readonly #pendingDecisions: Promise<void>[] = [];
  readonly #decisions: DecidedToolCall[] = [];
  readonly #raw: unknown[] = [];
  #wroteAny = false;
  #error: ApiError | undefined;
  #ended = false;
  /** Text written while the events of one upstream chunk are relayed; sent as one write. */
  #batch: string | undefined;
  /** Events of the current batch written exactly as received. */
  #batchExact = 0;

  constructor(options: StreamRelayOptions) {
    this.#o = options;
    this.#assembler = options.adapter.createStreamAssembler();
  }

  /** Relays `body` to the client; resolves when the client response is complete. */
  async run(body: Readable): Promise<StreamOutcome> {
    const framer = new SseFramer({ maxEventBytes: this.#o.maxEventBytes });
    const res = this.#o.res;
    try {
      // True when the chunk about to be read starts on an event boundary (nothing pending in the
      // framer, nor half a character in its decoder).
      let boundary = true;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const events = framer.push(chunk);
        const whole = boundary && framer.pending === 0 && endsWithLineBreak(chunk);
        boundary = framer.pending === 0 && endsWithLineBreak(chunk);
        if (events.length > 0) {
          // One write per upstream chunk, not per event (each write is a chunked-encoding frame
          // and a buffer of its own); and when every event of a chunk that holds only whole
          // events goes out unchanged, the chunk's own bytes go, not the text re-encoded.
          this.#batch = '';
          this.#batchExact = 0;
          for (const ev of events) this.#accept(ev);
          const text = this.#batch;
          this.#batch = undefined;
          if (text.length > 0 && !res.destroyed && !res.writableEnded) res.write(whole && this.#batchExact === events.length ? chunk : text);
        }
        if (this.#error !== undefined || res.destroyed) break;
        if (res.writableNeedDrain) await drainedOrClosed(res);
      }
      if (this.#error === undefined && !res.destroyed) {
        for (const ev of framer.end()) this.#accept(ev);
        for (const c of this.#assembler.end()) this.#decide(c);
      }
    } catch (err) {
      if (this.#error === undefined && !this.#o.request.signal.aborted && !res.destroyed) this.#error = this.#o.upstreamError(err);
    }
    await Promise.all(this.#pendingDecisions);
    this.#pump();
    const errorBeforeOutput = this.#error !== undefined && !this.#wroteAny;
    if (this.#error !== undefined && this.#wroteAny && !this.#ended) this.#writeRaw(this.#o.adapter.streamErrorEvent(this.#error));
    if (!errorBeforeOutput) this.#end();
    return {
      assembled: this.#assembler.result(),
      rawResponses: this.#raw,
      decisions: this.#decisions,
      error: this.#error,
      errorBeforeOutput,
      wroteAny: this.#wroteAny,
    };
  }

  #accept(event: SseEvent): void {
    if (this.#o.collectRaw && event.hasData) {
      const json = sseJson(event);
      if (json !== undefined) this.#raw.push(json);
    }
    const info = this.#assembler.push(event);
    if (!this.#o.gate) {
      this.#write(event);
      return;
    }
    if (info.completes !== undefined) for (const c of info.completes) this.#decide(c);
    if (this.#error !== undefined) return;
    const calls = info.calls;
    if (calls !== undefined && calls.length > 0) {
      if (this.#queue.length === 0 && calls.every((k) => this.#status.get(k) === 'allowed' || this.#status.get(k) === 'stripped')) this.#write(event);
      else this.#queue.push({ event, calls });
    } else if (info.ordered && this.#queue.length > 0) this.#queue.push({ event });
    else this.#write(event);
  }

  #decide(completed: CompletedCall): void {
    if (this.#status.has(completed.key)) return;
    this.#status.set(completed.key, 'pending');
    const promise = decideToolCall(this.#o.hooks, this.#o.request, completed.call, true).then((d) => {
      this.#decisions.push(d);
      if (d.outcome === 'allowed') this.#status.set(completed.key, 'allowed');
      else if (d.outcome === 'stripped') {
        this.#status.set(completed.key, 'stripped');
        this.#stripped.set(completed.key, { call: completed.call, message: d.message ?? 'denied by policy' });
      } else {
        this.#status.set(completed.key, 'blocked');
        this.#block(d.denial as Denial);
      }
      this.#pump();
    });
    this.#pendingDecisions.push(promise);
  }

  #block(denial: Denial): void {
    if (this.#error !== undefined) return;
    this.#error = denialError(denial, 'tool_call_blocked');
    this.#queue.length = 0;
    this.#o.abortUpstream();
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#error === undefined) {
      const head = this.#queue[0] as Held;
      if (head.calls !== undefined) {
        for (const k of head.calls) {
          const s = this.#status.get(k);
          if (s !== 'allowed' && s !== 'stripped') return;
        }
      }
      this.#queue.shift();
      this.#write(head.event);
    }
  }

  #write(event: SseEvent): void {
    if (this.#stripped.size === 0) {
      if (this.#batch !== undefined) this.#batchExact++;
      this.#writeRaw(event.raw);
      return;
    }
    for (const e of this.#assembler.rewrite(event, this.#stripped)) this.#writeRaw(e.raw);
  }

  #writeRaw(text: string): void {
    const res = this.#o.res;
    if (this.#ended || res.destroyed || res.writableEnded) return;
    if (!this.#wroteAny) {
      this.#wroteAny = true;
      res.writeHead(this.#o.status, this.#o.headers);
      this.#o.onFirstByte();
    }
    if (this.#batch !== undefined) this.#batch += text;
    else res.write(text);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const res = this.#o.res;
    if (res.destroyed || res.writableEnded) return;
    if (!this.#wroteAny) {
      res.writeHead(this.#o.status, this.#o.headers);
      this.#wroteAny = true;
      this.#o.onFirstByte();
    }
    res.end();
  }
}
