import type { ServerResponse } from 'node:http';
import type { AssembledResponse, CompletedCall, FormatAdapter, StreamAssembler, StrippedCall } from '../formats/format-adapter.js';
import type { TollgateHooks } from '../hooks/create-hooks.js';
import { type SseEvent, parseSseData } from '../sse/sse-event.js';
import { SseFramer, type SseSink } from '../sse/sse-framer.js';
import { type TextOnlySkipper, textOnlySkipper } from '../formats/text-only-skip.js';
import { UnreadableResponseError } from '../formats/unreadable-response.js';
import { type ApiError, apiError } from '../types/api-error.js';
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
  /** Keep every event's `data` for the exchange's `rawResponses`. */
  readonly keepRaw: boolean;
  /** Reassemble the whole body, text included (else the assembler may skip text-only events). */
  readonly assembleBody: boolean;
  /** The gateway asked for usage the client did not: events only carrying it are not written. */
  readonly hideUsage?: boolean;
  /** Largest upstream event accepted. */
  readonly maxEventBytes: number;
  /**
   * Most bytes kept for tool calls: events held for a decision (and those queued behind them),
   * and tool-call events assembled in this response. Beyond, the answer ends with an error.
   * @default Infinity
   */
  readonly maxHeldBytes?: number;
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
  /** Builds the parsed data objects (when collected) from the kept event text, on first call. */
  readonly rawResponses: () => unknown[];
  /** `onToolCall` decisions. */
  readonly decisions: DecidedToolCall[];
  /**
   * Why the stream must end in error (a blocked call, a call changed after it was decided, an
   * upstream failure), if it must. The relay then leaves the response open: the caller answers the
   * error (a plain HTTP error when nothing was written, else the format's in-stream error event).
   */
  readonly error?: ApiError;
  /** True when any byte reached the client. */
  readonly wroteAny: boolean;
  /** The in-stream error event that ends this stream (see `StreamAssembler.errorEvent`). */
  readonly errorEvent: (error: ApiError) => string;
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

/** What `onToolCall` was asked about: the call's position and its name and params, serialised. */
interface Asked {
  readonly index: number;
  readonly text: string;
}

/** The name and params of a call as one string, to notice a change. */
function callText(call: { readonly name: string; readonly params: unknown }): string {
  return JSON.stringify([call.name, call.params]);
}

/** The JSON data objects among `data` texts (as {@link parseSseData} reads them). */
function parseAll(data: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const d of data) {
    const value = parseSseData(d);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** True when a chunk's last byte ends a line (so no character or event is cut at its end). */
function endsWithLineBreak(chunk: Buffer | string): boolean {
  const last = typeof chunk === 'string' ? chunk.charCodeAt(chunk.length - 1) : chunk[chunk.length - 1];
  return last === 0x0a || last === 0x0d;
}

/** The client's error for an answer the gateway refused to relay unread. */
export function unreadableError(err: UnreadableResponseError): ApiError {
  return apiError('upstream', `the provider's answer was stopped: ${err.reason}`, { code: 'unreadable_response' });
}

/**
 * Relays an upstream SSE stream to the client event by event, with backpressure. Every event
 * is fed to the format's assembler; with `onToolCall` taps, the events of a tool call are held
 * until `onToolCall` decides that call (text and pings flow on), ordered events wait behind
 * held ones, an allowed call is released in place and a stripped call is rewritten away. A
 * blocked call stops the relay: nothing more is written and the outcome reports the error, which
 * the request flow answers. The relay ends the response only when the stream completed.
 */
export class StreamRelay {
  readonly #o: StreamRelayOptions;
  readonly #assembler: StreamAssembler;
  readonly #queue: Held[] = [];
  readonly #status = new Map<string, CallStatus>();
  readonly #stripped = new Map<string, StrippedCall>();
  /** Calls handed to `onToolCall` so far, by key. */
  readonly #asked = new Map<string, Asked>();
  readonly #pendingDecisions: Promise<void>[] = [];
  readonly #decisions: DecidedToolCall[] = [];
  /** `data` of every event, when observers want the raw responses: text, parsed only if one reads them. */
  readonly #raw: string[] = [];
  #wroteAny = false;
  #error: ApiError | undefined;
  #ended = false;
  /** Text written while the events of one upstream chunk are relayed; sent as one write. */
  #batch: string | undefined;
  /** Events (or runs of passed events) of the current batch, and those written exactly as received. */
  #batchEvents = 0;
  #batchExact = 0;
  /** Text of the events waiting in the queue. */
  #heldBytes = 0;
  /** Text of the tool-call events of this response (what the assembler keeps of the calls). */
  #callBytes = 0;

  constructor(options: StreamRelayOptions) {
    this.#o = options;
    this.#assembler = options.adapter.createStreamAssembler({ body: options.assembleBody, strict: options.gate, hideUsage: options.hideUsage });
  }

  /**
   * What the framer hands events to when the assembler can tell text-only events from their text
   * (and nobody keeps raw events): such events make no object and go out as the upstream's bytes.
   */
  #sink(skipper: TextOnlySkipper): SseSink {
    return {
      // A stripped call may rewrite any later event, and after an error nothing more is written.
      passes: (text, start, end) => this.#stripped.size === 0 && this.#error === undefined && skipper.skipText(text, start, end),
      passed: (raw) => {
        this.#batchEvents++;
        this.#batchExact++;
        this.#writeRaw(raw);
      },
      event: (ev) => {
        this.#batchEvents++;
        this.#accept(ev);
      },
    };
  }

  /** Relays `body` to the client; resolves when the client response is complete. */
  async run(body: AsyncIterable<Buffer>): Promise<StreamOutcome> {
    const framer = new SseFramer({ maxEventBytes: this.#o.maxEventBytes, strict: this.#o.gate });
    const res = this.#o.res;
    const skipper = this.#o.keepRaw ? undefined : textOnlySkipper(this.#assembler);
    const sink = skipper === undefined ? undefined : this.#sink(skipper);
    try {
      // True when the chunk about to be read starts on an event boundary (nothing pending in the
      // framer, nor half a character in its decoder).
      let boundary = true;
      for await (const chunk of body) {
        // One write per upstream chunk, not per event (each write is a chunked-encoding frame
        // and a buffer of its own); and when every event of a chunk that holds only whole
        // events goes out unchanged, the chunk's own bytes go, not the text re-encoded.
        this.#batch = '';
        this.#batchEvents = 0;
        this.#batchExact = 0;
        if (sink !== undefined) framer.feed(chunk, sink);
        else for (const ev of framer.push(chunk)) {
          this.#batchEvents++;
          this.#accept(ev);
        }
        const whole = boundary && framer.pending === 0 && endsWithLineBreak(chunk);
        boundary = framer.pending === 0 && endsWithLineBreak(chunk);
        const text = this.#batch;
        this.#batch = undefined;
        if (text.length > 0 && !res.destroyed && !res.writableEnded) res.write(whole && this.#batchExact === this.#batchEvents ? chunk : text);
        if (this.#error !== undefined || res.destroyed) break;
        if (res.writableNeedDrain) await drainedOrClosed(res);
      }
      if (this.#error === undefined && !res.destroyed) {
        for (const ev of framer.end()) this.#accept(ev);
        for (const c of this.#assembler.end()) this.#decide(c);
      }
    } catch (err) {
      // Nothing of the chunk being read goes out (as when its framing throws).
      this.#batch = undefined;
      if (err instanceof UnreadableResponseError) this.#refuseUnreadable(err);
      else if (this.#error === undefined && !this.#o.request.signal.aborted && !res.destroyed) this.#error = this.#o.upstreamError(err);
    }
    await Promise.all(this.#pendingDecisions);
    this.#pump();
    if (this.#error === undefined) this.#end();
    return {
      assembled: this.#assembler.result(),
      rawResponses: () => parseAll(this.#raw),
      decisions: this.#decisions,
      error: this.#error,
      wroteAny: this.#wroteAny,
      errorEvent: (error) => this.#assembler.errorEvent?.(error) ?? this.#o.adapter.streamErrorEvent(error),
    };
  }

  #accept(event: SseEvent): void {
    // Keeping the text rather than parsed objects: thousands of parsed chunks held per stream
    // until it ends made GC a fifth of a long stream's CPU, and most observers never read them.
    if (this.#o.keepRaw && event.hasData) this.#raw.push(event.data);
    const info = this.#assembler.push(event);
    if (info.calls !== undefined && info.calls.length > 0) {
      this.#callBytes += event.raw.length;
      if (this.#callBytes > (this.#o.maxHeldBytes ?? Number.POSITIVE_INFINITY)) {
        this.#stop(this.#heldTooLarge());
        return;
      }
    }
    // Read (usage, raw responses) but not the client's: it did not ask for it. Not counted among
    // the events written as received, so a chunk holding it is sent re-encoded without it.
    if (info.hidden === true && info.calls === undefined && info.completes === undefined) return;
    if (!this.#o.gate) {
      this.#write(event);
      return;
    }
    // Before this event's own completions: an event adding to a call that was already handed to
    // onToolCall would send the client a call other than the one decided on.
    if (info.calls !== undefined && this.#asked.size > 0) this.#refuseChangedCall(info.calls);
    if (this.#error !== undefined) return;
    if (info.completes !== undefined) for (const c of info.completes) this.#decide(c);
    if (this.#error !== undefined) return;
    const calls = info.calls;
    if (calls !== undefined && calls.length > 0) {
      if (this.#queue.length === 0 && calls.every((k) => this.#status.get(k) === 'allowed' || this.#status.get(k) === 'stripped')) this.#write(event);
      else this.#hold({ event, calls });
    } else if (info.ordered && this.#queue.length > 0) this.#hold({ event });
    else this.#write(event);
  }

  /** Queues an event until the calls before it are decided, within `maxHeldBytes`. */
  #hold(held: Held): void {
    this.#queue.push(held);
    this.#heldBytes += held.event.raw.length;
    if (this.#heldBytes > (this.#o.maxHeldBytes ?? Number.POSITIVE_INFINITY)) this.#stop(this.#heldTooLarge());
  }

  #heldTooLarge(): ApiError {
    return apiError('upstream', `the answer's tool calls are larger than limits.max_held_size (${this.#o.maxHeldBytes} bytes); it was stopped`, { code: 'held_size_exceeded' });
  }

  #decide(completed: CompletedCall): void {
    if (this.#status.has(completed.key)) return;
    this.#status.set(completed.key, 'pending');
    this.#asked.set(completed.key, { index: completed.call.index, text: callText(completed.call) });
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

  /**
   * Ends the stream (fail closed) when the gateway cannot read the answer with certainty: what it
   * has not understood never reaches the client (see docs/gating.md).
   */
  #refuseUnreadable(err: UnreadableResponseError): void {
    this.#o.request.log.warn({ reason: err.reason, format: this.#o.adapter.name }, 'refused an upstream answer the gateway cannot read with certainty');
    this.#stop(unreadableError(err));
  }

  #block(denial: Denial): void {
    this.#stop(denialError(denial, 'tool_call_blocked'));
  }

  #stop(error: ApiError): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#queue.length = 0;
    this.#heldBytes = 0;
    this.#o.abortUpstream();
  }

  /**
   * Ends the stream (fail closed) when an event changed a call after it was handed to
   * `onToolCall`: a provider that sends more arguments for a call once another call started,
   * after its block was closed, or different ones in a final snapshot. Only runs for events of
   * calls already decided, which well-formed streams rarely have.
   */
  #refuseChangedCall(keys: readonly string[]): void {
    let now: readonly { readonly index: number; readonly name: string; readonly params: unknown }[] | undefined;
    for (const key of keys) {
      const asked = this.#asked.get(key);
      if (asked === undefined || this.#status.get(key) === 'stripped') continue;
      now ??= this.#assembler.result().toolCalls;
      const call = now.find((c) => c.index === asked.index);
      if (call !== undefined && callText(call) !== asked.text) {
        this.#stop(apiError('upstream', `the provider changed tool call "${call.name.slice(0, 64)}" after it was checked; the answer was stopped`, { code: 'tool_call_changed' }));
        return;
      }
    }
  }

  /** Writes the held events that may go now, in order, as one write (one frame of the chunked encoding). */
  #pump(): void {
    const batched = this.#batch === undefined;
    if (batched) this.#batch = '';
    release: while (this.#queue.length > 0 && this.#error === undefined) {
      const head = this.#queue[0] as Held;
      if (head.calls !== undefined) {
        for (const k of head.calls) {
          const s = this.#status.get(k);
          if (s !== 'allowed' && s !== 'stripped') break release;
        }
      }
      this.#queue.shift();
      this.#heldBytes -= head.event.raw.length;
      this.#write(head.event);
    }
    if (!batched) return;
    const text = this.#batch as string;
    this.#batch = undefined;
    const res = this.#o.res;
    if (text.length > 0 && !res.destroyed && !res.writableEnded) res.write(text);
  }

  #write(event: SseEvent): void {
    if (this.#stripped.size === 0) {
      if (this.#batch !== undefined) this.#batchExact++;
      this.#assembler.wrote?.(event);
      this.#writeRaw(event.raw);
      return;
    }
    for (const e of this.#assembler.rewrite(event, this.#stripped)) {
      this.#assembler.wrote?.(e);
      this.#writeRaw(e.raw);
    }
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
