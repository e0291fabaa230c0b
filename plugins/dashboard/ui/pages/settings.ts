import { html } from 'htm/preact';
import { type ParseError, parse } from 'jsonc-parser';
import type { VNode } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJsonWithHeaders, normalizeProblems, sendJson, validationProblems } from '../api.js';
import type { ConfigProblem, ValidateResult } from '../api-types.js';
import { Card, ErrorBox, Loading } from '../components/common.js';
import { ConfigEditor, type ConfigEditorApi, type EditorProblem } from '../components/config-editor.js';
import { locateProblem } from '../config-paths.js';
import { type AppContext, isAdmin } from '../context.js';
import { Link, href } from '../router.js';

/** The admin config API (contracts section 4). */
const CONFIG_PATH = '/aperture/config';
const VALIDATE_PATH = '/aperture/config:validate';

/** A problem as listed under the editor, with where it points (if found). */
interface ListedProblem extends ConfigProblem {
  readonly severity: 'error' | 'warning';
  readonly from: number | undefined;
}

/** The outcome line above the editor. */
interface Status {
  readonly kind: 'success' | 'error' | 'info';
  readonly text: string;
}

/** Problems with their positions in `text`. */
function place(text: string, problems: readonly ConfigProblem[], severity: 'error' | 'warning'): ListedProblem[] {
  return problems.map((p) => ({ ...p, severity, from: p.path === '' ? undefined : locateProblem(text, p.path)?.from }));
}

/** The editor marks of listed problems (those with a position). */
function marks(text: string, problems: readonly ListedProblem[]): EditorProblem[] {
  const out: EditorProblem[] = [];
  for (const p of problems) {
    const range = p.path === '' ? undefined : locateProblem(text, p.path);
    if (range !== undefined) out.push({ from: range.from, to: range.to, severity: p.severity, message: `${p.path}: ${p.message}` });
  }
  return out;
}

/** A plain object, or an empty one. */
function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Read-only summary of the configuration: providers, hooks, grants, plugins. */
function Overview(props: { readonly text: string }): VNode {
  const errors: ParseError[] = [];
  const config = obj(parse(props.text, errors, { allowTrailingComma: true }));
  if (errors.length > 0) return html`<p class="alert alert-error" role="alert">The configuration has syntax errors: fix them in the <${Link} to=${href('settings/json-editor')}>JSON editor</${Link}>.</p>`;
  const providers = Object.entries(obj(config.providers));
  const hooks = Object.entries(obj(config.hooks));
  const grants = Array.isArray(config.grants) ? config.grants.length : 0;
  const plugins = Array.isArray(config.plugins) ? config.plugins.map((p: unknown) => (Array.isArray(p) ? String(p[0]) : String(p))) : null;
  return html`<div class="grid-2">
    <${Card} title="Providers">
      ${providers.length === 0 ? html`<p class="muted">None.</p>` : html`<ul class="plain">${providers.map(([name, p]) => html`<li><strong>${name}</strong> <span class="muted">${String(obj(p).baseurl ?? '')}</span> · ${Array.isArray(obj(p).models) ? (obj(p).models as unknown[]).length : 0} models</li>`)}</ul>`}
    </${Card}>
    <${Card} title="Hooks">
      ${hooks.length === 0 ? html`<p class="muted">None.</p>` : html`<ul class="plain">${hooks.map(([name, h]) => html`<li><strong>${name}</strong> <span class="muted">${String(obj(h).url ?? '')}</span></li>`)}</ul>`}
    </${Card}>
    <${Card} title="Access">
      <p>${grants} grant${grants === 1 ? '' : 's'}.</p>
      <p>Plugins: ${plugins === null ? 'the defaults' : plugins.join(', ') || 'none'}.</p>
    </${Card}>
  </div>`;
}

/**
 * Settings (admins only): an overview and the JSON editor of the gateway's HuJSON config.
 * Save sends the text with `If-Match`: a 412 means someone else saved in between (shown, nothing
 * overwritten), a 422 lists every problem with its path and marks it in the editor.
 */
export function SettingsPage(props: { readonly ctx: AppContext; readonly tab: 'overview' | 'json-editor' }): VNode {
  const [loaded, setLoaded] = useState<{ text: string; etag: string | null } | undefined>();
  const [loadError, setLoadError] = useState<ApiError | undefined>();
  const [draft, setDraft] = useState('');
  const [problems, setProblems] = useState<readonly ListedProblem[]>([]);
  const [status, setStatus] = useState<Status | undefined>();
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState<'save' | 'validate' | 'load' | undefined>();
  const editor = useRef<ConfigEditorApi | null>(null);
  const draftRef = useRef(draft);
  draftRef.current = draft;
  const dirty = loaded !== undefined && draft !== loaded.text;

  const load = useCallback(async (): Promise<void> => {
    setBusy('load');
    try {
      const { body, headers } = await getJsonWithHeaders<{ config: string }>(CONFIG_PATH);
      setLoaded({ text: body.config, etag: headers.get('etag') });
      setDraft(body.config);
      editor.current?.setText(body.config);
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err instanceof ApiError ? err : new ApiError(0, 'Unexpected error', String(err)));
    } finally {
      setBusy(undefined);
    }
  }, []);

  useEffect(() => {
    if (isAdmin(props.ctx.me)) void load();
  }, []);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const showProblems = (text: string, errors: readonly ConfigProblem[], warnings: readonly ConfigProblem[]): void => {
    const listed = [...place(text, errors, 'error'), ...place(text, warnings, 'warning')];
    setProblems(listed);
    editor.current?.setProblems(marks(text, listed));
  };

  const validate = async (): Promise<void> => {
    const text = draftRef.current;
    setBusy('validate');
    try {
      const { body } = await sendJson<ValidateResult>('POST', VALIDATE_PATH, { config: text });
      const { errors, warnings } = validationProblems(body);
      showProblems(text, errors, warnings);
      setStatus(body.valid && errors.length === 0
        ? { kind: 'success', text: `The configuration is valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : ''}. It is not saved yet.` }
        : { kind: 'error', text: `The configuration has ${errors.length} error${errors.length === 1 ? '' : 's'}.` });
    } catch (err) {
      setStatus({ kind: 'error', text: err instanceof ApiError ? `Could not validate: ${err.detail ?? err.title}` : String(err) });
    } finally {
      setBusy(undefined);
    }
  };

  const save = async (): Promise<void> => {
    if (loaded === undefined) return;
    const text = draftRef.current;
    setBusy('save');
    setStatus(undefined);
    try {
      const { body, headers } = await sendJson<{ config?: string; warnings?: unknown }>('PUT', CONFIG_PATH, { config: text }, loaded.etag === null ? {} : { 'if-match': loaded.etag });
      const saved = typeof body?.config === 'string' ? body.config : text;
      setLoaded({ text: saved, etag: headers.get('etag') ?? loaded.etag });
      setDraft(saved);
      if (saved !== text) editor.current?.setText(saved);
      setConflict(false);
      // The save is live despite warnings (a send_hooks name no hook has, say): list them.
      const warnings = normalizeProblems(body?.warnings);
      showProblems(saved, [], warnings);
      setStatus({
        kind: 'success',
        text: `Saved at ${new Date().toLocaleTimeString()}. The new configuration is live${warnings.length ? ` (with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}, listed below)` : ''}.`,
      });
    } catch (err) {
      if (!(err instanceof ApiError)) {
        setStatus({ kind: 'error', text: String(err) });
      } else if (err.status === 412) {
        setConflict(true);
        setStatus({ kind: 'error', text: 'Not saved: someone else saved the configuration after you opened it. Nothing was overwritten; your edits are still in the editor. Load the latest configuration to start again from it.' });
      } else if (err.status === 422) {
        showProblems(text, err.errors.length ? err.errors : [{ path: '', message: err.detail ?? err.title }], []);
        setStatus({ kind: 'error', text: `Not saved: the configuration has ${Math.max(1, err.errors.length)} error${err.errors.length === 1 ? '' : 's'}. The running configuration is unchanged.` });
      } else {
        setStatus({ kind: 'error', text: `Not saved: ${err.detail ?? err.title}${err.status ? ` (HTTP ${err.status})` : ''}` });
      }
    } finally {
      setBusy(undefined);
    }
  };

  const loadLatest = async (): Promise<void> => {
    if (dirty && !window.confirm('Discard your edits and load the configuration as it is now saved?')) return;
    await load();
    setConflict(false);
    showProblems(draftRef.current, [], []);
    setStatus({ kind: 'info', text: 'Loaded the latest saved configuration.' });
  };

  if (!isAdmin(props.ctx.me)) {
    return html`<div class="page"><h1>Settings</h1><p class="alert alert-info" role="note">Only admins can see and change the gateway's settings. You are signed in as ${props.ctx.me.login}.</p></div>`;
  }

  const tabs = html`<nav class="tabs" aria-label="Settings views">
    <${Link} to=${href('settings')} class="tab" current=${props.tab === 'overview'}>Overview</${Link}>
    <${Link} to=${href('settings/json-editor')} class="tab" current=${props.tab === 'json-editor'}>JSON editor</${Link}>
  </nav>`;

  return html`<div class="page">
    <div class="page-header"><div><h1>Settings</h1><p class="lede">The gateway's configuration (HuJSON: JSON with comments and trailing commas). Saving applies it at once.</p></div></div>
    ${tabs}
    ${loadError ? html`<${ErrorBox} error=${loadError} what="Could not load the configuration" />` : null}
    ${loaded === undefined ? (loadError ? null : html`<${Loading} />`) : props.tab === 'overview' ? html`<${Overview} text=${draft} />` : html`
      <${Card} title="JSON editor" actions=${html`
        ${dirty ? html`<span class="tag tag-dirty">Unsaved changes</span>` : null}
        <button type="button" class="button" onClick=${() => void validate()} disabled=${busy !== undefined}>${busy === 'validate' ? 'Validating…' : 'Validate'}</button>
        <button type="button" class="button button-primary" onClick=${() => void save()} disabled=${busy !== undefined}>${busy === 'save' ? 'Saving…' : 'Save'}</button>`}>
        <div class="status-line" role="status" aria-live="polite">
          ${status ? html`<p class=${`alert alert-${status.kind}`}>${status.text}</p>` : null}
        </div>
        ${conflict ? html`<p><button type="button" class="button" onClick=${() => void loadLatest()}>Load the latest configuration (discards your edits)</button></p>` : null}
        <${ConfigEditor} initial=${draft} onChange=${setDraft} onReady=${(api: ConfigEditorApi | null) => {
          editor.current = api;
          if (api !== null && problems.length > 0) api.setProblems(marks(api.text(), problems));
        }} />
        <p class="hint muted">Secrets are shown redacted; a redacted value saved unchanged keeps its stored value. <kbd>Ctrl</kbd>+<kbd>/</kbd> comments a line, <kbd>Ctrl</kbd>+<kbd>F</kbd> searches, <kbd>Tab</kbd> leaves the editor.</p>
        ${problems.length > 0 ? html`<div class="problems">
          <h3>Problems (${problems.length})</h3>
          <ul>${problems.map((p) => html`<li class=${`problem problem-${p.severity}`}>
            <span class=${`badge badge-${p.severity === 'error' ? 'block' : 'strip'}`}>${p.severity}</span>
            ${p.from !== undefined ? html`<button type="button" class="link" onClick=${() => editor.current?.reveal(p.from ?? 0)}><code>${p.path}</code></button>` : p.path ? html`<code>${p.path}</code>` : null}
            ${' '}<span>${p.message}</span>
          </li>`)}</ul>
        </div>` : null}
      </${Card}>`}
  </div>`;
}
