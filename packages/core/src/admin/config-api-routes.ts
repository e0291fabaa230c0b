import { type ConfigIssue, ConfigError, formatIssue } from '../config/config-issue.js';
import type { RouteContext, RouteDefinition } from '../http/route-definition.js';
import { refuse } from '../pipeline/denial-error.js';
import { NO_ACCESS } from '../types/capabilities.js';
import type { Identity } from '../types/identity.js';
import { type ConfigControl, ConfigConflict, ConfigNotWritable } from './config-control.js';
import { CONFIG_OPENAPI } from './config-openapi.js';
import type { ConfigSecrets } from './config-secrets.js';

/** An issue as the admin API answers it. */
interface IssueJson {
  readonly path: string;
  readonly message: string;
}

function issueJson(issue: ConfigIssue): IssueJson {
  return { path: issue.path, message: issue.message };
}

/** The `config` string of a request body; 400 otherwise. */
async function configText(ctx: RouteContext): Promise<{ text: string; body: Record<string, unknown> }> {
  const body = await ctx.state.readJson();
  if (typeof body.config !== 'string') throw refuse({ status: 400, kind: 'invalid_request', message: 'the body must be a JSON object with the configuration text in "config" (a string)', code: 'invalid_body' });
  return { text: body.config, body };
}

/** A quoted entity tag, and the tag inside an `If-Match` value (quoted or not, `W/` tolerated). */
const quoted = (etag: string): string => `"${etag}"`;
const unquoted = (value: string): string => value.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

/**
 * The admin config API, as Aperture's current generation serves it, and its earlier form:
 * - `GET /aperture/config` → `{config}` (HuJSON text, literal secrets shown as placeholders) + `ETag`;
 * - `PUT /aperture/config` `{config}` with `If-Match` → the same and the save's `warnings`
 *   (`[{path, message}]`), saved and live, with the new `ETag`;
 *   412 when the stored configuration changed since it was read, 422 with every problem (`errors`),
 *   428 without `If-Match`;
 * - `POST /aperture/config:validate` `{config}` → `{valid, errors: [text], issues: [{severity, path, message}]}`;
 * - `GET /api/config` → `{config, exists, hash}`; `PUT /api/config` `{config, hash}` → `{config, hash}`;
 * - `GET /aperture/openapi.json`: the OpenAPI document of these routes.
 * Only `role: admin` (grants) may use them; writes are refused from other origins; a save that
 * would leave the caller without `role: admin` is refused.
 */
export function configApiRoutes(control: ConfigControl, secrets: ConfigSecrets): RouteDefinition[] {
  const shown = async (): Promise<{ text: string; exists: boolean; etag: string; stored: string }> => {
    const doc = await control.read();
    return { text: secrets.redact(doc.text, control.secrets()), exists: doc.exists, etag: doc.etag, stored: doc.text };
  };

  /** The submitted text with its placeholders replaced by the stored secrets, and the placeholders that stand for none. */
  const restore = async (text: string): Promise<{ text: string; errors: IssueJson[] }> => {
    const doc = await control.read();
    const { text: out, unknown } = secrets.restore(text, doc.text, control.secrets());
    return { text: out, errors: unknown.map((u) => ({ path: `config${u.pointer}`, message: 'this redacted value stands for no stored secret: type the secret (or an env: reference) instead' })) };
  };
  const invalid = (errors: readonly IssueJson[]) => refuse({ status: 422, kind: 'invalid_request', message: `the configuration is invalid: ${errors.length} problem(s)`, code: 'config_invalid', details: { errors } });

  /** Saves; maps the control's failures to the API's answers. */
  const save = async (ctx: RouteContext, text: string, ifMatch: string): Promise<{ etag: string; text: string; warnings: IssueJson[] }> => {
    const caller = ctx.state.identity as Identity;
    const { text: full, errors: unknown } = await restore(text);
    if (unknown.length > 0) throw invalid(unknown);
    let warnings: readonly ConfigIssue[];
    try {
      ({ warnings } = await control.save(full, ifMatch, async (hooks) => {
        const access = hooks.access.isUsed() ? await hooks.access.promise(NO_ACCESS, { identity: caller }) : NO_ACCESS;
        if (access.role !== 'admin') {
          throw refuse({
            status: 422,
            kind: 'invalid_request',
            code: 'admin_lockout',
            message: `this configuration would leave you (${caller.login}) without role "admin", and nobody could change it here again: keep a grant with "role": "admin" whose "src" matches you`,
            details: { errors: [{ path: 'config/grants', message: `no grant gives ${caller.login} role "admin"` }] },
          });
        }
      }));
    } catch (err) {
      if (err instanceof ConfigConflict) throw refuse({ status: 412, kind: 'invalid_request', message: err.message, code: 'config_changed', headers: { etag: quoted(err.etag) } });
      if (err instanceof ConfigNotWritable) throw refuse({ status: 409, kind: 'invalid_request', message: err.message, code: 'config_not_writable' });
      if (err instanceof ConfigError) throw invalid(err.issues.filter((i) => i.severity === 'error').map(issueJson));
      throw err;
    }
    const now = await shown();
    ctx.state.accessLog.saved = true;
    return { etag: now.etag, text: now.text, warnings: warnings.map(issueJson) };
  };

  return [
    {
      method: 'GET',
      path: '/aperture/config',
      access: 'admin',
      handler: async (ctx) => {
        const doc = await shown();
        ctx.set('etag', quoted(doc.etag));
        ctx.set('cache-control', 'no-store');
        ctx.body = { config: doc.text };
      },
    },
    {
      method: 'PUT',
      path: '/aperture/config',
      access: 'admin',
      handler: async (ctx) => {
        const ifMatch = ctx.get('if-match');
        if (ifMatch === '') throw refuse({ status: 428, kind: 'invalid_request', message: 'send If-Match with the ETag of the configuration you edited (GET /aperture/config)', code: 'if_match_required' });
        const { text } = await configText(ctx);
        const saved = await save(ctx, text, unquoted(ifMatch));
        ctx.set('etag', quoted(saved.etag));
        ctx.set('cache-control', 'no-store');
        ctx.body = { config: saved.text, warnings: saved.warnings };
      },
    },
    {
      method: 'POST',
      path: '/aperture/config\\:validate',
      access: 'admin',
      handler: async (ctx) => {
        const { text } = await configText(ctx);
        const { text: full, errors: unknown } = await restore(text);
        const check = unknown.length > 0 ? { errors: unknown.map((e): ConfigIssue => ({ severity: 'error', ...e })), warnings: [] } : await control.check(full);
        const issues = [...check.errors, ...check.warnings];
        ctx.body = { valid: check.errors.length === 0, errors: check.errors.map(formatIssue), issues: issues.map((i) => ({ severity: i.severity, ...issueJson(i) })) };
      },
    },
    {
      method: 'GET',
      path: '/api/config',
      access: 'admin',
      handler: async (ctx) => {
        const doc = await shown();
        ctx.set('cache-control', 'no-store');
        ctx.body = { config: doc.text, exists: doc.exists, hash: doc.etag };
      },
    },
    {
      method: 'PUT',
      path: '/api/config',
      access: 'admin',
      handler: async (ctx) => {
        const { text, body } = await configText(ctx);
        if (typeof body.hash !== 'string' || body.hash === '') throw refuse({ status: 428, kind: 'invalid_request', message: 'send the "hash" of the configuration you edited (GET /api/config)', code: 'hash_required' });
        const saved = await save(ctx, text, body.hash);
        ctx.set('cache-control', 'no-store');
        ctx.body = { config: saved.text, exists: true, hash: saved.etag, warnings: saved.warnings };
      },
    },
    {
      method: 'GET',
      path: '/aperture/openapi.json',
      access: 'identified',
      handler: (ctx) => {
        ctx.body = CONFIG_OPENAPI;
      },
    },
  ];
}
