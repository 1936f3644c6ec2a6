#!/usr/bin/env node
/**
 * The fleet simulator CLI (`npm start` runs it with the default scenario).
 *
 *   npm start -- [--trace file.csv | --hourly profile.csv [--peak-running N]] [--json] [--sweep-timeouts 2m,5m,10m,20m,30m|none] [--faults]
 *                [--drain-timeout 10m] [--slots 8] [--target 40] [--min 2] [--max 500] [--days 2]
 *                [--peak-rate 1.2] [--shape diurnal|bursty|spikes] [--seed 1] [--retry-killed] [--skip-bad-rows] [--report path]
 *                [--write-trace path] [--degraded 0.05] [--degraded-mid-run] [--no-straggler-actions]
 *                [--straggler-drain-timeout 4h] [--scale-in-lookback 8] [--scale-in-horizon 15]
 *                [--warm-pool N [--warm-start 40]]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, parseDurationSeconds } from '../core/util/duration';
import { DEFAULT_FAULTS, DEFAULT_SIM_OPTIONS, DEFAULT_WARM_START_SECONDS, POLICIES, SimOptions, SimResult, WarmPoolOptions, simulate } from '../sim/fleet-sim';
import { trackingFloor } from '../sim/floor';
import { MAX_PROFILE_QUERIES, expectedProfileQueries, parseHourlyProfile, traceFromHourly } from '../sim/hourly-profile';
import { oracle } from '../sim/oracle';
import { Scenario, htmlReport, summaryFrom, sweepRowFrom, textSummary, violations } from '../sim/report';
import { Query, Span, TRACE_SHAPES, TROUGH_SHARE, TraceProblem, TraceShape, formatTrace, generateTrace, longSpanProblem, parseTrace } from '../sim/trace';

const DEFAULT_SWEEP = '2m,5m,10m,20m,30m';

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

/** Reads and parses a workload file; every bad row is reported by line, and any stops the run unless skipped. */
function readRows<T extends { readonly problems: readonly TraceProblem[] }>(flag: string, path: string, parse: (text: string) => T, skipBadRows: boolean): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    usageError(`--${flag} ${path}: cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  const parsed = parse(text);
  for (const p of parsed.problems) console.error(`${path}:${p.line}: ${p.reason}: ${p.text}`);
  if (parsed.problems.length > 0 && !skipBadRows) usageError(`${parsed.problems.length} bad row(s) in ${path}; fix them or pass --skip-bad-rows to run without them`);
  return parsed;
}

/** Refuses a workload longer than the simulator runs, naming the rows at its two ends (sim/trace.ts, MAX_SPAN_DAYS). */
function refuseLongSpan(path: string, span: Span | undefined): void {
  const problem = longSpanProblem(path, span);
  if (problem) usageError(problem);
}

/** A one-line progress bar on stderr, only on a terminal. */
function progress(label: string): ((f: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (f: number) => {
    const width = 30;
    const filled = Math.round(f * width);
    process.stderr.write(`\r${label.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%${f >= 1 ? '\n' : ''}`);
  };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        trace: { type: 'string' },
        hourly: { type: 'string' },
        'peak-running': { type: 'string' },
        json: { type: 'boolean', default: false },
        'sweep-timeouts': { type: 'string' },
        faults: { type: 'boolean', default: false },
        'drain-timeout': { type: 'string', default: '10m' },
        slots: { type: 'string' },
        target: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
        days: { type: 'string' },
        'peak-rate': { type: 'string' },
        shape: { type: 'string', default: 'diurnal' },
        seed: { type: 'string' },
        'retry-killed': { type: 'boolean', default: false },
        'skip-bad-rows': { type: 'boolean', default: false },
        report: { type: 'string', default: 'reports/simulation.html' },
        'write-trace': { type: 'string' },
        degraded: { type: 'string' },
        'degraded-mid-run': { type: 'boolean', default: false },
        'no-straggler-actions': { type: 'boolean', default: false },
        'straggler-drain-timeout': { type: 'string' },
        'scale-in-lookback': { type: 'string' },
        'scale-in-horizon': { type: 'string' },
        'warm-pool': { type: 'string' },
        'warm-start': { type: 'string' },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    usageError((e as Error).message);
  }

  const seed = number('seed', args.seed, 1, 0, 2 ** 32 - 1);
  let queries: Query[];
  let source: string;
  if (args.trace && args.hourly) usageError('--trace and --hourly each name the workload; pass one');
  if (args['peak-running'] !== undefined && !args.hourly) usageError('--peak-running rescales an --hourly profile; pass --hourly too');
  if (args.hourly) {
    const parsed = readRows('hourly', args.hourly, parseHourlyProfile, args['skip-bad-rows']!);
    refuseLongSpan(args.hourly, parsed.span);
    const peakRunning = args['peak-running'] === undefined ? undefined : number('peak-running', args['peak-running'], 0, 0.01, 100_000);
    const expected = expectedProfileQueries(parsed.hours, { peakRunning });
    if (expected > MAX_PROFILE_QUERIES) {
      usageError(`${args.hourly} would draw about ${Math.round(expected).toLocaleString('en-US')} queries, over ${MAX_PROFILE_QUERIES.toLocaleString('en-US')}; pass --peak-running to scale it down`);
    }
    queries = traceFromHourly(parsed.hours, { seed, peakRunning });
    if (queries.length === 0) usageError(`${args.hourly} holds no run time to draw queries from`);
    source = `hourly profile ${args.hourly} (${parsed.hours.length} hours${peakRunning === undefined ? '' : `, busiest hour scaled to ${peakRunning} queries running`}${parsed.problems.length ? `, ${parsed.problems.length} bad rows skipped` : ''})`;
  } else if (args.trace) {
    const parsed = readRows('trace', args.trace, parseTrace, args['skip-bad-rows']!);
    refuseLongSpan(args.trace, parsed.span);
    if (parsed.queries.length === 0) usageError(`${args.trace} holds no queries`);
    queries = parsed.queries;
    source = `trace ${args.trace}${parsed.problems.length ? ` (${parsed.problems.length} bad rows skipped)` : ''}`;
  } else {
    const days = number('days', args.days, 2, 0.1, 30);
    const peakRate = number('peak-rate', args['peak-rate'], 1.2, 0.001, 100);
    const shape = args.shape as TraceShape;
    if (!TRACE_SHAPES.includes(shape)) usageError(`--shape (${shape}) must be ${TRACE_SHAPES.join(', ')}`);
    queries = generateTrace({ days, peakRate, troughShare: TROUGH_SHARE[shape], seed, shape });
    source = `generated ${shape} workload (${days} days, peak ${peakRate} queries/s)`;
  }
  if (args['write-trace']) writeFileSync(args['write-trace'], formatTrace(queries));

  const slotsPerInstance = number('slots', args.slots, DEFAULT_SIM_OPTIONS.slotsPerInstance, 1, 256);
  const targetCpu = number('target', args.target, DEFAULT_SIM_OPTIONS.targetCpu, 1, 100);
  const minCapacity = number('min', args.min, DEFAULT_SIM_OPTIONS.minCapacity, 0, 5000);
  const maxCapacity = number('max', args.max, DEFAULT_SIM_OPTIONS.maxCapacity, Math.max(1, minCapacity), 5000);
  const drainTimeoutSeconds = duration('drain-timeout', args['drain-timeout']!);
  const sweepText = args['sweep-timeouts'] ?? DEFAULT_SWEEP;
  const sweepTimeouts = sweepText === 'none' ? [] : sweepText.split(',').map((t) => duration('sweep-timeouts', t.trim()));
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
    slotsPerInstance,
    targetCpu,
    minCapacity,
    maxCapacity,
    drainTimeoutSeconds,
    staticCapacity,
    retryKilled: args['retry-killed']!,
    faults: args.faults ? DEFAULT_FAULTS : undefined,
    seed,
    degraded: number('degraded', args.degraded, 0, 0, 1),
    degradedMidRun: args['degraded-mid-run']!,
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

  const details: SimResult[] = [];
  for (const policy of POLICIES) details.push(await simulate(queries, { ...base, policy, onProgress: progress(policy) }));
  const sweepResults: SimResult[] = [];
  for (const t of sweepTimeouts) {
    sweepResults.push(await simulate(queries, { ...base, policy: 'signals', drainTimeoutSeconds: t, onProgress: progress(`signals ${formatDuration(t)}`) }));
  }

  const runs = details.map((d) => summaryFrom(d, o.instanceHours));
  const timeoutSweep = sweepResults.map(sweepRowFrom);
  const scenario: Scenario = {
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
    faults: args.faults!,
    degraded: base.degraded,
    degradedMidRun: base.degradedMidRun,
    ...(warmPool ? { warmPool: { size: warmPool.minSize, startSeconds: warmPool.startSeconds } } : {}),
    floorInstanceHours: Math.round(trackingFloor(queries, slotsPerInstance, targetCpu, minCapacity, maxCapacity) * 10) / 10,
  };
  const invariants = [...details, ...sweepResults].map((d) => d.invariants).filter((i) => i !== undefined);
  const violated = invariants.some((i) => violations(i!).length > 0);

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ scenario, runs, timeoutSweep })}\n`);
  } else {
    const path = resolve(args.report!);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, htmlReport(scenario, runs, timeoutSweep, details));
    console.log(textSummary(scenario, runs, timeoutSweep));
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
