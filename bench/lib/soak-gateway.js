/**
 * The gateway under soak, in its own process (so its memory and event loop are measured alone).
 * Started by `bench/soak.js` with `--expose-gc`; the config comes as JSON in `SOAK_CONFIG`.
 * Protocol over IPC: it sends `{ ready, port }` once listening; it answers `{ type: 'sample' }`
 * with a sample (heap measured right after a full GC; event-loop delay since the last sample,
 * sampled every 1 ms, so each value includes that 1 ms; webhook counters; log lines by level),
 * and `{ type: 'close' }` by closing the gateway and sending `{ type: 'closed', sample }`.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import { createGateway } from '@tollgate/core';
import { webhookStats } from '@tollgate/plugin-webhook';
import toolCallTap from '../plugins/tool-call-tap.js';

const config = JSON.parse(process.env.SOAK_CONFIG ?? '{}');
const webhookOptions = JSON.parse(process.env.SOAK_WEBHOOK ?? '{}');
const dataDir = process.env.SOAK_DATA_DIR;

/** Log lines by pino level, and the last few warnings and errors (messages only). */
const logCounts = { info: 0, warn: 0, error: 0, other: 0 };
/** @type {Map<string, number>} */
const warnings = new Map();
const destination = {
  /** @param {string} line */
  write(line) {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level >= 50) logCounts.error++;
    else if (level >= 40) logCounts.warn++;
    else if (level >= 30) logCounts.info++;
    else logCounts.other++;
    if (level >= 40) {
      const msg = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? '(no message)';
      warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
    }
  },
};

const gateway = await createGateway({ config, plugins: ['grants', ['webhook', webhookOptions], toolCallTap], logDestination: destination, dataDir });
const address = await gateway.listen({ host: '127.0.0.1', port: 0 });
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

/** Garbage-collection pauses since the last sample (the sampler's own forced GC left out). */
const gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const flags = /** @type {{ flags?: number }} */ (/** @type {{ detail?: unknown }} */ (entry).detail ?? {}).flags ?? 0;
    if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) continue;
    gcPauses.count++;
    gcPauses.totalMs += entry.duration;
    gcPauses.maxMs = Math.max(gcPauses.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

/** @param {number} ns */
const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

function sample() {
  // The forced GC below pauses the loop: stop measuring around it, so it is not counted as delay.
  loop.disable();
  const delay = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) };
  const forceGc = /** @type {undefined | (() => void)} */ (globalThis.gc);
  forceGc?.();
  const mem = process.memoryUsage();
  loop.reset();
  loop.enable();
  const gc = { count: gcPauses.count, totalMs: Math.round(gcPauses.totalMs * 10) / 10, maxMs: Math.round(gcPauses.maxMs * 10) / 10 };
  Object.assign(gcPauses, { count: 0, totalMs: 0, maxMs: 0 });
  return {
    gc,
    rssMB: Math.round((mem.rss / 2 ** 20) * 10) / 10,
    heapUsedMB: Math.round((mem.heapUsed / 2 ** 20) * 100) / 100,
    externalMB: Math.round(((mem.external + mem.arrayBuffers) / 2 ** 20) * 100) / 100,
    eventLoopDelayMs: delay,
    activeResources: process.getActiveResourcesInfo().length,
    webhook: webhookStats(gateway)?.audit,
    log: { ...logCounts },
    warnings: Object.fromEntries(warnings),
  };
}

process.on('message', (/** @type {{ type?: string }} */ msg) => {
  if (msg?.type === 'sample') process.send?.({ type: 'sample', sample: sample() });
  else if (msg?.type === 'close') {
    gateway
      .close()
      .then(() => {
        loop.disable();
        process.send?.({ type: 'closed', sample: sample() }, () => process.exit(0));
      })
      .catch((err) => {
        process.stderr.write(`close failed: ${err?.stack ?? err}\n`);
        process.exit(1);
      });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, port: address.port });
