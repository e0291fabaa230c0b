/** `GET /api/dashboard`: what the browser app needs to know about this gateway beyond the read API. */
export interface DashboardSettings {
  /** Oso, for the Tool Use page's "View Tool Use in Oso" button. */
  readonly oso: OsoLink;
}

/** Whether tool use is sent to Oso, and where Oso's dashboard is. */
export interface OsoLink {
  /** True when a hook (or the Oso plugin's short form) sends tool use to Oso. */
  readonly configured: boolean;
  /** Name of that hook (`oso`), `null` when none. */
  readonly hook: string | null;
  /** Oso's dashboard (`https://ui.osohq.com/` unless configured otherwise). */
  readonly dashboard_url: string;
}
