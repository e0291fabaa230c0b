import type { Logger } from 'pino';
import type { FormatAdapter } from '../formats/format-adapter.js';
import { isSafeHeader } from '../providers/header-lines.js';
import type { Decision } from '../types/decision.js';
import type { ResponseParts } from '../types/exchange.js';
import type { Identity } from '../types/identity.js';
import type { ProviderInfo } from '../types/provider-info.js';
import type { RequestContext } from '../types/request-context.js';
import type { JsonObject } from '../types/json.js';
import type { StateBag } from '../types/state-key.js';
import type { DeclaredTool } from '../types/tool-call.js';
import { RequestAbort } from './request-abort.js';
import { sessionIdOf } from './session-id.js';

/** Fields a {@link RequestContextImpl} is built from. */
export interface RequestContextInit {
  readonly id: string;
  readonly format: FormatAdapter;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string;
  readonly identity: Identity;
  readonly requestedModel: string;
  readonly model: string;
  readonly provider: ProviderInfo;
  readonly stream: boolean;
  readonly body: JsonObject;
  readonly rawBody: Buffer;
  readonly state: StateBag;
  /**
   * Aborted when the client goes away: an `AbortSignal`, or a {@link RequestAbort} (core's: its
   * `AbortSignal` is made only when something reads `signal`).
   */
  readonly signal: AbortSignal | RequestAbort;
  /** Request-scoped logger, or a function that makes it on first use (core's: most requests never log). */
  readonly log: Logger | (() => Logger);
}

/**
 * The {@link RequestContext} core hands to `onRequest` and `onToolCall` taps. Derived values
 * (user message, tools, session id) are computed on first use; the forwarded body is the
 * original bytes unless a tap replaced the body or the model had to be rewritten.
 */
export class RequestContextImpl implements RequestContext {
  readonly id: string;
  readonly format: FormatAdapter;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string;
  readonly identity: Identity;
  readonly requestedModel: string;
  readonly model: string;
  readonly provider: ProviderInfo;
  readonly stream: boolean;
  readonly state: StateBag;
  readonly #signal: AbortSignal | RequestAbort;
  readonly #makeLog: (() => Logger) | undefined;
  #log: Logger | undefined;
  readonly #decisions: Decision[] = [];
  readonly #upstreamHeaders: Array<[string, string]> = [];
  readonly #rawBody: Buffer;
  #body: JsonObject;
  #changed: boolean;
  /** The forwarded bytes when core made them along with the body ({@link forwardInstead}). */
  #forwardBytes: Buffer | undefined;
  #userMessage: string | undefined;
  #tools: DeclaredTool[] | undefined;
  #sessionId: string | undefined;
  #keepBody = false;
  #keepRaw = false;

  constructor(init: RequestContextInit) {
    this.id = init.id;
    this.format = init.format;
    this.method = init.method;
    this.path = init.path;
    this.headers = init.headers;
    this.remoteAddress = init.remoteAddress;
    this.identity = init.identity;
    this.requestedModel = init.requestedModel;
    this.model = init.model;
    this.provider = init.provider;
    this.stream = init.stream;
    this.state = init.state;
    this.#signal = init.signal;
    if (typeof init.log === 'function') this.#makeLog = init.log;
    else this.#log = init.log;
    this.#rawBody = init.rawBody;
    this.#body = init.body;
    this.#changed = false;
    if (init.requestedModel !== init.model) {
      const rewritten = init.format.withModel(init.body, init.model);
      if (rewritten !== undefined) {
        this.#body = rewritten;
        this.#changed = true;
      }
    }
  }

  /** @inheritdoc */
  keepResponse(parts: ResponseParts = { body: true, rawResponses: true }): void {
    if (parts.body === true) this.#keepBody = true;
    if (parts.rawResponses === true) this.#keepRaw = true;
  }

  /** What {@link keepResponse} calls asked for so far. */
  get keptResponse(): Required<ResponseParts> {
    return { body: this.#keepBody, rawResponses: this.#keepRaw };
  }

  /** @inheritdoc */
  get signal(): AbortSignal {
    const s = this.#signal;
    return s instanceof RequestAbort ? s.signal : s;
  }

  /** True once the client went away (reading it does not make the `AbortSignal`). */
  get aborted(): boolean {
    return this.#signal.aborted;
  }

  /** @inheritdoc */
  get log(): Logger {
    this.#log ??= (this.#makeLog as () => Logger)();
    return this.#log;
  }

  /** @inheritdoc */
  get body(): JsonObject {
    return this.#body;
  }

  /** @inheritdoc */
  get userAgent(): string {
    const ua = this.headers['user-agent'];
    return (Array.isArray(ua) ? ua[0] : ua) ?? '';
  }

  /** @inheritdoc */
  get userMessage(): string {
    this.#userMessage ??= this.format.userMessage(this.#body);
    return this.#userMessage;
  }

  /** @inheritdoc */
  get tools(): readonly DeclaredTool[] {
    this.#tools ??= this.format.declaredTools(this.#body);
    return this.#tools;
  }

  /** @inheritdoc */
  get sessionId(): string {
    this.#sessionId ??= sessionIdOf(this.format, this.#body, this.headers, this.identity.login);
    return this.#sessionId;
  }

  /** @inheritdoc */
  get decisions(): readonly Decision[] {
    return this.#decisions;
  }

  /** @inheritdoc */
  replaceBody(body: JsonObject): void {
    // The session is pinned to the conversation as the client sent it.
    void this.sessionId;
    const withModel = this.format.withModel(body, this.model);
    this.#body = withModel ?? body;
    this.#changed = true;
    this.#forwardBytes = undefined;
    this.#userMessage = undefined;
    this.#tools = undefined;
  }

  /** @inheritdoc */
  filterTools(keep: (tool: DeclaredTool) => boolean): void {
    if (this.tools.every(keep)) return;
    void this.sessionId;
    this.#body = this.format.filterTools(this.#body, keep);
    this.#changed = true;
    this.#forwardBytes = undefined;
    this.#tools = undefined;
  }

  /** @inheritdoc */
  addUpstreamHeader(name: string, value: string): void {
    if (!isSafeHeader(name, value)) {
      this.log.warn({ header: name.slice(0, 64) }, 'unsafe upstream header ignored');
      return;
    }
    this.#upstreamHeaders.push([name.toLowerCase(), value]);
  }

  /** @inheritdoc */
  recordDecision(decision: Decision): void {
    this.#decisions.push(decision);
  }

  /** Headers plugins added for the upstream request. */
  get upstreamHeaders(): ReadonlyArray<readonly [string, string]> {
    return this.#upstreamHeaders;
  }

  /** True when the forwarded body differs from the bytes the client sent. */
  get bodyChanged(): boolean {
    return this.#changed;
  }

  /** The client's own bytes while nothing changed the body, else `undefined`. */
  get unchangedBytes(): Buffer | undefined {
    return this.#changed ? undefined : this.#rawBody;
  }

  /**
   * Core's own change to what goes upstream, once the taps ran (asking for a stream's usage): the
   * body becomes `body`, which must leave messages and tools as they were, forwarded as `bytes`
   * when given (made from {@link unchangedBytes}), else serialised.
   */
  forwardInstead(body: JsonObject, bytes?: Buffer): void {
    this.#body = body;
    this.#changed = true;
    this.#forwardBytes = bytes;
  }

  /** The bytes to forward: the client's own bytes when nothing changed. */
  forwardBody(): string | Buffer {
    if (!this.#changed) return this.#rawBody;
    return this.#forwardBytes ?? JSON.stringify(this.#body);
  }
}
