import type { WhoAmI } from './api-types.js';

/** What every page knows: who is looking. */
export interface AppContext {
  /** The caller (`/api/whoami`). */
  readonly me: WhoAmI;
}

/** True for admins (they see everyone's traffic and Settings). */
export function isAdmin(me: WhoAmI): boolean {
  return me.role === 'admin';
}

/** Where "View Tool Use in Oso" goes when the gateway does not say. */
export const DEFAULT_OSO_DASHBOARD_URL = 'https://ui.osohq.com/';

/** The Oso dashboard URL, only when it is an http(s) URL (it becomes a link's `href`). */
export function safeExternalUrl(url: string | undefined): string {
  return url !== undefined && /^https?:\/\/[^\s]+$/i.test(url) ? url : DEFAULT_OSO_DASHBOARD_URL;
}
