import { readFile } from 'node:fs/promises';
import { TollgateError, errorMessage } from '../errors.js';
import { type ConfigIssue, ConfigError, hasErrors } from './config-issue.js';
import { parseHujson } from './hujson.js';

/** A config file read and parsed. */
export interface LoadedConfigFile {
  /** The parsed object. */
  readonly raw: unknown;
  /** Parse warnings (duplicate keys). */
  readonly warnings: readonly ConfigIssue[];
}

/** Reads and parses a HuJSON config file; throws `TG_ERR_CONFIG_READ` or a {@link ConfigError} with every syntax error. */
export async function loadConfigFile(path: string): Promise<LoadedConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new TollgateError('TG_ERR_CONFIG_READ', `cannot read config file ${path}: ${errorMessage(cause)}`, { cause });
  }
  const { value, issues } = parseHujson(text, 'config');
  if (hasErrors(issues)) throw new ConfigError(issues);
  return { raw: value, warnings: issues };
}
