import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The dashboard's mount point. */
export const BASE = '/ui/';

/** Where the app is: the path below {@link BASE} and the query. */
export interface Location {
  /** Sub-path without leading or trailing slash (`logs/sessions/abc`). */
  readonly path: string;
  /** Query parameters. */
  readonly query: URLSearchParams;
}

const listeners = new Set<() => void>();

/** The current location. */
export function currentLocation(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '';
  return { path: path.replace(/\/+$/, ''), query: new URLSearchParams(window.location.search) };
}

/** Goes to an app URL (`/ui/...`) without reloading the page. */
export function navigate(href: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const l of listeners) l();
  if (!replace) window.scrollTo(0, 0);
}

/** Re-renders on every navigation; returns the current location. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(currentLocation);
  useEffect(() => {
    const update = (): void => setLoc(currentLocation());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

/** An app URL: `href('logs/sessions', id)` -> `/ui/logs/sessions/<id encoded>`. */
export function href(...segments: string[]): string {
  return BASE + segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

/** Replaces the query of the current page (filters), keeping the path. */
export function setQuery(query: URLSearchParams): void {
  const qs = query.toString();
  navigate(`${window.location.pathname}${qs === '' ? '' : `?${qs}`}`);
}

/** Props of {@link Link}. */
export interface LinkProps {
  readonly to: string;
  readonly class?: string;
  readonly current?: boolean;
  readonly children?: ComponentChildren;
}

/** An in-app link: a real `<a href>` (opens in a new tab too) that navigates without reloading. */
export function Link(props: LinkProps): VNode {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return html`<a href=${props.to} class=${props.class} aria-current=${props.current ? 'page' : undefined} onClick=${onClick}>${props.children}</a>`;
}
