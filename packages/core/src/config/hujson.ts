import { type ParseError, parse, printParseErrorCode, visit } from 'jsonc-parser';
import { type ConfigIssue, pointerSegment } from './config-issue.js';
import { SECRET_KEY_MAPS } from './env-refs.js';

/** Result of {@link parseHujson}. */
export interface HujsonResult {
  /** The parsed value (`undefined` when the text had errors). */
  readonly value: unknown;
  /** Syntax errors and duplicate-key warnings. */
  readonly issues: ConfigIssue[];
}

/** Returns 1-based line and column of an offset. */
function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      last = i;
    }
  }
  return `${line}:${offset - last}`;
}

/**
 * Parses HuJSON/JSONC (JSON with comments and trailing commas). Syntax errors are `error`
 * issues with line:column; duplicate object keys are `warning` issues with their JSON path
 * (the last value wins, as in Aperture).
 */
export function parseHujson(text: string, source = 'config'): HujsonResult {
  const issues: ConfigIssue[] = [];
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  for (const e of errors) {
    issues.push({ severity: 'error', path: `${source}@${lineCol(text, e.offset)}`, message: `syntax error: ${printParseErrorCode(e.error)}` });
  }
  if (errors.length > 0) return { value: undefined, issues };
  const seen: Set<string>[] = [];
  visit(
    text,
    {
      onObjectBegin: () => {
        seen.push(new Set());
      },
      onObjectEnd: () => {
        seen.pop();
      },
      onObjectProperty: (property, _offset, _length, _line, _col, pathSupplier) => {
        const keys = seen[seen.length - 1];
        if (keys === undefined) return;
        if (keys.has(property)) {
          const parent = pathSupplier().map(pointerSegment).join('/');
          if (SECRET_KEY_MAPS.has(`/${parent}`)) {
            // The keys of this map are client keys: the message names the map, never the key.
            issues.push({ severity: 'warning', path: `${source}/${parent}`, message: 'a client key is listed twice (the last value wins)' });
          } else {
            const pointer = [...pathSupplier(), property].map(pointerSegment).join('/');
            issues.push({ severity: 'warning', path: `${source}/${pointer}`, message: `duplicate key "${property}" (the last value wins)` });
          }
        }
        keys.add(property);
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return { value, issues };
}
