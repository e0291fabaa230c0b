/**
 * @tollgate/plugin-dashboard: the tollgate dashboard at `/ui/` (Tool Use, Logs, Usage, Models,
 * Settings with a JSON editor), built into this package so the gateway serves it offline.
 */
import { dashboardPlugin } from './plugin.js';

export default dashboardPlugin;
export { dashboardPlugin as plugin, DashboardPlugin, PLUGIN_NAME, DASHBOARD_SETTINGS_PATH, DEFAULT_ASSETS_DIR, type DashboardPluginDeps } from './plugin.js';
export { DashboardOptionsSchema, DEFAULT_OSO_DASHBOARD_URL, type DashboardOptions } from './schema.js';
export { StaticAssets, CONTENT_TYPES, type StaticAssetsOptions, type AssetRequest, type AssetResponse } from './static-assets.js';
export { DASHBOARD_CSP, DASHBOARD_SECURITY_HEADERS } from './security-headers.js';
export { CLIENT_PAGES, DASHBOARD_MOUNT, isClientRoute, type ClientPage } from './client-routes.js';
export { osoHookName } from './oso-link.js';
export * from './types.js';
