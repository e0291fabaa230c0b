import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateGatewayOptions, type Exchange, type Gateway, STAGE_OBSERVE, type TollgatePlugin, createGateway } from '@tollgate/core';
import { LogCapture } from './log-capture.js';

/** A gateway listening on 127.0.0.1:0 for a test. */
export interface TestGateway {
  /** The gateway. */
  readonly gateway: Gateway;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** Every log line it wrote. */
  readonly logs: LogCapture;
  /** Its data directory (a fresh temporary directory unless given). */
  readonly dataDir: string;
  /** Exchanges seen by `onResponse`, in completion order. */
  readonly exchanges: Exchange[];
  /** Resolves with the `n`th exchange (1-based) once it has been emitted. */
  exchange(n?: number, timeoutMs?: number): Promise<Exchange>;
  /** Closes the gateway and removes a temporary data directory. */
  close(): Promise<void>;
}

/** Options of {@link startTestGateway}: those of `createGateway`, minus logging. */
export type TestGatewayOptions = Omit<CreateGatewayOptions, 'logDestination' | 'logger'> & {
  /** Record exchanges through an `onResponse` tap (default true). */
  readonly recordExchanges?: boolean;
};

/** Name of the plugin that records exchanges. */
export const TEST_RECORDER = 'test-recorder';

/**
 * Starts a gateway on 127.0.0.1 (port 0) with captured logs and a temporary data directory.
 * Plugins default to none (`plugins: []`) so a test states exactly what it loads. Exchanges are
 * recorded by a plugin placed after the test's plugins, so they are recorded across reloads.
 */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const logs = new LogCapture();
  const tempDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'tollgate-test-')) : undefined;
  const dataDir = options.dataDir ?? (tempDir as string);
  const exchanges: Exchange[] = [];
  const waiters: Array<{ n: number; resolve: (e: Exchange) => void }> = [];
  const recorder: TollgatePlugin = {
    name: TEST_RECORDER,
    apply(host) {
      host.hooks.onResponse.tap({ name: TEST_RECORDER, stage: STAGE_OBSERVE * 1000 }, (e) => {
        exchanges.push(e);
        for (const w of waiters.filter((x) => exchanges.length >= x.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(exchanges[w.n - 1] as Exchange);
        }
      });
    },
  };
  const { recordExchanges, ...rest } = options;
  const plugins = [...(options.plugins ?? []), ...(recordExchanges === false ? [] : [recorder])];
  const gateway = await createGateway({ ...rest, plugins, dataDir, logDestination: logs.stream });
  const address = await gateway.listen({ host: '127.0.0.1', port: 0 });
  return {
    gateway,
    url: `http://127.0.0.1:${address.port}`,
    logs,
    dataDir,
    exchanges,
    exchange(n = 1, timeoutMs = 5000) {
      if (exchanges.length >= n) return Promise.resolve(exchanges[n - 1] as Exchange);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no exchange #${n} after ${timeoutMs} ms (have ${exchanges.length})`)), timeoutMs);
        waiters.push({
          n,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    async close() {
      await gateway.close();
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
