import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { RequestAbort } from '../src/pipeline/request-abort.js';

describe('RequestAbort', () => {
  it('gives a signal made before the abort that aborts with it', () => {
    const abort = new RequestAbort();
    const signal = abort.signal;
    assert.equal(signal.aborted, false);
    assert.equal(abort.signal, signal, 'one signal per request');
    abort.abort();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as DOMException).name, 'AbortError');
    assert.equal(signal.reason, abort.reason);
  });

  it('gives a signal made after the abort that is already aborted with the same reason', () => {
    const abort = new RequestAbort();
    let events = 0;
    abort.on('abort', () => events++);
    abort.abort();
    abort.abort();
    assert.equal(events, 1, 'aborts once');
    assert.equal(abort.aborted, true);
    assert.equal(abort.signal.aborted, true);
    assert.equal(abort.signal.reason, abort.reason);
  });

  it('cancels an undici request it is given as the signal', async () => {
    let arrived!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    const server = createServer(() => arrived()); // never answers
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const abort = new RequestAbort();
      const pending = pool.request({ path: '/', method: 'POST', body: '{}', signal: abort });
      await seen;
      abort.abort();
      await assert.rejects(pending, (err: Error) => err.name === 'AbortError' || (err as { code?: string }).code === 'UND_ERR_ABORTED');
    } finally {
      await pool.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
