/**
 * Options of `npm run bench`: flags win over environment variables, which win over defaults.
 *
 *   --quick               short cells for development (2 runs of 2 s, 0.5 s warm-up)
 *   --duration <s>        measured seconds per cell          (BENCH_DURATION, default 8)
 *   --warmup <s>          warm-up seconds before each cell   (BENCH_WARMUP, default 2)
 *   --runs <n>            runs per cell; medians are reported (BENCH_RUNS, default 5)
 *   --configs <a,b>       configurations to measure          (BENCH_CONFIGS, default: all non-optional)
 *   --scenarios <a,b>     scenarios to run                   (BENCH_SCENARIOS, default: all)
 *   --out <dir>           where results go                   (BENCH_OUT, default bench/results)
 *   --label <text>        note stored with the results, e.g. "preliminary: shared machine"
 *   --profile             run tollgate with --cpu-prof (profiles in <out>/profiles); implies one run
 *   --baseline <dir>      also run each tollgate configuration from another (built) checkout, for A/B
 *   --no-chart            skip the PNG chart
 */
import { parseArgs } from 'node:util';

/**
 * @typedef {object} BenchOptions
 * @property {number} duration
 * @property {number} warmup
 * @property {number} runs
 * @property {string[] | undefined} configs
 * @property {string[] | undefined} scenarios
 * @property {string | undefined} out
 * @property {string} label
 * @property {boolean} quick
 * @property {boolean} profile
 * @property {boolean} chart
 * @property {string | undefined} baseline
 */

/** @param {string | undefined} v */
const list = (v) => (v === undefined || v.trim() === '' ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * @param {string | undefined} value
 * @param {number} fallback
 * @param {string} name
 */
function positive(value, fallback, name) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${value}")`);
  return n;
}

/**
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @returns {BenchOptions}
 */
export function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      configs: { type: 'string' },
      scenarios: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      profile: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'no-chart': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run bench -- [--quick] [--duration s] [--warmup s] [--runs n] [--configs a,b] [--scenarios a,b] [--out dir] [--label text] [--profile] [--baseline dir] [--no-chart]\nSee bench/README.md.\n');
    process.exit(0);
  }
  const quick = values.quick === true;
  const profile = values.profile === true;
  return {
    quick,
    profile,
    duration: positive(values.duration ?? env.BENCH_DURATION, quick ? 2 : 8, 'duration'),
    warmup: positive(values.warmup ?? env.BENCH_WARMUP, quick ? 0.5 : 2, 'warmup'),
    runs: Math.round(positive(values.runs ?? env.BENCH_RUNS, profile ? 1 : quick ? 2 : 5, 'runs')),
    configs: list(values.configs ?? env.BENCH_CONFIGS),
    scenarios: list(values.scenarios ?? env.BENCH_SCENARIOS),
    out: values.out ?? env.BENCH_OUT,
    label: values.label ?? env.BENCH_LABEL ?? (quick ? 'quick run (development numbers)' : ''),
    chart: values['no-chart'] !== true,
    baseline: values.baseline ?? env.BENCH_BASELINE,
  };
}
