/**
 * Serves a directory of built browser assets below a mount point, independent of any web
 * framework (the dashboard plugin adapts it to Koa, tests to node:http).
 *
 * - Only files found under `root` when the assets are loaded can be answered: a request path is
 *   looked up in that table, so `..`, encoded slashes or symlinks cannot reach anything else.
 * - `index.html` answers the mount point itself and every client-side route; anything else that
 *   is not a file is a 404.
 * - Strong ETags (SHA-256 of the content, one per encoding) with `If-None-Match` -> 304; files
 *   under `immutablePrefix` (content-hashed names) are cached for a year, everything else
 *   revalidates.
 * - brotli and gzip variants of text files: `name.br` / `name.gz` made at build time are used
 *   as they are (and not served by their own names); missing ones are made at load, quickly.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
});

/** Options of {@link StaticAssets.load}. */
export interface StaticAssetsOptions {
  /** Directory of the built assets. */
  readonly root: string;
  /** URL path the directory is served at, with a trailing slash (`/ui/`). */
  readonly mount: string;
  /**
   * True for a sub-path (no leading slash, still percent-encoded: ids in it may hold encoded
   * slashes) that the browser app routes itself; answered with `index.html`.
   * @default only the empty sub-path
   */
  readonly clientRoute?: (subpath: string) => boolean;
  /** Headers added to every answer (security headers). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sub-paths starting with this hold content-hashed files, cached as immutable. @default 'assets/' */
  readonly immutablePrefix?: string;
}

/** The parts of a request the assets need. */
export interface AssetRequest {
  /** HTTP method. */
  readonly method: string;
  /** URL path as received (percent-encoded, no query). */
  readonly path: string;
  /** `If-None-Match` header, if any. */
  readonly ifNoneMatch?: string | undefined;
  /** `Accept-Encoding` header, if any. */
  readonly acceptEncoding?: string | undefined;
}

/** An answer: status, headers (lower-case names) and, except for HEAD/304, a body. */
export interface AssetResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Record<string, string>;
  /** Body bytes (absent for 304, 405 and HEAD). */
  readonly body?: Buffer;
}

/** One file held in memory. */
interface Asset {
  readonly type: string;
  readonly etag: string;
  readonly identity: Buffer;
  readonly gzip?: Buffer;
  readonly br?: Buffer;
  readonly immutable: boolean;
}

/** Suffixes of precompressed siblings. */
const VARIANTS = { br: '.br', gzip: '.gz' } as const;

/** Smallest file worth compressing. */
const COMPRESS_MIN_BYTES = 1024;

const INDEX = 'index.html';

/** Framework-independent static file server for the dashboard's built assets. */
export class StaticAssets {
  readonly #files: ReadonlyMap<string, Asset>;
  readonly #options: StaticAssetsOptions;

  private constructor(files: ReadonlyMap<string, Asset>, options: StaticAssetsOptions) {
    this.#files = files;
    this.#options = options;
  }

  /** Reads every file under `options.root` into memory (with compressed variants). */
  static async load(options: StaticAssetsOptions): Promise<StaticAssets> {
    if (!options.mount.startsWith('/') || !options.mount.endsWith('/')) throw new TypeError(`mount must start and end with "/" (got ${JSON.stringify(options.mount)})`);
    const immutablePrefix = options.immutablePrefix ?? 'assets/';
    const files = new Map<string, Asset>();
    const paths = new Set(await listFiles(options.root));
    const isVariant = (path: string): boolean => Object.values(VARIANTS).some((suffix) => path.endsWith(suffix) && paths.has(path.slice(0, -suffix.length)));
    for (const path of paths) {
      if (isVariant(path)) continue;
      const key = relative(options.root, path).split(sep).join('/');
      const body = await readFile(path);
      const type = CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';
      const compressible = body.length >= COMPRESS_MIN_BYTES && /^(text\/|application\/json|image\/svg)/.test(type);
      const variant = async (suffix: string, make: () => Buffer): Promise<Buffer> => (paths.has(path + suffix) ? readFile(path + suffix) : make());
      files.set(key, {
        type,
        etag: createHash('sha256').update(body).digest('base64url').slice(0, 32),
        identity: body,
        ...(compressible
          ? {
              gzip: await variant(VARIANTS.gzip, () => gzipSync(body, { level: 6 })),
              br: await variant(VARIANTS.br, () => brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } })),
            }
          : {}),
        immutable: key.startsWith(immutablePrefix),
      });
    }
    if (!files.has(INDEX)) throw new Error(`no ${INDEX} in ${options.root}: the dashboard's assets are not built (run \`npm run build\`)`);
    return new StaticAssets(files, options);
  }

  /** The sub-paths of the files served (`index.html`, `assets/app-XXXX.js`, ...). */
  get files(): string[] {
    return [...this.#files.keys()].sort();
  }

  /** Answers one request. */
  respond(request: AssetRequest): AssetResponse {
    const { mount } = this.#options;
    const base = { ...this.#options.headers };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, headers: { ...base, allow: 'GET, HEAD' } };
    }
    if (request.path === mount.slice(0, -1)) {
      return { status: 308, headers: { ...base, location: mount, 'cache-control': 'no-cache' } };
    }
    if (!request.path.startsWith(mount)) return notFound(base, request.method);
    const raw = request.path.slice(mount.length);
    const subpath = decodeSubpath(raw);
    const clientRoute = this.#options.clientRoute ?? ((p: string) => p === '');
    // A file only by its exact, plain decoded path; the app's own routes always get index.html.
    const key = subpath !== undefined && subpath !== '' && this.#files.has(subpath) ? subpath : clientRoute(raw) ? INDEX : undefined;
    const asset = key === undefined ? undefined : this.#files.get(key);
    if (asset === undefined) return notFound(base, request.method);

    const encoding = pickEncoding(request.acceptEncoding, asset);
    // One strong ETag per representation (RFC 9110 8.8.3: encodings differ in bytes).
    const etag = `"${asset.etag}${encoding === 'identity' ? '' : `-${encoding}`}"`;
    const headers: Record<string, string> = {
      ...base,
      'content-type': asset.type,
      etag,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (asset.gzip !== undefined) headers.vary = 'Accept-Encoding';
    if (request.ifNoneMatch !== undefined && etagMatches(request.ifNoneMatch, etag)) return { status: 304, headers };

    const body = encoding === 'br' ? asset.br! : encoding === 'gzip' ? asset.gzip! : asset.identity;
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    headers['content-length'] = String(body.length);
    return request.method === 'HEAD' ? { status: 200, headers } : { status: 200, headers, body };
  }

  /**
   * Answers a node:http request when its path is below the mount point (or the mount point
   * without its slash); returns false, writing nothing, otherwise.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const { mount } = this.#options;
    if (path !== mount.slice(0, -1) && !path.startsWith(mount)) return false;
    const answer = this.respond({ method: req.method ?? 'GET', path, ifNoneMatch: req.headers['if-none-match'], acceptEncoding: req.headers['accept-encoding'] });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return true;
  }
}

/** Every regular file below `dir`, recursively. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Decodes a percent-encoded sub-path segment by segment. `undefined` for anything that is not a
 * plain relative path: malformed escapes, `.`/`..` or empty segments, encoded slashes or
 * backslashes, NUL.
 */
function decodeSubpath(raw: string): string | undefined {
  if (raw === '') return '';
  const segments: string[] = [];
  const parts = raw.split('/');
  for (const [i, part] of parts.entries()) {
    // A trailing slash (`logs/`) is allowed; empty segments elsewhere are not.
    if (part === '' && i === parts.length - 1) break;
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments.join('/');
}

/** `If-None-Match` comparison (weak, as RFC 9110 requires for it): a list of tags or `*`. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** The best encoding the client accepts (`br`, then `gzip`), honouring `q=0`. */
function pickEncoding(header: string | undefined, asset: Asset): 'br' | 'gzip' | 'identity' {
  if (header === undefined || asset.gzip === undefined) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name.trim(), q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  const ok = (name: string): boolean => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

/** A plain-text 404 carrying the base headers. */
function notFound(base: Record<string, string>, method: string): AssetResponse {
  const body = Buffer.from('Not Found\n');
  const headers = { ...base, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'content-length': String(body.length) };
  return method === 'HEAD' ? { status: 404, headers } : { status: 404, headers, body };
}
