import { Type } from 'typebox';

/** Where the "View Tool Use in Oso" button leads when no other URL is configured. */
export const DEFAULT_OSO_DASHBOARD_URL = 'https://ui.osohq.com/';

/** Options of the dashboard plugin (`["dashboard", {...}]`). */
export const DashboardOptionsSchema = Type.Object(
  {
    /** The Oso dashboard the Tool Use page's "View Tool Use in Oso" button opens. */
    oso_dashboard_url: Type.String({ pattern: '^https?://[^\\s]+$', default: DEFAULT_OSO_DASHBOARD_URL }),
  },
  { additionalProperties: false, default: {} },
);

/** Validated dashboard options. */
export type DashboardOptions = Type.Static<typeof DashboardOptionsSchema>;
