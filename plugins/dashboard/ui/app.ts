import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ClientPage } from '../src/client-routes.js';
import { type AppContext, isAdmin } from './context.js';
import { LogsPage, RequestsPage } from './pages/logs.js';
import { ModelsPage } from './pages/models.js';
import { RequestPage } from './pages/request.js';
import { SessionPage } from './pages/session.js';
import { SettingsPage } from './pages/settings.js';
import { ToolUsePage } from './pages/tool-use.js';
import { UsagePage } from './pages/usage.js';
import { Link, href, useLocation } from './router.js';

/** Navigation entries, in order. */
const NAV: readonly { page: ClientPage; label: string; adminOnly?: boolean }[] = [
  { page: 'tool-use', label: 'Tool Use' },
  { page: 'logs', label: 'Logs' },
  { page: 'usage', label: 'Usage' },
  { page: 'models', label: 'Models' },
  { page: 'settings', label: 'Settings', adminOnly: true },
];

/** Page titles for the document title. */
const TITLES: Record<string, string> = { 'tool-use': 'Tool Use', logs: 'Logs', usage: 'Usage', models: 'Models', settings: 'Settings' };

/** A path segment decoded (as it is when it is not valid percent-encoding). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The page for a sub-path. */
function route(ctx: AppContext, path: string, query: URLSearchParams): VNode {
  const [page = '', a, b] = path.split('/').map(decodeSegment);
  switch (page) {
    case '':
    case 'tool-use':
      return html`<${ToolUsePage} ctx=${ctx} query=${query} />`;
    case 'logs':
      if (a === 'sessions' && b) return html`<${SessionPage} key=${b} ctx=${ctx} id=${b} />`;
      if (a === 'requests' && b) return html`<${RequestPage} key=${b} ctx=${ctx} id=${b} />`;
      if (a === 'requests') return html`<${RequestsPage} ctx=${ctx} query=${query} />`;
      return html`<${LogsPage} ctx=${ctx} query=${query} />`;
    case 'usage':
      return html`<${UsagePage} ctx=${ctx} query=${query} />`;
    case 'models':
      return html`<${ModelsPage} ctx=${ctx} />`;
    case 'settings':
      return html`<${SettingsPage} ctx=${ctx} tab=${a === 'json-editor' ? 'json-editor' : 'overview'} />`;
    default:
      return html`<div class="page"><h1>Not found</h1><p>There is no such page. <${Link} to=${href('tool-use')}>Go to Tool Use</${Link}>.</p></div>`;
  }
}

/** The whole app: header with navigation and who you are, then the current page. */
export function App(props: { readonly ctx: AppContext }): VNode {
  const { ctx } = props;
  const loc = useLocation();
  const current = (loc.path.split('/')[0] || 'tool-use') as ClientPage;
  document.title = `${TITLES[current] ?? 'Dashboard'} · tollgate`;
  const admin = isAdmin(ctx.me);
  return html`<div class="layout">
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <${Link} to=${href('tool-use')} class="brand">tollgate</${Link}>
      <nav class="nav" aria-label="Main">
        <ul>${NAV.filter((n) => !n.adminOnly || admin).map((n) => html`<li><${Link} to=${href(n.page)} class="nav-link" current=${current === n.page}>${n.label}</${Link}></li>`)}</ul>
      </nav>
      <div class="whoami" aria-label="Signed in as">
        <span class="whoami-name">${ctx.me.display_name || ctx.me.login}</span>
        ${ctx.me.display_name && ctx.me.display_name !== ctx.me.login ? html`<span class="muted whoami-login">${ctx.me.login}</span>` : null}
        <span class=${`role role-${ctx.me.role ?? 'none'}`}>${ctx.me.role ?? 'no role'}</span>
      </div>
    </header>
    ${admin ? null : html`<p class="scope-banner" role="note">You see your own traffic only (signed in as <strong>${ctx.me.login}</strong>).</p>`}
    <main id="main" tabindex="-1">${route(ctx, loc.path, loc.query)}</main>
  </div>`;
}
