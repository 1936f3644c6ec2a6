#!/usr/bin/env node
/**
 * The fleet simulator CLI (`npm start` runs it with the default scenario).
 *
 *   npm start -- [--trace file.csv | --hourly profile.csv [--peak-running N]] [--json] [--sweep-timeouts 2m,5m,10m,20m,30m|none] [--faults]
 *                [--drain-timeout 10m] [--slots 8] [--target 40] [--min 2] [--max 500] [--days 2]
 *                [--peak-rate 1.2] [--shape diurnal|bursty|spikes] [--seed 1] [--retry-killed] [--skip-bad-rows] [--report path]
 *                [--write-trace path] [--degraded 0.05] [--degraded-mid-run] [--no-straggler-actions]
 *                [--straggler-drain-timeout 4h] [--scale-in-lookback 8] [--scale-in-horizon 15]
 *                [--predictive-scaling] [--warm-pool N [--warm-start 40]] [--instance-type m7i.2xlarge] [--region us-east-1] [--prices FILE]
 *                [--frontier 2m,10m,30m,2h,6h|none] [--tolerate-kills-per-day N] [--kill-nothing-younger-than D]
 *   npm start -- --help   every option, its default and meaning
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDuration } from '../core/util/duration';
import { DEFAULT_DRAIN_EXTENSION } from '../core/drain-extension';
import { DEFAULT_ENGINE, DEFAULT_FAULTS, DEFAULT_SIM_OPTIONS, DEFAULT_WARM_START_SECONDS, ENGINES, EngineName, POLICIES, SCALE_IN_MODES, ScaleInMode, SimOptions, SimResult, WarmPoolOptions, simulate } from '../sim/fleet-sim';
import { trackingFloor } from '../sim/floor';
import { oracle } from '../sim/oracle';
import { simulationProgress } from '../sim/progress';
import { ownCostUsd } from '../sim/cost';
import { Scenario, scenarioPrices, summaryFrom, sweepRowFrom, textSummary, violations } from '../sim/report';
import { htmlReport } from '../sim/report-html';
import { DEFAULT_FRONTIER_TIMEOUTS, FRONTIER_POLICY, Tolerance, analyseFrontier, frontierPointFrom } from '../sim/frontier';
import { frontierHtml, frontierText } from '../sim/frontier-report';
import { formatTrace } from '../sim/trace';
import { DEFAULT_REPORT, DEFAULT_SWEEP, duration, integer, number, parseOptions, usage, usageError } from './simulate/options';
import { pricingFrom } from './simulate/pricing';
import { workloadFrom } from './simulate/workload-input';

const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const args = parseOptions();
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
  const { queries, source, origin } = await workloadFrom(args, seed);
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
    ...(args['predictive-scaling'] ? { predictiveScaling: true } : {}),
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
    ...(args['predictive-scaling'] ? { predictiveScaling: true as const } : {}),
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
          frontierResults.map((r) => frontierPointFrom(r, pricing, o.end)),
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
