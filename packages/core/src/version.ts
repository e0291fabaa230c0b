import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Version of `@tollgate/core`, from its package.json. */
export const CORE_VERSION: string = (require('../package.json') as { version: string }).version;
