import { type RawBuilder, sql } from '@tollgate/store';

const PLACEHOLDER = /:([a-z_]+)/g;

/**
 * A statement written with `:name` placeholders (the portable texts of `atomic-charge.ts`) as a
 * Kysely query with each placeholder bound as a parameter, so the same text runs on SQLite (`?`)
 * and PostgreSQL (`$n`). Throws when a placeholder has no value.
 */
export function namedSql<R>(text: string, params: Readonly<Record<string, unknown>>): RawBuilder<R> {
  const parts: Array<RawBuilder<unknown>> = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    if (!Object.hasOwn(params, name)) throw new RangeError(`no value for :${name}`);
    parts.push(sql.raw(text.slice(last, match.index)), sql.val(params[name]));
    last = match.index + match[0].length;
  }
  parts.push(sql.raw(text.slice(last)));
  return sql.join(parts, sql.raw('')) as RawBuilder<R>;
}
