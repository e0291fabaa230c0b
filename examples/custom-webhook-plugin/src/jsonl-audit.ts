/**
 * A tollgate plugin that appends every delivery of a hook whose URL is `jsonl:<path>` to a JSONL
 * file, one JSON object per line, with rotation. It is a transport for the webhook plugin: the
 * webhook plugin still decides what is sent and when (the hook's `send_hooks` wiring, its queue,
 * retries and crash-safe spool), and this plugin writes instead of POSTing.
 */
import { isAbsolute, resolve } from 'node:path';
import { type PluginDefinition, byteSize, byteSizeValue, definePlugin } from '@tollgate/core';
import { type TransportDelivery, type WebhookTransport, getWebhookHooks } from '@tollgate/plugin-webhook';
import { Type } from 'typebox';
import { type RotationOptions, RotatingJsonlFile } from './rotating-jsonl-file.js';

/** The plugin's name. */
export const PLUGIN_NAME = 'jsonl-audit';

/** The URL scheme this plugin carries. */
export const JSONL_PROTOCOL = 'jsonl:';

/** Options: `["./dist/jsonl-audit.js", { "max_bytes": "10mb", "keep": 5, "daily": true }]`. */
export const JsonlAuditOptionsSchema = Type.Object(
  {
    /**
     * Rotate before the file would grow beyond this (`"10mb"`, `"512kb"`, or bytes).
     * @default "10mb"
     */
    max_bytes: byteSize('10mb'),
    /**
     * Rotated files kept; older ones are deleted. `0` keeps none.
     * @default 5
     */
    keep: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
    /**
     * Also rotate when the UTC date changes.
     * @default false
     */
    daily: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** Validated options. */
export type JsonlAuditOptions = Type.Static<typeof JsonlAuditOptionsSchema>;

/**
 * The file a `jsonl:` URL names: `jsonl:audit/x.jsonl` (or `jsonl://audit/x.jsonl`) is relative
 * to the gateway's data directory, `jsonl:///var/log/x.jsonl` is absolute.
 */
export function jsonlPath(url: URL, dataDir: string): string {
  const path = decodeURIComponent(`${url.host}${url.pathname}`);
  return isAbsolute(path) ? path : resolve(dataDir, path);
}

/** One audit line: when, which delivery (its id is stable across retries), and the payload as the hook would have received it. */
export function auditLine(delivery: TransportDelivery, now: Date = new Date()): string {
  const head = JSON.stringify({ ts: now.toISOString(), id: delivery.id, hook: delivery.hook.name, event: delivery.event, attempt: delivery.attempt });
  return `${head.slice(0, -1)},"payload":${delivery.body.toString('utf8')}}\n`;
}

/** Files shared by every plugin instance of this process (a config reload makes a new instance while the old one drains). */
const openFiles = new Map<string, { file: RotatingJsonlFile; users: number }>();

function acquire(path: string, options: RotationOptions): RotatingJsonlFile {
  const entry = openFiles.get(path);
  if (entry !== undefined) {
    entry.users++;
    entry.file.configure(options);
    return entry.file;
  }
  const file = new RotatingJsonlFile(path, options);
  openFiles.set(path, { file, users: 1 });
  return file;
}

async function release(path: string): Promise<void> {
  const entry = openFiles.get(path);
  if (entry === undefined || --entry.users > 0) return;
  openFiles.delete(path);
  await entry.file.close();
}

/** The definition tollgate loads. */
export const jsonlAuditPlugin: PluginDefinition<JsonlAuditOptions> = definePlugin<JsonlAuditOptions>({
  name: PLUGIN_NAME,
  options: JsonlAuditOptionsSchema,
  core: '^0.1.0',
  dependencies: ['webhook'],
  create: (options) => {
    const rotation: RotationOptions = { maxBytes: byteSizeValue(options.max_bytes), keep: options.keep, daily: options.daily };
    return {
      name: PLUGIN_NAME,
      apply(host) {
        getWebhookHooks(host).transport.tap(PLUGIN_NAME, ({ url }): WebhookTransport | undefined => {
          if (url?.protocol !== JSONL_PROTOCOL) return undefined;
          const path = jsonlPath(url, host.dataDir);
          const file = acquire(path, rotation);
          return {
            async send(delivery) {
              await file.append(auditLine(delivery));
              // As a pre_request hook it records the request and lets it through.
              return delivery.event === 'pre_request' ? { status: 200, reply: { action: 'allow' } } : { status: 200 };
            },
            close: () => release(path),
          };
        });
      },
    };
  },
});

export default jsonlAuditPlugin;
