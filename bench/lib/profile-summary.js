/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) as text: where self time goes by area
 * (tollgate's own files, each dependency, Node internals, GC, idle), the top functions by self
 * time, and tollgate's functions by inclusive time.
 *
 * Usage as a script: node bench/lib/profile-summary.js <file.cpuprofile>
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number, children?: number[] }} ProfileNode
 */

/** @param {string} url */
function areaOf(url) {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return name === '@tollgate' ? `@tollgate/${rest[1]}` : `dep: ${name}`;
  }
  const m = /\/(packages|plugins)\/([^/]+)\//.exec(url);
  if (m !== null) return `@tollgate/${m[2]}`;
  if (url.includes('/bench/')) return 'bench plugin';
  return url;
}

/** @param {string} url */
function shortFile(url) {
  const m = /\/((?:packages|plugins)\/[^/]+\/dist\/.*)$/.exec(url) ?? /node_modules\/(.*)$/.exec(url);
  return m === null ? url.replace(/^file:\/\//, '') : (m[1] ?? url);
}

/** @param {number} us */
const ms = (us) => (us / 1000).toFixed(1).padStart(9);

/**
 * @param {string} file
 * @returns {string}
 */
export function summarizeProfile(file) {
  const profile = /** @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} */ (JSON.parse(readFileSync(file, 'utf8')));
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} self time per node, µs */
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = /** @type {number} */ (profile.samples[i]);
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const idle = [...idleIds].reduce((a, id) => a + (self.get(id) ?? 0), 0);
  const busy = total - idle;
  /** @type {Map<string, number>} */
  const areas = new Map();
  /** @type {Map<string, number>} */
  const fnSelf = new Map();
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    if (t === 0 || idleIds.has(n.id)) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    const area = name.startsWith('(') && n.callFrame.url === '' ? name : areaOf(n.callFrame.url);
    areas.set(area, (areas.get(area) ?? 0) + t);
    const key = `${name}  ${shortFile(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + t);
  }
  // Inclusive time of tollgate's own functions (a function counted once per stack).
  /** @type {Map<string, number>} */
  const inclusive = new Map();
  /** @param {number} id @param {Set<string>} onStack @returns {number} */
  const walk = (id, onStack) => {
    const n = /** @type {ProfileNode} */ (byId.get(id));
    const own = idleIds.has(id) ? 0 : (self.get(id) ?? 0);
    const url = n.callFrame.url;
    const mine = /\/(packages|plugins)\/[^/]+\/dist\//.test(url) && !url.includes('node_modules');
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${shortFile(url)}:${n.callFrame.lineNumber + 1}`;
    const fresh = mine && !onStack.has(key);
    if (fresh) onStack.add(key);
    let sum = own;
    for (const c of n.children ?? []) sum += walk(c, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root !== undefined) walk(root.id, new Set());
  const pct = (/** @type {number} */ t) => `${((100 * t) / Math.max(busy, 1)).toFixed(1).padStart(5)}%`;
  const lines = [
    `profile ${file}`,
    `wall ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / Math.max(total, 1)).toFixed(0)}%), idle ${(idle / 1e6).toFixed(2)} s; percentages are of busy time`,
    '',
    'self time by area:',
    ...[...areas].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, t]) => `${ms(t)} ms ${pct(t)}  ${k}`),
    '',
    'top functions by self time:',
    ...[...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, t]) => `${ms(t)} ms ${pct(t)}  ${k}`),
    '',
    "tollgate's functions by inclusive time:",
    ...[...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, t]) => `${ms(t)} ms ${pct(t)}  ${k}`),
  ];
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of process.argv.slice(2)) process.stdout.write(summarizeProfile(f));
}
