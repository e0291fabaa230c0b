import { WARN_UNKNOWN, byteSize, duration } from '@tollgate/core';
import { Type } from 'typebox';

const warnUnknown = { [WARN_UNKNOWN]: true };

/** How a hook's `apikey` is sent (Aperture's three, plus Splunk HEC and Cloudflare AI Gateway). */
export const HookAuthorizationSchema = Type.Union(
  [Type.Literal('bearer'), Type.Literal('x-api-key'), Type.Literal('x-goog-api-key'), Type.Literal('hec'), Type.Literal('cf-aig-authorization')],
  { default: 'bearer' },
);

/** One entry of the `hooks` section, as in Aperture plus tollgate's `signing_secret` and `concurrency`. */
export const HookEndpointSchema = Type.Object(
  {
    /** Endpoint URL: `http://` or `https://`, or a scheme a transport plugin handles. Missing: a warning, the hook fails. */
    url: Type.String({ default: '' }),
    /** Credential; empty sends no auth header. */
    apikey: Type.String({ default: '' }),
    /** How `apikey` is sent. */
    authorization: HookAuthorizationSchema,
    /** Go duration per call (`500ms`, `5s`, `1m`); `0` disables the timeout. */
    timeout: duration('5s'),
    /** Skip the hook without removing it. */
    disabled: Type.Boolean({ default: false }),
    /** `pre_request` only: `fail_closed` refuses the request (503) when the hook fails. */
    fail_policy: Type.Union([Type.Literal('fail_open'), Type.Literal('fail_closed')], { default: 'fail_open' }),
    /** Order in a `pre_request` chain: higher first, ties by hook name. */
    preference: Type.Integer({ default: 0 }),
    /** tollgate: Standard Webhooks secret (`whsec_<base64>`); signs every delivery. */
    signing_secret: Type.Optional(Type.String({ minLength: 1 })),
    /** tollgate: post-response deliveries in flight at once for this hook (default: the plugin's `delivery.concurrency`). */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  },
  warnUnknown,
);

/** The `hooks` section: hook name → endpoint. */
export const HooksSchema = Type.Record(Type.String({ minLength: 1 }), HookEndpointSchema, { default: {} });

/** How spool writes reach the disk. */
export const FsyncPolicySchema = Type.Union([Type.Literal('always'), Type.Literal('interval'), Type.Literal('never')], { default: 'interval' });

/** Plugin option `spool`: the on-disk queue of post-response deliveries. */
export const SpoolOptionsSchema = Type.Object(
  {
    /** Keep undelivered events on disk (off: memory only, lost on restart). */
    enabled: Type.Boolean({ default: true }),
    /** Directory, relative to the gateway's data directory (or absolute). */
    dir: Type.String({ minLength: 1, default: 'webhook' }),
    /** Most bytes spooled per hook and process; further events are dropped (counted, logged). */
    max_bytes: byteSize('128mb'),
    /** Size at which a segment file is closed and a new one started. */
    segment_bytes: byteSize('4mb'),
    /** `always`: fdatasync after every write batch; `interval`: every `fsync_interval`; `never`: leave it to the OS. */
    fsync: FsyncPolicySchema,
    /** Period of `fsync: "interval"`. */
    fsync_interval: duration('1s'),
    /**
     * Longest time an event waits in memory before it is written to the spool; an event delivered
     * sooner is never written (nor acknowledged). `0`: written at once. Ignored with `fsync: "always"`.
     */
    write_delay: duration('0ms'),
  },
  { additionalProperties: false, default: {} },
);

/** Plugin option `delivery`: queues and retries of post-response deliveries. */
export const DeliveryOptionsSchema = Type.Object(
  {
    /** Deliveries in flight at once per hook; 1 makes the receiver see the events in order. */
    concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 32 }),
    /** Payload bytes kept in memory per hook; beyond, payloads are read back from the spool (without a spool: dropped). */
    memory_bytes: byteSize('16mb'),
    /** First retry delay; it doubles per consecutive failure (with jitter). */
    retry_initial: duration('500ms'),
    /** Longest retry delay. */
    retry_max: duration('1m'),
    /** Longest wait a `Retry-After` header can impose. */
    max_retry_after: duration('10m'),
    /** Events older than this are given up (counted as failed). */
    max_age: duration('24h'),
    /** On shutdown without a successor, how long to keep delivering the backlog. */
    flush_timeout: duration('5s'),
  },
  { additionalProperties: false, default: {} },
);

/** Options of the webhook plugin (`["webhook", {...}]`). */
export const WebhookOptionsSchema = Type.Object(
  {
    /** On-disk spool. */
    spool: SpoolOptionsSchema,
    /** Queues and retries. */
    delivery: DeliveryOptionsSchema,
  },
  { additionalProperties: false, default: {} },
);

/** A validated `hooks` entry. */
export type HookEndpointConfig = Type.Static<typeof HookEndpointSchema>;
/** The validated `hooks` section. */
export type HooksConfig = Type.Static<typeof HooksSchema>;
/** `authorization` values of a hook. */
export type HookAuthorization = Type.Static<typeof HookAuthorizationSchema>;
/** Validated plugin options. */
export type WebhookOptions = Type.Static<typeof WebhookOptionsSchema>;
/** Validated `spool` options. */
export type SpoolOptions = Type.Static<typeof SpoolOptionsSchema>;
/** Validated `delivery` options. */
export type DeliveryOptions = Type.Static<typeof DeliveryOptionsSchema>;
/** `fsync` policy. */
export type FsyncPolicy = Type.Static<typeof FsyncPolicySchema>;
