import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Version of `@tollgate/cli`. */
export const CLI_VERSION: string = (require('../package.json') as { version: string }).version;

/** Directory plugin packages are also resolved from: the CLI's own install, so first-party plugins are found. */
export const CLI_DIR: string = dirname(fileURLToPath(import.meta.url));
