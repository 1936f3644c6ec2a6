/**
 * The simulator CLI's options: every option with its default and meaning (parseArgs reads the table,
 * --help prints it), and the checks of their values. A bad value is a usage error: exit 2, naming the
 * option, the value and the rule.
 */
import { parseArgs } from 'node:util';
import { formatDuration, parseDurationSeconds } from '../../core/util/duration';
import { DEFAULT_DRAIN_EXTENSION } from '../../core/drain-extension';
import { DEFAULT_PRICES } from '../../core/cost/prices';
import { DEFAULT_ENGINE, DEFAULT_SIM_OPTIONS, DEFAULT_WARM_START_SECONDS, ENGINES, SCALE_IN_MODES } from '../../sim/fleet-sim';
import { DEFAULT_INSTANCE_TYPE } from '../../sim/cost';
import { DEFAULT_FRONTIER_TIMEOUTS, FRONTIER_POLICY } from '../../sim/frontier';
import { TRACE_SHAPES } from '../../sim/trace';
import { OptionHelp, parseArgsOptions } from '../args';

export const DEFAULT_SWEEP = '2m,5m,10m,20m,30m';
export const DEFAULT_REPORT = 'reports/simulation.html';

/** Every option, its default and meaning: parseArgs reads these, and --help prints them. */
const OPTIONS = {
  trace: { type: 'string', value: 'FILE', default: 'generated', meaning: 'CSV with columns arrival, duration_s and optionally slots, in any order; others (a query log\'s query) are ignored. Arrival in seconds, epoch milliseconds or ISO-8601 (UTC without a zone)' },
  hourly: { type: 'string', value: 'FILE', default: '-', meaning: 'instead of --trace: CSV with columns hour, queries, runtime_s (others ignored), a workload drawn from hourly aggregates' },
  'peak-running': { type: 'string', value: 'N', default: "the profile's own scale", meaning: 'with --hourly: rescale so the busiest hour has N queries running on average' },
  'skip-bad-rows': { type: 'boolean', default: 'off', meaning: 'run without the bad rows (each still reported); without it a bad row stops the run, exit 2' },
  engine: { type: 'string', value: ENGINES.join('|'), default: DEFAULT_ENGINE, meaning: "where a query's tasks run: trino spreads each over workers (a drain waits for, a termination fails, every query with a task there); trino-fte redoes a dead worker's task; executors holds a query on one worker (Spark-style, batch)" },
  json: { type: 'boolean', default: 'off', meaning: 'exactly one JSON object on stdout: {scenario, runs, timeoutSweep, frontier, ...}; the HTML report only with --report' },
  'sweep-timeouts': { type: 'string', value: 'LIST', default: DEFAULT_SWEEP, meaning: "drain timeouts to compare for the signals policy; 'none' to skip" },
  frontier: { type: 'string', value: 'LIST', default: DEFAULT_FRONTIER_TIMEOUTS, meaning: `drain timeouts of the frontier: ${FRONTIER_POLICY} at each, queries killed against instance-hours and dollars, ours marked; 'none' to skip (one run per timeout not equal to --drain-timeout)` },
  'tolerate-kills-per-day': { type: 'string', value: 'N', default: 'none', meaning: 'recommend the shortest frontier timeout at which another replay of the fleet would kill at most N queries per simulated day, at 90% (a bound from how the run\'s kills vary hour to hour), with its dollars over the cheapest' },
  'kill-nothing-younger-than': { type: 'string', value: 'D', default: 'none', meaning: "recommend the shortest frontier timeout of at least D plus Trino's shutdown grace whose run killed no query shorter than D" },
  'drain-timeout': { type: 'string', value: 'D', default: '10m', meaning: 'the drain timeout of the policy comparison' },
  slots: { type: 'string', value: 'N', default: String(DEFAULT_SIM_OPTIONS.slotsPerInstance), meaning: 'task slots per worker; CPU = busy slots / slots' },
  target: { type: 'string', value: 'P', default: String(DEFAULT_SIM_OPTIONS.targetCpu), meaning: 'target average CPU, percent' },
  min: { type: 'string', value: 'N', default: String(DEFAULT_SIM_OPTIONS.minCapacity), meaning: "the group's minimum capacity" },
  max: { type: 'string', value: 'N', default: String(DEFAULT_SIM_OPTIONS.maxCapacity), meaning: "the group's maximum capacity" },
  'retry-killed': { type: 'boolean', default: 'off', meaning: 'a killed query is queued again (and still counted killed once)' },
  faults: { type: 'boolean', default: 'off', meaning: 'inject throttling/5xx, lost and duplicated lifecycle events and dying sweeps; check the invariants' },
  days: { type: 'string', value: 'N', default: '2', meaning: 'the generated workload: days (0.1 to 30)' },
  'peak-rate': { type: 'string', value: 'R', default: '1.2', meaning: 'the generated workload: peak arrivals per second' },
  shape: { type: 'string', value: TRACE_SHAPES.join('|'), default: 'diurnal', meaning: 'the generated workload: a sinusoidal day, random bursts, or short spikes' },
  seed: { type: 'string', value: 'N', default: '1', meaning: 'random seed; same seed, same result' },
  degraded: { type: 'string', value: 'FRACTION', default: '0', meaning: 'share of launched instances (0 to 1) whose tasks run 2x slower' },
  'degraded-mid-run': { type: 'boolean', default: 'off', meaning: 'a degraded instance turns slow at a random time after launch' },
  'no-straggler-actions': { type: 'boolean', default: 'off', meaning: 'the full policy without straggler detection and replacement' },
  'straggler-drain-timeout': { type: 'string', value: 'D', default: formatDuration(DEFAULT_SIM_OPTIONS.stragglerDrainTimeoutSeconds), meaning: 'how long a replaced straggler may drain; never shorter than --drain-timeout' },
  'scale-in-lookback': { type: 'string', value: 'N', default: String(DEFAULT_SIM_OPTIONS.scaling.scaleInLookbackMinutes), meaning: "minutes of load the full policy's scale-in sizes for (1-60)" },
  'scale-in-horizon': { type: 'string', value: 'N', default: String(DEFAULT_SIM_OPTIONS.scaling.scaleInHorizonMinutes), meaning: "minutes ahead the full policy's scale-in sizes for (0-60)" },
  'no-drain-pricing': { type: 'boolean', default: 'off', meaning: "the full policy without the drain's price check, which waits past the drain timeout for queries worth it (docs/scaling.md)" },
  'kill-price': { type: 'string', value: 'D', default: formatDuration(DEFAULT_DRAIN_EXTENSION.killPenaltyInstanceSeconds), meaning: "the drain's price check: what a killed query costs beyond its lost work, as time of one instance (the config's scaling.killPrice)" },
  'scale-in': { type: 'string', value: SCALE_IN_MODES.join('|'), default: 'agree', meaning: "how the full policy scales in: agree, when both target tracking policies agree (as deployed); gate, only through the scale-in gate, which waits while a drain would kill queries predicted to outlast it (docs/scaling.md; simulator only)" },
  'predictive-scaling': { type: 'boolean', default: 'off', meaning: "a predictive scaling policy that scales on its forecast beside target tracking (the config's predictiveScaling: forecast-and-scale; the deployed default, forecast-only, changes nothing); sim/predictive.ts" },
  'warm-pool': { type: 'string', value: 'N', default: 'none', meaning: 'a warm pool of N stopped instances beside the group' },
  'warm-start': { type: 'string', value: 'S', default: String(DEFAULT_WARM_START_SECONDS), meaning: 'with --warm-pool: seconds from starting a stopped instance to serving (1-90)' },
  'instance-type': { type: 'string', value: 'TYPE', default: DEFAULT_INSTANCE_TYPE, meaning: "the worker instance type the dollars are priced at; it must be in the price table" },
  region: { type: 'string', value: 'R', default: DEFAULT_PRICES.region, meaning: `the region of the prices; the built-in table is ${DEFAULT_PRICES.region} only, another needs --prices` },
  prices: { type: 'string', value: 'FILE', default: `the built-in ${DEFAULT_PRICES.region} table of ${DEFAULT_PRICES.asOf}`, meaning: 'a JSON price table over the built-in one (docs/cost.md): Spot, a savings plan, another region' },
  report: { type: 'string', value: 'FILE', default: DEFAULT_REPORT, meaning: 'where the HTML report goes (with --json, only when given)' },
  'write-trace': { type: 'string', value: 'FILE', default: '-', meaning: 'save the (generated or drawn) trace as CSV' },
  help: { type: 'boolean', short: 'h', default: 'off', meaning: 'print this help and exit' },
} as const satisfies Record<string, OptionHelp>;

export type Values = { -readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The usage: every option with its default and meaning. */
export function usage(): string {
  const rows = Object.entries(OPTIONS as Record<string, OptionHelp>).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.meaning, o.default]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    'usage: npm start -- [options]   (tsx bin/simulate.ts [options])',
    '',
    'Replays a workload through the drain controller and scaling policies, prints a summary per policy and',
    'a drain-timeout table, and writes an HTML report. Exit 0; 1 if a graceful-drain invariant was violated;',
    '2 on a usage error. docs/simulator.md has the details.',
    '',
    'options:',
    ...rows.map(([flag, meaning, dflt]) => `  ${flag.padEnd(width)}  ${meaning} (default: ${dflt})`),
  ].join('\n');
}

/** The command line's options; an unknown or malformed one is a usage error. */
export function parseOptions(): Values {
  try {
    return parseArgs({ options: parseArgsOptions(OPTIONS), allowPositionals: false, strict: true }).values as Values;
  } catch (e) {
    usageError(`${(e as Error).message}; see --help`);
  }
}

export function usageError(message: string): never {
  console.error(`simulate: ${message}`);
  process.exit(2);
}

export function number(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) usageError(`--${name} (${value}) must be a number from ${min} to ${max}`);
  return n;
}

export function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const n = number(name, value, fallback, min, max);
  if (!Number.isInteger(n)) usageError(`--${name} (${value}) must be a whole number from ${min} to ${max}`);
  return n;
}

export function duration(name: string, value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < 60) usageError(`--${name} (${value}) must be a duration of at least 1m, such as 10m or 1h30m`);
  return seconds;
}
