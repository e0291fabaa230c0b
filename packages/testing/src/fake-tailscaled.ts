import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the fake answers for one address: a WhoIs body (JSON object), or an explicit status and text. */
export type FakeWhoIsAnswer = Readonly<Record<string, unknown>> | { readonly status: number; readonly body?: string };

/** Options of {@link startFakeTailscaled}. */
export interface FakeTailscaledOptions {
  /** WhoIs table: `IP:PORT` (`[v6]:PORT`) or bare `IP` → answer. Unlisted addresses get 404. */
  readonly whois?: Readonly<Record<string, FakeWhoIsAnswer>>;
}

/** A fake tailscaled LocalAPI on a unix socket in a temporary directory. */
export interface FakeTailscaled {
  /** Path of the unix socket (give it as the tailscale plugin's `socket`). */
  readonly socketPath: string;
  /** The `addr` of every WhoIs call received, in order. */
  readonly calls: readonly string[];
  /** Number of WhoIs calls received. */
  readonly callCount: number;
  /** True while the socket accepts connections. */
  readonly running: boolean;
  /** Sets (or, with `undefined`, removes) the answer for `IP:PORT` or `IP`. */
  setWhoIs(addr: string, answer: FakeWhoIsAnswer | undefined): void;
  /** Holds WhoIs answers until {@link resume} (to observe concurrent callers deterministically). */
  pause(): void;
  /** Releases held answers and stops holding. */
  resume(): void;
  /** Resolves once `n` WhoIs calls have arrived (answered or held). */
  waitForCalls(n: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and drops every connection: tailscaled is down. */
  stop(): Promise<void>;
  /** Listens again on the same socket path: tailscaled is back. */
  start(): Promise<void>;
  /** Stops and removes the temporary directory. */
  close(): Promise<void>;
}

/** Fields of {@link fakeWhoIsUser} / {@link fakeWhoIsTagged}. */
export interface FakeNodeOptions {
  /** Host label (default derived from the login or first tag). */
  readonly host?: string;
  /** Tailnet DNS suffix (default `tail1234.ts.net`). */
  readonly tailnet?: string;
  /** Stable node id (default `n<host>CNTRL`). */
  readonly stableId?: string;
  /** Numeric node id (default 1001). */
  readonly nodeId?: number;
  /** Display name (users). */
  readonly displayName?: string;
  /** Visible groups of the user (`UserProfile.Groups`). */
  readonly groups?: readonly string[];
}

/** A realistic WhoIs answer for a user's node, as tailscaled sends it. */
export function fakeWhoIsUser(login: string, options: FakeNodeOptions = {}): Record<string, unknown> {
  const host = options.host ?? `${login.split('@')[0]}-laptop`;
  return {
    Node: {
      ID: options.nodeId ?? 1001,
      StableID: options.stableId ?? `n${host.replace(/[^A-Za-z0-9]/g, '')}CNTRL`,
      Name: `${host}.${options.tailnet ?? 'tail1234.ts.net'}.`,
      User: 2001,
      Key: 'nodekey:0000000000000000000000000000000000000000000000000000000000000001',
      Addresses: ['100.101.102.103/32', 'fd7a:115c:a1e0::1/128'],
      ComputedName: host,
      ComputedNameWithHost: host,
      Hostinfo: { OS: 'linux', Hostname: host },
    },
    UserProfile: {
      ID: 2001,
      LoginName: login,
      DisplayName: options.displayName ?? login.split('@')[0],
      ProfilePicURL: '',
      ...(options.groups === undefined ? {} : { Groups: [...options.groups] }),
    },
    CapMap: {},
  };
}

/** A realistic WhoIs answer for a tagged node (owner: tailscaled's `tagged-devices` placeholder). */
export function fakeWhoIsTagged(tags: readonly string[], options: FakeNodeOptions = {}): Record<string, unknown> {
  const host = options.host ?? `${(tags[0] ?? 'tag:node').slice(4)}-runner`;
  return {
    Node: {
      ID: options.nodeId ?? 1002,
      StableID: options.stableId ?? `n${host.replace(/[^A-Za-z0-9]/g, '')}CNTRL`,
      Name: `${host}.${options.tailnet ?? 'tail1234.ts.net'}.`,
      User: 1,
      Key: 'nodekey:0000000000000000000000000000000000000000000000000000000000000002',
      Addresses: ['100.101.102.104/32'],
      Tags: [...tags],
      ComputedName: host,
      ComputedNameWithHost: host,
      Hostinfo: { OS: 'linux', Hostname: host },
    },
    UserProfile: { ID: 1, LoginName: 'tagged-devices', DisplayName: 'Tagged Devices', ProfilePicURL: '' },
    CapMap: {},
  };
}

/** The IP of an `IP:PORT` / `[v6]:PORT` / `IP` string, or `undefined` when it is none of those. */
function ipOf(addr: string): string | undefined {
  if (isIP(addr) !== 0) return addr;
  const v6 = /^\[([^\]]+)\]:\d{1,5}$/.exec(addr);
  if (v6 !== null) return isIP(v6[1] as string) === 6 ? v6[1] : undefined;
  const v4 = /^([^:]+):\d{1,5}$/.exec(addr);
  return v4 !== null && isIP(v4[1] as string) === 4 ? v4[1] : undefined;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts a fake tailscaled LocalAPI on a unix socket in a fresh temporary directory. It serves
 * `GET /localapi/v0/whois?addr=IP:PORT` the way tailscaled does: the answer for `IP:PORT`, else
 * for `IP`, else 404 `no match for IP:port`; 400 for a missing or malformed `addr`; 403 when the
 * Host is not `local-tailscaled.sock`. It counts calls, can hold answers, and can be stopped and
 * started again to play tailscaled going down and coming back.
 */
export async function startFakeTailscaled(options: FakeTailscaledOptions = {}): Promise<FakeTailscaled> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-tailscaled-'));
  const socketPath = join(dir, 'tailscaled.sock');
  const table = new Map<string, FakeWhoIsAnswer>(Object.entries(options.whois ?? {}));
  const calls: string[] = [];
  const callWaiters: Array<{ n: number; resolve: () => void }> = [];
  let held: Array<() => void> | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  const answer = (addr: string, res: ServerResponse): void => {
    const found = table.get(addr) ?? table.get(ipOf(addr) as string);
    if (found === undefined) return send(res, 404, 'no match for IP:port\n');
    if (typeof found.status === 'number' && Object.keys(found).every((k) => k === 'status' || k === 'body')) {
      return send(res, found.status as number, String(found.body ?? ''));
    }
    send(res, 200, JSON.stringify(found, null, '\t'), 'application/json');
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const host = req.headers.host ?? '';
    if (host !== 'local-tailscaled.sock' && host !== 'local-tailscaled.sock:80') return send(res, 403, 'invalid localapi Host header\n');
    const url = new URL(req.url ?? '/', 'http://local-tailscaled.sock');
    if (url.pathname !== '/localapi/v0/whois') return send(res, 404, '404 page not found\n');
    if (req.method !== 'GET') return send(res, 405, 'want GET\n');
    const addr = url.searchParams.get('addr');
    if (addr === null || addr === '') return send(res, 400, "missing 'addr' parameter\n");
    if (ipOf(addr) === undefined) return send(res, 400, "invalid 'addr' parameter\n");
    calls.push(addr);
    for (const w of callWaiters.filter((x) => calls.length >= x.n)) {
      callWaiters.splice(callWaiters.indexOf(w), 1);
      w.resolve();
    }
    if (held !== undefined) held.push(() => answer(addr, res));
    else answer(addr, res);
  };

  const start = async (): Promise<void> => {
    if (server !== undefined) return;
    rmSync(socketPath, { force: true });
    const s = createServer(handle);
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(socketPath, () => {
        s.off('error', reject);
        resolve();
      });
    });
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    if (s === undefined) return;
    server = undefined;
    const release = held ?? [];
    held = held === undefined ? undefined : [];
    for (const r of release) r();
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    rmSync(socketPath, { force: true });
  };

  await start();
  return {
    socketPath,
    calls,
    get callCount() {
      return calls.length;
    },
    get running() {
      return server !== undefined;
    },
    setWhoIs(addr, value) {
      if (value === undefined) table.delete(addr);
      else table.set(addr, value);
    },
    pause() {
      held ??= [];
    },
    resume() {
      const release = held ?? [];
      held = undefined;
      for (const r of release) r();
    },
    waitForCalls(n, timeoutMs = 5000) {
      if (calls.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake tailscaled: ${calls.length} WhoIs calls after ${timeoutMs} ms, expected ${n}`)), timeoutMs);
        callWaiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    stop,
    start,
    async close() {
      held = undefined;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
