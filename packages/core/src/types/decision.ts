/**
 * One policy decision a plugin made during an exchange (a grant check, an Oso check, a
 * guardrail verdict). Recorded on the request context and carried by the exchange so that
 * observers, logs and telemetry can show who decided what, and how long it took.
 */
export interface Decision {
  /** The plugin that decided. */
  readonly plugin: string;
  /** What was decided about: `request`, `model`, `tool:<name>`, `tools`… */
  readonly subject: string;
  /** The verdict. */
  readonly allowed: boolean;
  /** Why, in a few words (`role user`, `denied by policy`, `cache hit`). */
  readonly reason?: string;
  /** How long the decision took, in milliseconds. */
  readonly durationMs?: number;
  /** Extra facts (never secrets). */
  readonly data?: Readonly<Record<string, unknown>>;
}
