import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DASHBOARD_SECURITY_HEADERS, StaticAssets, isClientRoute } from '@tollgate/plugin-dashboard';

/** One raw HTTP exchange; the path is sent exactly as given (no client-side normalization). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('StaticAssets (served over node:http)', () => {
  const SECRET = 'TOP-SECRET-OUTSIDE-THE-ASSETS';
  const APP_JS = `console.log(${JSON.stringify('x'.repeat(5000))});\n`;
  let dir: string;
  let server: Server;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-assets-'));
    const root = join(dir, 'ui');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/ui/assets/app-ABC.js"></script>');
    writeFileSync(join(root, 'assets', 'app-ABC.js'), APP_JS);
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // A precompressed sibling made at build time (its content marks it as the one served).
    writeFileSync(join(root, 'assets', 'style-XYZ.css'), `body{color:red}${' '.repeat(2000)}`);
    writeFileSync(join(root, 'assets', 'style-XYZ.css.br'), brotliCompressSync('/* from the build */'));
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    const assets = await StaticAssets.load({ root, mount: '/ui/', clientRoute: isClientRoute, headers: DASHBOARD_SECURITY_HEADERS });
    server = createServer((req, res) => {
      if (!assets.serve(req, res)) {
        res.writeHead(418);
        res.end('not mine');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /ui/ with index.html, the CSP and nosniff', async () => {
    const res = await get(port, '/ui/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(res.body.toString(), /<title>t<\/title>/);
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('redirects /ui to /ui/', async () => {
    const res = await get(port, '/ui');
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, '/ui/');
  });

  it('answers the app\'s own routes with index.html and anything else with 404', async () => {
    for (const path of ['/ui/tool-use', '/ui/logs/sessions/abc.def', '/ui/logs/sessions/a%2F..%2Fb%3Cscript%3E', '/ui/settings/json-editor', '/ui/logs/']) {
      const res = await get(port, path);
      assert.equal(res.status, 200, path);
      assert.match(res.body.toString(), /<title>t<\/title>/, path);
    }
    for (const path of ['/ui/nope', '/ui/assets/missing.js', '/ui/index.htm', '/ui//tool-use', '/ui/tool-use%2F..%2Fsecret.txt', '/ui/%74ool-use']) {
      const res = await get(port, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.ok(String(res.headers['content-security-policy']).includes("script-src 'self'"), path);
    }
    assert.equal((await get(port, '/api/whoami')).status, 418, 'paths outside the mount are not answered');
  });

  it('serves files with their content type', async () => {
    const js = await get(port, '/ui/assets/app-ABC.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.body.toString(), APP_JS);
    const svg = await get(port, '/ui/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
  });

  it('never answers anything outside the asset directory', async () => {
    const attempts = [
      '/ui/../secret.txt',
      '/ui/assets/../../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/ui/..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/%2e%2e%5csecret.txt',
      '/ui/link.txt',
      '/ui/assets/app-ABC.js%00.html',
      '/ui/%E0%A4%A',
    ];
    for (const path of attempts) {
      const res = await get(port, path);
      assert.ok(!res.body.toString().includes(SECRET), `${path} leaked the file`);
      assert.equal(res.status, 404, path);
    }
  });

  it('answers 304 to a matching If-None-Match, and caches hashed assets for good', async () => {
    const first = await get(port, '/ui/assets/app-ABC.js');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable');
    const again = await get(port, '/ui/assets/app-ABC.js', { 'if-none-match': `"other", ${etag}` });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const weak = await get(port, '/ui/assets/app-ABC.js', { 'if-none-match': `W/${etag}` });
    assert.equal(weak.status, 304);
    const stale = await get(port, '/ui/assets/app-ABC.js', { 'if-none-match': '"stale"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.toString(), APP_JS);
  });

  it('compresses text with brotli or gzip as the client accepts', async () => {
    const br = await get(port, '/ui/assets/app-ABC.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.equal(brotliDecompressSync(br.body).toString(), APP_JS);
    const gz = await get(port, '/ui/assets/app-ABC.js', { 'accept-encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), APP_JS);
    const plain = await get(port, '/ui/assets/app-ABC.js', { 'accept-encoding': 'identity' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), APP_JS);
  });

  it('serves precompressed siblings as they are, and never by their own names', async () => {
    const br = await get(port, '/ui/assets/style-XYZ.css', { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), '/* from the build */');
    const gz = await get(port, '/ui/assets/style-XYZ.css', { 'accept-encoding': 'gzip' });
    assert.match(gunzipSync(gz.body).toString(), /^body\{color:red\}/, 'made at load when missing');
    assert.notEqual(br.headers.etag, gz.headers.etag, 'one ETag per representation');
    assert.equal((await get(port, '/ui/assets/style-XYZ.css.br')).status, 404);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(port, '/ui/assets/app-ABC.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(APP_JS)));
    assert.equal(head.body.length, 0);
    const post = await get(port, '/ui/', {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('refuses to load a directory without index.html', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tollgate-assets-empty-'));
    try {
      await assert.rejects(StaticAssets.load({ root: empty, mount: '/ui/' }), /not built/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
