/**
 * The configurations measured side by side. Each one starts its server process(es) and says how
 * a request reaches it. Everything listens on 127.0.0.1 on a free port.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startServer } from './spawn-server.js';
import { BENCH_MODEL } from './payloads.js';
import { ensurePortkey } from './portkey.js';

/** Key the fake upstream is "called" with (it accepts anything). */
export const PROVIDER_KEY = 'sk-bench-provider-key';
/** Client key tollgate maps to `bench@example.com`. */
export const CLIENT_KEY = 'bench-key';
const CHAT_PATH = '/v1/chat/completions';

/**
 * @typedef {object} BenchContext
 * @property {string} repoDir repository root
 * @property {string} benchDir `bench/`
 * @property {string} workDir scratch directory for generated configs and data dirs
 * @property {import('./spawn-server.js').RunningServer} upstream the fake upstream
 * @property {() => Promise<import('./spawn-server.js').RunningServer>} receiver the webhook receiver (started on first use)
 * @property {string | undefined} profileDir when set, tollgate runs with `--cpu-prof` into it
 * @property {string} [tollgateDir] checkout whose `tollgate` CLI runs (default: this repository)
 */

/**
 * @typedef {object} StartedConfiguration
 * @property {import('./spawn-server.js').RunningServer | undefined} server the measured process (tree); none for `direct`
 * @property {string} url base URL requests go to
 * @property {Record<string, string>} headers request headers besides content-type
 * @property {string} [version] version of the product measured
 * @property {boolean} [delivers] whether each request also makes a webhook delivery
 */

/**
 * @typedef {object} Configuration
 * @property {string} id
 * @property {string} label
 * @property {string} description
 * @property {boolean} [optional] measured only when named with `--configs`
 * @property {(ctx: BenchContext) => string | undefined} unavailable a reason it cannot run here, if any
 * @property {(ctx: BenchContext) => Promise<StartedConfiguration>} start
 */

const CORES = availableParallelism();

/** @param {BenchContext} ctx @param {string} name */
function pluginMissing(ctx, name) {
  const entry = join(ctx.repoDir, 'plugins', name, 'dist', 'index.js');
  return existsSync(entry) ? undefined : `@tollgate/plugin-${name} is not built (no plugins/${name}/dist/index.js; run \`npm run build\` once the plugin exists)`;
}

/**
 * Writes a tollgate config for this bench and starts `tollgate start` on it.
 * @param {BenchContext} ctx
 * @param {string} id
 * @param {{ plugins: unknown[], extra?: Record<string, unknown>, provider?: Record<string, unknown>, workers?: number }} options
 * @returns {Promise<StartedConfiguration>}
 */
async function startTollgate(ctx, id, options) {
  const config = {
    providers: {
      bench: { name: 'Bench upstream', baseurl: `${ctx.upstream.url}/v1`, models: [BENCH_MODEL], apikey: PROVIDER_KEY, ...options.provider },
    },
    identity: { api_keys: { [CLIENT_KEY]: 'bench@example.com' }, loopback: false },
    logging: { level: 'info', access_log: true },
    plugins: options.plugins,
    ...options.extra,
  };
  const file = join(ctx.workDir, `${id}.json`);
  const dataDir = join(ctx.workDir, `${id}-data`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const execArgv = [];
  // One directory per configuration: Node names the files CPU.<date>.<time>.<pid>...cpuprofile.
  if (ctx.profileDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(ctx.profileDir, id)}`);
  const args = ['start', '--config', file, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
  if (options.workers !== undefined && options.workers > 1) args.push('--workers', String(options.workers));
  const server = await startServer({
    name: id,
    script: join(ctx.tollgateDir ?? ctx.repoDir, 'packages', 'cli', 'bin', 'tollgate.js'),
    args,
    execArgv,
    env: { NODE_ENV: 'production' },
    ready: 'stderr',
  });
  return { server, url: server.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } };
}

const TAP_PLUGIN = (/** @type {BenchContext} */ ctx) => join(ctx.benchDir, 'plugins', 'tool-call-tap.js');

/** Grants that send an `entire_request` hook to the receiver for everyone. @param {number} receiverPort */
function grantsAndHook(receiverPort) {
  return {
    hooks: { audit: { url: `http://127.0.0.1:${receiverPort}/hook` } },
    grants: [
      {
        src: ['*'],
        app: { 'tailscale.com/cap/aperture': [{ role: 'user', models: '**', send_hooks: [{ name: 'audit', events: ['entire_request'], send: ['user_message', 'tools'] }] }] },
      },
    ],
  };
}

const GRANTS_ONLY = { grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user', models: '**' }] } }] };

/** The bench model priced as gpt-4.1-nano, so every exchange has a cost to charge. */
const PRICED_PROVIDER = { cost_basis: 'openai', model_cost_map: [{ match: BENCH_MODEL, as: 'gpt-4.1-nano' }] };

/**
 * Grants charging every caller to a per-user daily bucket and a shared one, both too large to run
 * out during a bench: every request is admitted after reading both balances and charged to both.
 * @param {string | undefined} databaseUrl PostgreSQL URL (absent: the embedded SQLite store)
 */
function quotasConfig(databaseUrl) {
  return {
    quotas: { 'daily:<user>': { capacity: '$1000000.00', rate: '$1000000.00/day' }, team: { capacity: '$1000000.00', rate: '$1000000.00/hour' } },
    grants: [{ src: ['*'], app: { 'tailscale.com/cap/aperture': [{ role: 'user', models: '**', quotas: [{ bucket: 'daily:<user>' }, { bucket: 'team' }] }] } }],
    ...(databaseUrl === undefined ? {} : { database: { url: databaseUrl } }),
  };
}

/** @type {Promise<import('@tollgate/testing').PostgresCluster | undefined> | undefined} */
let benchCluster;

/** A throw-away PostgreSQL cluster for the bench (started once, destroyed when the process exits). */
async function benchDatabase() {
  benchCluster ??= import('@tollgate/testing').then((t) => t.startPostgresCluster({ database: 'tollgate_bench' }));
  const cluster = await benchCluster;
  if (cluster === undefined) throw new Error('PostgreSQL is not installed (initdb not found)');
  return cluster.url;
}

/** @param {BenchContext} ctx */
const fullUnavailable = (ctx) => pluginMissing(ctx, 'grants') ?? pluginMissing(ctx, 'webhook');

/** @type {Configuration[]} */
export const CONFIGURATIONS = [
  {
    id: 'direct',
    label: 'direct',
    description: 'straight to the fake upstream (no proxy)',
    unavailable: () => undefined,
    start: async (ctx) => ({ server: undefined, url: ctx.upstream.url, headers: { authorization: `Bearer ${PROVIDER_KEY}` } }),
  },
  {
    id: 'bare',
    label: 'bare Node proxy',
    description: 'node:http + undici Pool; parses and re-serialises the JSON body, pipes the answer (the Node ceiling)',
    unavailable: () => undefined,
    start: async (ctx) => {
      const execArgv = ctx.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(ctx.profileDir, 'bare')}`];
      const server = await startServer({ name: 'bare', script: join(ctx.benchDir, 'servers', 'bare-proxy.js'), args: [ctx.upstream.url], execArgv, env: { NODE_ENV: 'production' } });
      return { server, url: server.url, headers: { authorization: `Bearer ${PROVIDER_KEY}` } };
    },
  },
  {
    id: 'tollgate',
    label: 'tollgate',
    description: 'configuration 3: `tollgate start`, no plugins (API-key identity, access log on)',
    unavailable: () => undefined,
    start: (ctx) => startTollgate(ctx, 'tollgate', { plugins: [] }),
  },
  {
    id: 'tollgate-tap',
    label: 'tollgate+tap',
    description: 'configuration 3 plus only the onToolCall tap (no grants): isolates the cost of gating tool calls',
    optional: true,
    unavailable: () => undefined,
    start: (ctx) => startTollgate(ctx, 'tollgate-tap', { plugins: [TAP_PLUGIN(ctx)] }),
  },
  {
    id: 'tollgate-grants',
    label: 'tollgate+grants+tap',
    description: 'configuration 3 plus grants and the onToolCall tap, no outbound hook (the 0.7x / 7x target)',
    unavailable: (ctx) => pluginMissing(ctx, 'grants'),
    start: (ctx) => startTollgate(ctx, 'tollgate-grants', { plugins: ['grants', TAP_PLUGIN(ctx)], extra: GRANTS_ONLY }),
  },
  {
    id: 'tollgate-capture',
    label: 'tollgate+grants+tap+capture',
    description: 'tollgate-grants plus the capture plugin on its embedded SQLite store (bodies kept, the default retention): the cost of recording every exchange',
    optional: true,
    unavailable: (ctx) => pluginMissing(ctx, 'grants') ?? pluginMissing(ctx, 'capture'),
    start: (ctx) => startTollgate(ctx, 'tollgate-capture', { plugins: ['grants', 'capture', TAP_PLUGIN(ctx)], extra: GRANTS_ONLY }),
  },
  {
    id: 'tollgate-quotas',
    label: 'tollgate+grants+tap+quotas',
    description: '`tollgate-grants` plus the quotas plugin on the embedded SQLite store: two buckets read before and charged after every request (the model priced as gpt-4.1-nano)',
    unavailable: (ctx) => pluginMissing(ctx, 'grants') ?? pluginMissing(ctx, 'quotas'),
    start: (ctx) => startTollgate(ctx, 'tollgate-quotas', { plugins: ['grants', 'quotas', TAP_PLUGIN(ctx)], extra: quotasConfig(undefined), provider: PRICED_PROVIDER }),
  },
  {
    id: 'tollgate-quotas-pg',
    label: 'tollgate+grants+tap+quotas (PostgreSQL)',
    description: '`tollgate-quotas` with its store on a local PostgreSQL cluster (fsync off, test settings) instead of SQLite',
    optional: true,
    unavailable: (ctx) => pluginMissing(ctx, 'grants') ?? pluginMissing(ctx, 'quotas'),
    start: async (ctx) => startTollgate(ctx, 'tollgate-quotas-pg', { plugins: ['grants', 'quotas', TAP_PLUGIN(ctx)], extra: quotasConfig(await benchDatabase()), provider: PRICED_PROVIDER }),
  },
  {
    id: 'tollgate-full',
    label: 'tollgate full',
    description: 'configuration 4: grants + webhook (`entire_request` to a local receiver on every request) + the onToolCall tap',
    unavailable: fullUnavailable,
    start: async (ctx) => {
      const receiver = await ctx.receiver();
      const started = await startTollgate(ctx, 'tollgate-full', { plugins: ['grants', 'webhook', TAP_PLUGIN(ctx)], extra: grantsAndHook(receiver.port) });
      return { ...started, delivers: true };
    },
  },
  {
    id: 'tollgate-full-delay',
    label: 'tollgate full, write_delay 50ms',
    description: 'configuration 4 with the webhook spool\'s `write_delay: "50ms"` (events delivered within 50 ms are never written to disk)',
    optional: true,
    unavailable: fullUnavailable,
    start: async (ctx) => {
      const receiver = await ctx.receiver();
      const webhook = ['webhook', { spool: { write_delay: '50ms' } }];
      const started = await startTollgate(ctx, 'tollgate-full-delay', { plugins: ['grants', webhook, TAP_PLUGIN(ctx)], extra: grantsAndHook(receiver.port) });
      return { ...started, delivers: true };
    },
  },
  {
    id: 'tollgate-full-workers',
    label: `tollgate full x${CORES}`,
    description: `configuration 4 with \`--workers ${CORES}\` (node:cluster, one worker per core)`,
    unavailable: fullUnavailable,
    start: async (ctx) => {
      const receiver = await ctx.receiver();
      const started = await startTollgate(ctx, 'tollgate-full-workers', { plugins: ['grants', 'webhook', TAP_PLUGIN(ctx)], extra: grantsAndHook(receiver.port), workers: CORES });
      return { ...started, delivers: true };
    },
  },
  {
    id: 'tollgate-workers',
    label: `tollgate x${CORES}`,
    description: `configuration 3 plus the onToolCall tap, with \`--workers ${CORES}\` (a stand-in while configuration 4 is unavailable)`,
    optional: true,
    unavailable: () => undefined,
    start: (ctx) => startTollgate(ctx, 'tollgate-workers', { plugins: [TAP_PLUGIN(ctx)], workers: CORES }),
  },
  {
    id: 'portkey',
    label: 'Portkey',
    description: '@portkey-ai/gateway from the npm registry (`build/start-server.js --headless`), openai provider with a custom host',
    unavailable: () => undefined,
    start: async (ctx) => {
      const installed = ensurePortkey(ctx.benchDir);
      if ('reason' in installed) throw new Error(installed.reason);
      const server = await startServer({
        name: 'portkey',
        script: join(ctx.benchDir, 'servers', 'portkey-launcher.js'),
        args: [installed.entry],
        env: { NODE_ENV: 'production' },
      });
      return {
        server,
        url: server.url,
        version: installed.version,
        headers: { authorization: `Bearer ${PROVIDER_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${ctx.upstream.url}/v1` },
      };
    },
  },
];

/**
 * The same tollgate configuration run from another checkout (`--baseline <dir>`, built), for A/B
 * measurements of a change in one run.
 * @param {Configuration} config
 * @param {string} dir
 * @returns {Configuration}
 */
export function baselineOf(config, dir) {
  return {
    ...config,
    id: `${config.id}@baseline`,
    label: `${config.label} (baseline)`,
    description: `${config.description}; run from ${dir}`,
    optional: false,
    unavailable: (ctx) => (existsSync(join(dir, 'packages', 'cli', 'dist', 'bin.js')) ? config.unavailable({ ...ctx, repoDir: dir }) : `${dir} has no built CLI`),
    start: (ctx) => config.start({ ...ctx, tollgateDir: dir, workDir: join(ctx.workDir, 'baseline'), profileDir: ctx.profileDir === undefined ? undefined : join(ctx.profileDir, 'baseline') }),
  };
}

/** Path every configuration serves chat completions on. */
export const CHAT_ENDPOINT = CHAT_PATH;
