#!/usr/bin/env node
/**
 * The fleet simulator CLI (`npm start` runs it with the default scenario).
 *
 *   npm start -- [--trace file.csv | --hourly profile.csv [--peak-running N]] [--json] [--sweep-timeouts 2m,5m,10m,20m,30m|none] [--faults]
 *                [--drain-timeout 10m] [--slots 8] [--target 40] [--min 2] [--max 500] [--days 2]
 *                [--peak-rate 1.2] [--shape diurnal|bursty|spikes] [--seed 1] [--retry-killed] [--skip-bad-rows] [--report path]
 *                [--write-trace path] [--degraded 0.05] [--degraded-mid-run] [--no-straggler-actions]
 *                [--straggler-drain-timeout 4h] [--scale-in-lookback 8] [--scale-in-horizon 15]
 *                [--warm-pool N [--warm-start 40]] [--instance-type m7i.2xlarge] [--region us-east-1] [--prices FILE]
 *                [--frontier 2m,10m,30m,2h,6h|none] [--tolerate-kills-per-day N] [--kill-nothing-younger-than D]
 *   npm start -- --help   every option, its default and meaning
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { formatDuration, parseDurationSeconds } from '../core/util/duration';
import { DEFAULT_DRAIN_EXTENSION } from '../core/drain-extension';
import { DEFAULT_PRICES, PriceTable, PriceTableError, parsePriceTable } from '../core/cost/prices';
import { DEFAULT_ENGINE, DEFAULT_FAULTS, DEFAULT_SIM_OPTIONS, DEFAULT_WARM_START_SECONDS, ENGINES, EngineName, POLICIES, SCALE_IN_MODES, ScaleInMode, SimOptions, SimResult, WarmPoolOptions, simulate } from '../sim/fleet-sim';
import { trackingFloor } from '../sim/floor';
import { MAX_PROFILE_QUERIES, expectedProfileQueries, readHourlyProfile, traceFromHourly } from '../sim/hourly-profile';
import { oracle } from '../sim/oracle';
import { readProgress, simulationProgress } from '../sim/progress';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_ROOT_VOLUME_GIB, SimPricing, checkPricing, ownCostUsd } from '../sim/cost';
import { Scenario, scenarioPrices, summaryFrom, sweepRowFrom, textSummary, violations } from '../sim/report';
import { htmlReport } from '../sim/report-html';
import { DEFAULT_FRONTIER_TIMEOUTS, FRONTIER_POLICY, Tolerance, analyseFrontier, frontierPointFrom } from '../sim/frontier';
import { frontierHtml, frontierText } from '../sim/frontier-report';
import { ReadOptions } from '../sim/csv-records';
import { TableRead } from '../sim/timed-table';
import { Query, Span, TRACE_SHAPES, TROUGH_SHARE, TraceShape, formatTrace, generateTrace, longSpanProblem, readTrace } from '../sim/trace';

const DEFAULT_SWEEP = '2m,5m,10m,20m,30m';
const DEFAULT_REPORT = 'reports/simulation.html';

interface OptionHelp {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the usage, for a string option. */
  readonly value?: string;
  readonly default: string;
  readonly meaning: string;
}

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
  'tolerate-kills-per-day': { type: 'string', value: 'N', default: 'none', meaning: 'recommend the shortest frontier timeout killing at most N queries per simulated day, with its dollars over the cheapest' },
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
  'warm-pool': { type: 'string', value: 'N', default: 'none', meaning: 'a warm pool of N stopped instances beside the group' },
  'warm-start': { type: 'string', value: 'S', default: String(DEFAULT_WARM_START_SECONDS), meaning: 'with --warm-pool: seconds from starting a stopped instance to serving (1-90)' },
  'instance-type': { type: 'string', value: 'TYPE', default: DEFAULT_INSTANCE_TYPE, meaning: "the worker instance type the dollars are priced at; it must be in the price table" },
  region: { type: 'string', value: 'R', default: DEFAULT_PRICES.region, meaning: `the region of the prices; the built-in table is ${DEFAULT_PRICES.region} only, another needs --prices` },
  prices: { type: 'string', value: 'FILE', default: `the built-in ${DEFAULT_PRICES.region} table of ${DEFAULT_PRICES.asOf}`, meaning: 'a JSON price table over the built-in one (docs/cost.md): Spot, a savings plan, another region' },
  report: { type: 'string', value: 'FILE', default: DEFAULT_REPORT, meaning: 'where the HTML report goes (with --json, only when given)' },
  'write-trace': { type: 'string', value: 'FILE', default: '-', meaning: 'save the (generated or drawn) trace as CSV' },
  help: { type: 'boolean', short: 'h', default: 'off', meaning: 'print this help and exit' },
} as const satisfies Record<string, OptionHelp>;

type Values = { -readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The usage: every option with its default and meaning. */
function usage(): string {
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

const round1 = (x: number) => Math.round(x * 10) / 10;

function usageError(message: string): never {
  console.error(`simulate: ${message}`);
  process.exit(2);
}

function number(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) usageError(`--${name} (${value}) must be a number from ${min} to ${max}`);
  return n;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const n = number(name, value, fallback, min, max);
  if (!Number.isInteger(n)) usageError(`--${name} (${value}) must be a whole number from ${min} to ${max}`);
  return n;
}

function duration(name: string, value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < 60) usageError(`--${name} (${value}) must be a duration of at least 1m, such as 10m or 1h30m`);
  return seconds;
}

/** A file's size in bytes; 0 when it cannot be read (the read itself says why). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Reads a workload file as a stream. A problem with the file as a whole (no header, a wrong one) stops
 * the run, with no word of --skip-bad-rows: no row was read. Ignored columns are named; every bad row is
 * reported by line (past the first 100, counted), and any stops the run unless skipped.
 */
async function readWorkload<T extends Omit<TableRead, 'timestamps'>>(flag: string, path: string, read: (path: string, o: ReadOptions) => Promise<T>, columns: string, skipBadRows: boolean): Promise<T> {
  let parsed: T;
  try {
    parsed = await read(path, { onBytes: readProgress(path, fileSize(path), process.stderr) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    usageError(`--${flag} ${path}: cannot be read (${code})`);
  }
  const file = parsed.fileProblem;
  if (file) usageError(`${path}:${file.line}: ${file.reason}${file.text ? `: ${file.text}` : ''}`);
  if (parsed.ignoredColumns.length > 0) console.error(`${path}:${parsed.headerLine}: ignored column(s) ${parsed.ignoredColumns.join(', ')}: the simulator reads ${columns}`);
  for (const p of parsed.problems) console.error(`${path}:${p.line}: ${p.reason}: ${p.text}`);
  const unnamed = parsed.badRows - parsed.problems.length;
  if (unnamed > 0) console.error(`${path}: ${unnamed.toLocaleString('en-US')} more bad row(s), counted but not named`);
  if (parsed.badRows > 0 && !skipBadRows) usageError(`${parsed.badRows.toLocaleString('en-US')} bad row(s) in ${path}; fix them or pass --skip-bad-rows to run without them`);
  return parsed;
}

/** Why a workload file gave nothing to run. */
function nothingRead(path: string, what: string, parsed: Omit<TableRead, 'timestamps'>): string {
  return parsed.badRows > 0
    ? `${path} holds no ${what}: all ${parsed.badRows.toLocaleString('en-US')} of its data rows are bad (${parsed.badRows > parsed.problems.length ? 'the first named' : 'each named'} above)`
    : `${path} holds no ${what}: no data row after the header on line ${parsed.headerLine}`;
}

/** Refuses a workload longer than the simulator runs, naming the rows at its two ends (sim/trace.ts, MAX_SPAN_DAYS). */
function refuseLongSpan(path: string, span: Span | undefined): void {
  const problem = longSpanProblem(path, span);
  if (problem) usageError(problem);
}

/**
 * What the dollars are priced at. The built-in table is one region's; naming another without a price
 * file would price it at the wrong region's rates, so it is refused.
 */
function pricingFrom(instanceType = DEFAULT_INSTANCE_TYPE, region: string | undefined, pricesFile: string | undefined): SimPricing {
  let table: PriceTable = DEFAULT_PRICES;
  if (pricesFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(pricesFile, 'utf8');
    } catch (e) {
      usageError(`--prices ${pricesFile}: cannot be read (${(e as NodeJS.ErrnoException).code})`);
    }
    try {
      table = parsePriceTable(text, pricesFile);
    } catch (e) {
      if (e instanceof PriceTableError) usageError(`--prices ${e.message}`);
      throw e;
    }
  }
  if (region !== undefined && region !== table.region) {
    usageError(
      pricesFile === undefined
        ? `--region (${region}): the built-in prices are ${DEFAULT_PRICES.region}'s only; pass --prices FILE with "region": "${region}" and that region's prices (docs/cost.md)`
        : `--region (${region}) differs from ${pricesFile}'s region (${table.region}); set "region": "${region}" in the file or drop --region`,
    );
  }
  const pricing = { table, instanceType, rootVolumeGiB: DEFAULT_ROOT_VOLUME_GIB };
  try {
    checkPricing(pricing);
  } catch (e) {
    if (e instanceof PriceTableError) usageError(`--instance-type (${instanceType}): ${e.message}`);
    throw e;
  }
  return pricing;
}

async function main(): Promise<void> {
  let args: Values;
  try {
    const options: ParseArgsConfig['options'] = Object.fromEntries(Object.entries(OPTIONS as Record<string, OptionHelp>).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
    args = parseArgs({ options, allowPositionals: false, strict: true }).values as Values;
  } catch (e) {
    usageError(`${(e as Error).message}; see --help`);
  }
  if (args.help) {
    console.log(usage());
    return;
  }
  const pricing = pricingFrom(args['instance-type'], args.region, args.prices);
  const engine = (args.engine ?? DEFAULT_ENGINE) as EngineName;
  if (!ENGINES.includes(engine)) usageError(`--engine (${engine}) must be ${ENGINES.join(', ')}`);
  const scaleInMode = (args['scale-in'] ?? 'agree') as ScaleInMode;
  if (!SCALE_IN_MODES.includes(scaleInMode)) usageError(`--scale-in (${scaleInMode}) must be ${SCALE_IN_MODES.join(', ')}`);

  const seed = number('seed', args.seed, 1, 0, 2 ** 32 - 1);
  let queries: Query[];
  let source: string;
  let origin: Date | undefined;
  if (args.trace && args.hourly) usageError('--trace and --hourly each name the workload; pass one');
  if (args['peak-running'] !== undefined && !args.hourly) usageError('--peak-running rescales an --hourly profile; pass --hourly too');
  if (args.hourly) {
    const parsed = await readWorkload('hourly', args.hourly, readHourlyProfile, 'hour, queries and runtime_s', args['skip-bad-rows'] === true);
    if (parsed.hours.length === 0) usageError(nothingRead(args.hourly, 'hours', parsed));
    refuseLongSpan(args.hourly, parsed.span);
    const peakRunning = args['peak-running'] === undefined ? undefined : number('peak-running', args['peak-running'], 0, 0.01, 100_000);
    const expected = expectedProfileQueries(parsed.hours, { peakRunning });
    if (expected > MAX_PROFILE_QUERIES) {
      usageError(`${args.hourly} would draw about ${Math.round(expected).toLocaleString('en-US')} queries, over ${MAX_PROFILE_QUERIES.toLocaleString('en-US')}; pass --peak-running to scale it down`);
    }
    queries = traceFromHourly(parsed.hours, { seed, peakRunning });
    origin = parsed.origin;
    if (queries.length === 0) usageError(`${args.hourly} holds no run time to draw queries from`);
    source = `hourly profile ${args.hourly} (${parsed.hours.length} hours${peakRunning === undefined ? '' : `, busiest hour scaled to ${peakRunning} queries running`}${parsed.badRows ? `, ${parsed.badRows} bad rows skipped` : ''})`;
  } else if (args.trace) {
    const parsed = await readWorkload('trace', args.trace, readTrace, 'arrival, duration_s and slots', args['skip-bad-rows'] === true);
    refuseLongSpan(args.trace, parsed.span);
    if (parsed.queries.length === 0) usageError(nothingRead(args.trace, 'queries', parsed));
    queries = parsed.queries;
    origin = parsed.origin;
    source = `trace ${args.trace}${parsed.badRows ? ` (${parsed.badRows} bad rows skipped)` : ''}`;
  } else {
    const days = number('days', args.days, 2, 0.1, 30);
    const peakRate = number('peak-rate', args['peak-rate'], 1.2, 0.001, 100);
    const shape = (args.shape ?? 'diurnal') as TraceShape;
    if (!TRACE_SHAPES.includes(shape)) usageError(`--shape (${shape}) must be ${TRACE_SHAPES.join(', ')}`);
    queries = generateTrace({ days, peakRate, troughShare: TROUGH_SHARE[shape], seed, shape });
    source = `generated ${shape} workload (${days} days, peak ${peakRate} queries/s)`;
  }
  if (args['write-trace']) writeFileSync(args['write-trace'], formatTrace(queries));

  const slotsPerInstance = number('slots', args.slots, DEFAULT_SIM_OPTIONS.slotsPerInstance, 1, 256);
  const targetCpu = number('target', args.target, DEFAULT_SIM_OPTIONS.targetCpu, 1, 100);
  const minCapacity = number('min', args.min, DEFAULT_SIM_OPTIONS.minCapacity, 0, 5000);
  const maxCapacity = number('max', args.max, DEFAULT_SIM_OPTIONS.maxCapacity, Math.max(1, minCapacity), 5000);
  const drainTimeoutSeconds = duration('drain-timeout', args['drain-timeout'] ?? '10m');
  const sweepText = args['sweep-timeouts'] ?? DEFAULT_SWEEP;
  const sweepTimeouts = sweepText === 'none' ? [] : sweepText.split(',').map((t) => duration('sweep-timeouts', t.trim()));
  const frontierList = args.frontier ?? DEFAULT_FRONTIER_TIMEOUTS;
  const frontierTimeouts = frontierList === 'none' ? [] : [...new Set(frontierList.split(',').map((t) => duration('frontier', t.trim())))].sort((a, b) => a - b);
  const tolerance: Tolerance = {
    ...(args['tolerate-kills-per-day'] === undefined ? {} : { killsPerDay: number('tolerate-kills-per-day', args['tolerate-kills-per-day'], 0, 0, 1e9) }),
    ...(args['kill-nothing-younger-than'] === undefined ? {} : { killNothingYoungerThanS: duration('kill-nothing-younger-than', args['kill-nothing-younger-than']) }),
  };
  if (Object.keys(tolerance).length > 0 && frontierTimeouts.length === 0) usageError('--tolerate-kills-per-day and --kill-nothing-younger-than choose from the frontier; drop --frontier none');
  if (args['warm-start'] !== undefined && args['warm-pool'] === undefined) usageError('--warm-start is the start time of a warm pool instance; pass --warm-pool too');
  // PutWarmPool: MinSize and MaxGroupPreparedCapacity both N keep N stopped instances whatever the desired capacity.
  const warmPoolSize = args['warm-pool'] === undefined ? undefined : integer('warm-pool', args['warm-pool'], 0, 1, maxCapacity);
  const warmPool: WarmPoolOptions | undefined =
    warmPoolSize === undefined ? undefined : { minSize: warmPoolSize, maxPreparedCapacity: warmPoolSize, startSeconds: number('warm-start', args['warm-start'], DEFAULT_WARM_START_SECONDS, 1, DEFAULT_SIM_OPTIONS.launchDelaySeconds) };
  const tooBig = queries.find((q) => q.slots > slotsPerInstance);
  if (tooBig) usageError(`a query needs ${tooBig.slots} slots, more than --slots ${slotsPerInstance}: it could never run`);

  const o = oracle(queries, slotsPerInstance, targetCpu, minCapacity);
  // Sized for the peak at the same target utilisation the autoscaled fleets hold, for a like-for-like cost.
  const staticCapacity = Math.min(maxCapacity, Math.max(minCapacity, Math.ceil(o.peakSlots / (slotsPerInstance * (targetCpu / 100)))));
  const base: Omit<SimOptions, 'policy'> = {
    ...DEFAULT_SIM_OPTIONS,
    engine,
    ...(scaleInMode === 'gate' ? { scaleInMode } : {}),
    drainExtension: args['no-drain-pricing'] ? undefined : { ...DEFAULT_DRAIN_EXTENSION, killPenaltyInstanceSeconds: duration('kill-price', args['kill-price'] ?? formatDuration(DEFAULT_DRAIN_EXTENSION.killPenaltyInstanceSeconds)) },
    slotsPerInstance,
    targetCpu,
    minCapacity,
    maxCapacity,
    drainTimeoutSeconds,
    staticCapacity,
    retryKilled: args['retry-killed'] === true,
    faults: args.faults ? DEFAULT_FAULTS : undefined,
    seed,
    degraded: number('degraded', args.degraded, 0, 0, 1),
    degradedMidRun: args['degraded-mid-run'] === true,
    stragglerActions: !args['no-straggler-actions'],
    warmPool,
    stragglerDrainTimeoutSeconds: args['straggler-drain-timeout'] === undefined ? DEFAULT_SIM_OPTIONS.stragglerDrainTimeoutSeconds : duration('straggler-drain-timeout', args['straggler-drain-timeout']),
    // The fleet config's scaling.scaleInLookbackMinutes and scaleInHorizonMinutes, with their ranges (lib/config/).
    scaling: {
      ...DEFAULT_SIM_OPTIONS.scaling,
      scaleInLookbackMinutes: integer('scale-in-lookback', args['scale-in-lookback'], DEFAULT_SIM_OPTIONS.scaling.scaleInLookbackMinutes, 1, 60),
      scaleInHorizonMinutes: integer('scale-in-horizon', args['scale-in-horizon'], DEFAULT_SIM_OPTIONS.scaling.scaleInHorizonMinutes, 0, 60),
    },
  };

  // The policy comparison's graceful-cpu run is the frontier's point at --drain-timeout: same options, same result.
  const frontierRuns = frontierTimeouts.filter((t) => t !== drainTimeoutSeconds);
  const progress = simulationProgress([...POLICIES, ...sweepTimeouts.map((t) => `signals ${formatDuration(t)}`), ...frontierRuns.map((t) => `${FRONTIER_POLICY} ${formatDuration(t)}`)], process.stderr);
  const plural = (n: number, what: string) => (n === 1 ? `1 ${what}` : `${n} ${what}s`);
  const timeouts = sweepTimeouts.length === 0 ? '' : ` and ${plural(sweepTimeouts.length, 'drain timeout')}`;
  const frontierNote = frontierTimeouts.length === 0 ? '' : `, a frontier of ${plural(frontierTimeouts.length, 'timeout')}`;
  console.error(`simulating ${queries.length.toLocaleString('en-US')} queries over ${round1(o.end / 86_400)} day${round1(o.end / 86_400) === 1 ? '' : 's'} under the ${engine} engine model: ${POLICIES.length} policies${timeouts}${frontierNote} (${POLICIES.length + sweepTimeouts.length + frontierRuns.length} runs)`);
  const details: SimResult[] = [];
  for (const policy of POLICIES) details.push(await simulate(queries, { ...base, policy, onProgress: progress.run(details.length) }));
  const sweepResults: SimResult[] = [];
  for (const t of sweepTimeouts) {
    sweepResults.push(await simulate(queries, { ...base, policy: 'signals', drainTimeoutSeconds: t, onProgress: progress.run(POLICIES.length + sweepResults.length) }));
  }
  const frontierResults: SimResult[] = [];
  for (const t of frontierTimeouts) {
    const reused = t === drainTimeoutSeconds ? details.find((d) => d.policy === FRONTIER_POLICY) : undefined;
    const k = POLICIES.length + sweepTimeouts.length + frontierResults.filter((r) => r.drainTimeoutSeconds !== drainTimeoutSeconds).length;
    frontierResults.push(reused ?? (await simulate(queries, { ...base, policy: FRONTIER_POLICY, drainTimeoutSeconds: t, onProgress: progress.run(k) })));
  }
  progress.end();

  const runs = details.map((d) => summaryFrom(d, o.instanceHours, pricing, minCapacity));
  const timeoutSweep = sweepResults.map(sweepRowFrom);
  const scenario: Scenario = {
    engine,
    ...(scaleInMode === 'gate' ? { scaleIn: scaleInMode } : {}),
    source,
    queries: queries.length,
    days: o.end / 86_400,
    slotsPerInstance,
    targetCpu,
    drainTimeout: formatDuration(drainTimeoutSeconds),
    minCapacity,
    maxCapacity,
    staticCapacity,
    seed,
    faults: args.faults === true,
    degraded: base.degraded,
    degradedMidRun: base.degradedMidRun,
    ...(warmPool ? { warmPool: { size: warmPool.minSize, startSeconds: warmPool.startSeconds } } : {}),
    floorInstanceHours: Math.round(trackingFloor(queries, slotsPerInstance, targetCpu, minCapacity, maxCapacity) * 10) / 10,
    prices: scenarioPrices(pricing),
    ownCostUsd: Math.round(ownCostUsd('signals', base.stragglerActions, details.find((d) => d.policy === 'signals')!.instanceHours, o.end / 3600, pricing.table, base.drainExtension !== undefined) * 100) / 100,
    ...(origin ? { startsAt: origin.toISOString() } : {}),
  };
  const frontier =
    frontierResults.length === 0
      ? undefined
      : analyseFrontier(
          frontierResults.map((r) => frontierPointFrom(r, pricing)),
          runs,
          { drainTimeout: scenario.drainTimeout, tolerance, days: scenario.days, graceSeconds: base.shutdownGraceSeconds },
        );
  const invariants = [...details, ...sweepResults, ...frontierResults].map((d) => d.invariants).filter((i) => i !== undefined);
  const violated = invariants.some((i) => violations(i!).length > 0);

  // With --json, stdout is the JSON alone: the report is written only when asked for, and named on stderr.
  const reportPath = args.report ?? (args.json ? undefined : DEFAULT_REPORT);
  const path = reportPath === undefined ? undefined : resolve(reportPath);
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, htmlReport(scenario, runs, timeoutSweep, details, pricing, frontier ? frontierHtml(frontier) : ''));
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ scenario, runs, timeoutSweep, ...frontier })}\n`);
    if (path) console.error(`Report: ${path}`);
  } else {
    console.log(textSummary(scenario, runs, timeoutSweep, frontier ? frontierText(frontier) : []));
    console.log(`\nReport: ${path}`);
  }
  if (violated) {
    console.error('simulate: a graceful-drain invariant was violated (see "invariants")');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
