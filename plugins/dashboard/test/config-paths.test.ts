import assert from 'node:assert/strict';
import { locateProblem } from '../ui/config-paths.js';

const TEXT = `{
  // a comment
  "providers": { "openai": { "baseurl": 42, "models": ["gpt-4.1"] } },
  "hooks": { "oso": { "url": "not a url", "apikey": "k" } },
  "grants": [
    { "src": ["*"], "app": { "tailscale.com/cap/aperture": [ { "send_hooks": [ { "name": "nope" } ] } ] } },
  ],
  "plugins": ["grants", ["oso", { "apiKey": "", "enforce": { "on_deny": "maybe" } }]],
}
`;

/** The text a problem's range covers. */
function at(path: string): string | undefined {
  const r = locateProblem(TEXT, path);
  return r === undefined ? undefined : TEXT.slice(r.from, r.to);
}

describe('locateProblem (where a validation path points in the HuJSON text)', () => {
  it('finds core sections under config/', () => {
    assert.equal(at('config/providers/openai/baseurl'), '"baseurl": 42');
    assert.equal(at('config/providers/openai/models/0'), '"gpt-4.1"');
  });

  it('finds sections a plugin owns, with JSON-pointer escapes', () => {
    assert.equal(at('plugins.webhook/hooks/oso/url'), '"url": "not a url"');
    assert.equal(at('plugins.grants/grants/0/app/tailscale.com~1cap~1aperture/0/send_hooks/0/name'), '"name": "nope"');
  });

  it('finds plugin options inside the plugins list, and the entry itself', () => {
    assert.equal(at('plugins.oso/apiKey'), '"apiKey": ""');
    assert.equal(at('plugins.oso/enforce/on_deny'), '"on_deny": "maybe"');
    assert.equal(at('plugins.grants'), '"grants"');
  });

  it('marks the nearest enclosing key when the path names something missing', () => {
    const r = locateProblem(TEXT, 'plugins.webhook/hooks/oso/timeout');
    assert.equal(r?.exact, false);
    assert.equal(TEXT.slice(r!.from, r!.to), '"oso"');
  });

  it('turns config@line:column into an offset', () => {
    const r = locateProblem(TEXT, 'config@3:3');
    assert.equal(TEXT.slice(r!.from, r!.from + 11), '"providers"');
  });

  it('gives up on paths it cannot place', () => {
    assert.equal(locateProblem(TEXT, 'plugins.cerbos/url'), undefined);
    assert.equal(locateProblem('', 'config/providers'), undefined);
  });
});
