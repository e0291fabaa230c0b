/**
 * @tollgate/testing: helpers for testing tollgate and its plugins against real HTTP on
 * 127.0.0.1: fake provider upstreams (with the captured fixtures), a gateway harness with
 * captured logs, fake hook receivers, a fake Oso, a fake tailscaled and throw-away PostgreSQL clusters.
 */
export * from './fixtures.js';
export * from './fake-upstream.js';
export * from './log-capture.js';
export * from './test-gateway.js';
export * from './plugin-harness.js';
export * from './fake-tailscaled.js';
export * from './fake-hook-receiver.js';
export * from './restartable-server.js';
export * from './fake-oso.js';
export * from './child-process.js';
export * from './condition-waiters.js';
export * from './deferred.js';
export * from './sse-client-frames.js';
export * from './postgres-cluster.js';
