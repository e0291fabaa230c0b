import { loadConfigFile, resolveDataDir } from '@tollgate/core';

/**
 * The data directory a command works on, resolved as `tollgate start` resolves it: `--data-dir`,
 * then `$TOLLGATE_DATA_DIR`, then the `data_dir` of `--config` (an `env:` value is read from the
 * environment), then `$XDG_STATE_HOME/tollgate` or `~/.local/state/tollgate`.
 */
export async function dataDirOf(dataDir: string | undefined, config: string | undefined): Promise<string> {
  let configured: string | undefined;
  if (config !== undefined) {
    const raw = (await loadConfigFile(config)).raw as Record<string, unknown>;
    const value = raw.data_dir;
    if (typeof value === 'string') configured = value.startsWith('env:') ? process.env[value.slice(4)] : value;
  }
  return resolveDataDir(dataDir, configured, process.env);
}
