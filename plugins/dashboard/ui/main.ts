/**
 * The dashboard's entry point: learns who is looking (`/api/whoami`), then renders the app. Bundled by esbuild into
 * `dist/ui/assets/app-<hash>.js`; no code or style is loaded from anywhere but the gateway.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { html, render } from 'htm/preact';
import { ApiError, getJson } from './api.js';
import type { WhoAmI } from './api-types.js';
import { App } from './app.js';

/** A full-page message when the app cannot start. */
function fatal(root: HTMLElement, title: string, detail: string): void {
  render(html`<main class="page fatal"><h1>${title}</h1><p>${detail}</p></main>`, root);
}

/** Starts the app in `#app`. */
async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) return;
  let me: WhoAmI;
  try {
    me = await getJson<WhoAmI>('/api/whoami');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      fatal(root, 'Who are you?', 'The gateway could not tell who you are, so it shows nothing. Open the dashboard the way you call the gateway (on your tailnet, or from this machine), or ask an admin for access.');
    } else {
      fatal(root, 'The dashboard could not start', err instanceof ApiError ? `${err.title}${err.detail ? `: ${err.detail}` : ''}` : String(err));
    }
    return;
  }
  root.replaceChildren();
  render(html`<${App} ctx=${{ me }} />`, root);
}

void start();
