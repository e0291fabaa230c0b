import assert from 'node:assert/strict';
import { ConfigSecrets } from '@tollgate/core/internal';

const STORED = `{
  // The provider key, literally.
  "providers": { "openai": { "baseurl": "https://api.openai.com", "apikey": "sk-provider-literal-1", "models": ["gpt-4o"] },
                 "env": { "baseurl": "https://x.example", "apikey": "env:OTHER_KEY", "models": [] } },
  "identity": { "api_keys": { "tg-client-key-aaaa": "alice@example.com", "env:BOB_KEY": "bob@example.com" } },
  "hooks": { "oso": { "url": "https://api.osohq.com/api/agents/v1/model-request", "apikey": "oso-secret-key-9", }, },
  "database": { "url": "postgres://tollgate:db-password-7@db.internal/tollgate" },
  "plugins": [["oso", { "apiKey": "oso-secret-key-9" }]],
  "grants": [{ "src": ["*"], "app": { "tailscale.com/cap/aperture": [{ "role": "admin" }] } }],
}`;

describe('ConfigSecrets (admin API redaction)', () => {
  const secrets = new ConfigSecrets(Buffer.from('0123456789abcdef0123456789abcdef'));

  it('hides every literal secret, keeps env: references, comments and formatting', () => {
    const shown = secrets.redact(STORED, new Set());
    for (const s of ['sk-provider-literal-1', 'tg-client-key-aaaa', 'oso-secret-key-9', 'db-password-7']) assert.ok(!shown.includes(s), s);
    for (const kept of ['"env:OTHER_KEY"', '"env:BOB_KEY"', '// The provider key, literally.', '"apikey": "oso-secret-key-9", }'.replace('oso-secret-key-9', secrets.placeholder('oso-secret-key-9'))]) assert.ok(shown.includes(kept), kept);
    assert.equal(shown.split(secrets.placeholder('oso-secret-key-9')).length - 1, 2, 'one secret, one placeholder, wherever it stands');
    assert.deepEqual(shown.split('\n').length, STORED.split('\n').length);
  });

  it('a redacted text sent back unchanged restores every stored value, also a placeholder the user moved', () => {
    const shown = secrets.redact(STORED, new Set());
    assert.deepEqual(secrets.restore(shown, STORED, new Set()), { text: STORED, unknown: [] });
    const moved = shown.replace('"hooks": {', `"hooks": { "audit": { "url": "https://audit.example/h", "apikey": "${secrets.placeholder('oso-secret-key-9')}" },`);
    const restored = secrets.restore(moved, STORED, new Set());
    assert.deepEqual(restored.unknown, []);
    assert.match(restored.text, /"audit": \{ "url": "https:\/\/audit.example\/h", "apikey": "oso-secret-key-9" \}/);
  });

  it('reports a placeholder that stands for no stored secret', () => {
    const forged = STORED.replace('"sk-provider-literal-1"', `"redacted:${'0'.repeat(16)}"`);
    assert.deepEqual(secrets.restore(forged, STORED, new Set()).unknown, [{ pointer: '/providers/openai/apikey' }]);
  });

  it('hides any string the gateway holds as a secret, whatever its field', () => {
    const text = '{ "plugins": [["custom", { "credential": "held-by-a-plugin-55" }]] }';
    assert.ok(!secrets.redact(text, new Set(['held-by-a-plugin-55'])).includes('held-by-a-plugin-55'));
  });
});
