import { WARN_UNKNOWN, byteSize, duration } from '@tollgate/core';
import { Type } from 'typebox';

const warnUnknown = { [WARN_UNKNOWN]: true };

/** What a retention purge deletes: `captures` (bodies and headers), and `tools` (tool-call records). */
export const PurgeTargetSchema = Type.Union([Type.Literal('captures'), Type.Literal('tools')]);

/** `database.retention`: how long captures are kept (Aperture's fields). */
export const RetentionSchema = Type.Object(
  {
    /**
     * How long captures are kept: `""` forever, `"0"` not kept at all, else a duration of at least
     * `1h` and at most `3650d` (`"720h"`, `"30d"`, `"90d12h"`).
     */
    duration: Type.String({ default: '' }),
    /** Aperture: purge only what an exporter has exported. tollgate has no exporters: `true` keeps everything (with a warning). */
    require_export: Type.Boolean({ default: false }),
    /** What the purge deletes: `["captures"]` (bodies and headers) or `["captures", "tools"]` (tool calls too). Metrics are always kept. */
    purge: Type.Array(PurgeTargetSchema, { default: ['captures'], uniqueItems: true }),
  },
  { ...warnUnknown, default: {} },
);

/** One entry of `database.headers.filterable`. */
export const FilterableHeaderSchema = Type.Object(
  {
    /** Header name (case-insensitive). */
    name: Type.String({ minLength: 1 }),
    /** Store only whether the header was present, not its value. */
    redact_values: Type.Boolean({ default: false }),
  },
  warnUnknown,
);

/** `database.headers`. */
export const DatabaseHeadersSchema = Type.Object(
  {
    /** Request headers indexed for filtering requests (`/api/requests?header=name:value`). */
    filterable: Type.Array(FilterableHeaderSchema, { default: [] }),
  },
  { ...warnUnknown, default: {} },
);

/** Aperture's `database` section, owned by the capture plugin. */
export const DatabaseSchema = Type.Object(
  {
    /** `postgres://…` (or `env:NAME`): a PostgreSQL database several gateways share. Absent or empty: a SQLite file in the data directory. */
    url: Type.String({ default: '' }),
    /** How long captures are kept, and what a purge deletes. */
    retention: RetentionSchema,
    /** Keep every parsed SSE event of a stream (`raw_responses`) with the capture. */
    save_raws: Type.Boolean({ default: false }),
    /** Keep encrypted reasoning blobs (`encrypted_content`, thinking `signature`s, `thoughtSignature`) in stored bodies; off: replaced by `"[omitted]"`. */
    keep_encrypted_blobs: Type.Boolean({ default: false }),
    /** Request headers indexed for filtering. */
    headers: DatabaseHeadersSchema,
  },
  { ...warnUnknown, default: {} },
);

/** The validated `database` section. */
export type DatabaseConfig = Type.Static<typeof DatabaseSchema>;

/** Options of the capture plugin (`["capture", {...}]`): tollgate's own knobs, beyond Aperture's section. */
export const CaptureOptionsSchema = Type.Object(
  {
    /** Most records held in memory while the store is slow or down; more are dropped (counted, logged). */
    max_buffered_records: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
    /** Most bytes held in memory while the store is slow or down. */
    max_buffered_bytes: byteSize('64mb'),
    /** A stored body larger than this is replaced by a marker with its first 64 KiB. */
    max_body_size: byteSize('1mb'),
    /** How often the retention purge runs (each gateway; several at once are safe). */
    purge_interval: duration('10m'),
    /** How long shutdown waits to write what is buffered. */
    flush_timeout: duration('5s'),
  },
  { additionalProperties: false, default: {} },
);

/** Validated capture plugin options. */
export type CaptureOptions = Type.Static<typeof CaptureOptionsSchema>;
