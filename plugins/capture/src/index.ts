/**
 * @tollgate/plugin-capture: the capture store and tool-call audit trail. Every exchange, every
 * tool call and what policy decided about it, in SQLite or PostgreSQL through `@tollgate/store`,
 * written off the request path; the read API (`/api/requests`, `/api/sessions`, `/api/tool-use`,
 * `/api/usage`) the dashboard and the `tollgate` CLI read; retention purges.
 */
import { capturePlugin } from './plugin.js';

export default capturePlugin;

export { capturePlugin as plugin, capturePlugin, defineCapturePlugin, CapturePlugin, captureOf } from './plugin.js';
export { captureStatsOf } from './stats-registry.js';
export { parseRetentionDuration, retentionPolicy, type RetentionPolicy, MIN_RETENTION_MS, MAX_RETENTION_MS } from './retention.js';
export { CAPTURE_MIGRATIONS, CAPTURE_NAMESPACE } from './migrations.js';
export type { PurgeResult } from './purge.js';
export type { CaptureTables, ExchangesTable, ToolCallsTable, PayloadsTable } from './tables.js';
export {
  DatabaseSchema,
  RetentionSchema,
  DatabaseHeadersSchema,
  FilterableHeaderSchema,
  PurgeTargetSchema,
  CaptureOptionsSchema,
  type DatabaseConfig,
  type CaptureOptions,
} from './schema.js';
export * from './types.js';
