/**
 * The dashboard's pages, shared by the server (which answers them with `index.html`) and the
 * browser app (which renders them). A path below the mount point is a page when its first
 * segment is one of these names.
 */
export const CLIENT_PAGES = ['tool-use', 'logs', 'usage', 'models', 'settings'] as const;

/** One of {@link CLIENT_PAGES}. */
export type ClientPage = (typeof CLIENT_PAGES)[number];

/** Where the dashboard is served. */
export const DASHBOARD_MOUNT = '/ui/';

/**
 * True when `subpath` (the part after the mount point, without a leading slash, as received)
 * is a page of the browser app: empty (the start page) or one of {@link CLIENT_PAGES}, as it is
 * or followed by `/` and anything (`logs/sessions/a%2Fb`: the app decodes ids itself).
 */
export function isClientRoute(subpath: string): boolean {
  if (subpath === '') return true;
  const first = subpath.split('/', 1)[0] ?? '';
  return (CLIENT_PAGES as readonly string[]).includes(first);
}
