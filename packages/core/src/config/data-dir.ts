import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variable naming the data directory. */
export const DATA_DIR_ENV = 'TOLLGATE_DATA_DIR';

/**
 * The data directory (hook spools, state), in order: an explicit value (`--data-dir`),
 * `TOLLGATE_DATA_DIR`, the config's `data_dir`, then `$XDG_STATE_HOME/tollgate`
 * (default `~/.local/state/tollgate`).
 */
export function resolveDataDir(explicit: string | undefined, configValue: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (explicit) return explicit;
  if (env[DATA_DIR_ENV]) return env[DATA_DIR_ENV] as string;
  if (configValue) return configValue;
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'tollgate');
}
