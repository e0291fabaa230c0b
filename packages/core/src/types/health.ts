/** One component's health, as a `checkHealth` tap reported it. */
export interface ComponentHealth {
  /** Component name, snake_case (`capture_store`, `quota_store`). */
  readonly component: string;
  /** True when the component works (its store answered a ping). */
  readonly up: boolean;
  /** Why it is down (`connection refused`); never a secret such as a connection string. */
  readonly reason?: string;
}

/** What `checkHealth` taps report into. */
export interface HealthReport {
  /** Reports one component; a component reported twice keeps the last report. */
  set(component: string, up: boolean, reason?: string): void;
}

/** The hook {@link collectHealth} calls (a subset of `TollgateHooks`). */
interface HealthHooks {
  readonly checkHealth: { isUsed(): boolean; promise(report: HealthReport): Promise<void> };
}

/**
 * Asks every `checkHealth` tap for its components, in parallel, and returns them sorted by name
 * (`GET /readyz` reports the first down; the metrics plugin exports each as a gauge). A tap that
 * fails is logged by core and reports nothing.
 */
export async function collectHealth(hooks: HealthHooks): Promise<ComponentHealth[]> {
  if (!hooks.checkHealth.isUsed()) return [];
  const found = new Map<string, ComponentHealth>();
  await hooks.checkHealth.promise({
    set(component, up, reason) {
      found.set(component, { component, up, ...(up || reason === undefined ? {} : { reason }) });
    },
  });
  return [...found.values()].sort((a, b) => a.component.localeCompare(b.component));
}
