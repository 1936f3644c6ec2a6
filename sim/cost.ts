/**
 * Dollars for a simulated run, from the pure cost model (core/cost/): the fleet's EC2 and EBS from the
 * run's instance-hours, and what the autoscaler itself costs over the run.
 *
 * The autoscaler's own cost is not counted call by call: the agent's PutMetricData and the straggler
 * function's GetMetricData are closures in the simulator, not in-memory ports that could count them. It
 * is own-usage.ts's steady-fleet model at the run's mean fleet (instance-hours ÷ hours), prorated to the
 * run's hours: the per-instance part (the agent's requests and metrics, the straggler function's reads)
 * grows with instance-hours, the per-minute part (scheduled functions, per-fleet metrics) with the run's
 * length. What the stack holds regardless of load (alarms, the dashboard, the KMS key) is left out: the
 * simulator synthesizes no stack; `npm run bench:cost` prices it (about $6 a month).
 */
import { DEFAULT_AGENT_INTERVAL_SECONDS } from '../core/contract/metrics';
import { profileOf } from '../core/cost/product-profile';
import { UsageItem, fleetUsage, ownUsd, priceUsage } from '../core/cost/bill';
import { RuntimeProfile, ScheduledFunction, ownMonthlyUsage } from '../core/cost/own-usage';
import { HOURS_PER_MONTH, PriceTable, instancePrice } from '../core/cost/prices';
import { PolicyName } from './fleet-sim';
import { drains } from './options';

/** The instance type priced when none is named. */
export const DEFAULT_INSTANCE_TYPE = 'm7i.2xlarge';
/** Each worker's gp3 root volume: WorkerFleet's DEFAULT_ROOT_VOLUME_SIZE, the fleet configuration's default (a test keeps them equal). */
export const DEFAULT_ROOT_VOLUME_GIB = 50;
/** Memory and architecture of every controller function: ControllerFunction's defaults (a test keeps them equal). */
export const FUNCTION_MEMORY_MB = 512;

/** What a run's dollars are priced at. */
export interface SimPricing {
  readonly table: PriceTable;
  readonly instanceType: string;
  readonly rootVolumeGiB: number;
}

/** The fleet's EC2 and EBS for a run's instance-hours. */
export function fleetCostUsd(instanceHours: number, p: SimPricing): number {
  return priceUsage(fleetUsage(p.instanceType, instanceHours, p.rootVolumeGiB), p.table).totalUsd;
}

/** One instance-hour's EC2 and root volume, the slope of the cost-over-time chart. */
export function instanceHourUsd(p: SimPricing): number {
  return fleetCostUsd(1, p);
}

/**
 * Dollars accumulated over the run from a timeline of instance counts (each sample's count held until
 * the next), one point per sample. The run's exact figure comes from its instance-hours; this curve
 * follows the report's 5-minute samples, so its end lands near it, not on it.
 */
export function accumulatedCost(timeline: readonly { readonly t: number; readonly instances: number }[], p: SimPricing): [number, number][] {
  const rate = instanceHourUsd(p);
  const out: [number, number][] = [];
  let usd = 0;
  for (let k = 0; k < timeline.length; k++) {
    if (k > 0) usd += (timeline[k - 1].instances * (timeline[k].t - timeline[k - 1].t) * rate) / 3600;
    out.push([timeline[k].t, usd]);
  }
  return out;
}

/** What the product runs in a simulated policy: the agent always, the straggler and signals functions with `signals`. */
export function simulatedProfile(policy: PolicyName, stragglerActions: boolean, pricing = true): { profile: RuntimeProfile; scheduled: ScheduledFunction[] } {
  const ours = drains(policy);
  const detecting = policy === 'signals' && stragglerActions;
  const signalling = policy === 'signals';
  const fn = (logicalId: string, component: ScheduledFunction['component']): ScheduledFunction => ({
    logicalId,
    component,
    memoryMb: FUNCTION_MEMORY_MB,
    architecture: 'arm64',
    // Each runs once a minute (SWEEP_PERIOD, STRAGGLER_PERIOD, SIGNALS_PERIOD), as the simulator runs them.
    invocationsPerMonth: HOURS_PER_MONTH * 60,
  });
  return {
    // The agent runs only where our drain reads it; the other policies are plain Auto Scaling.
    profile: profileOf({ workers: 0, fleets: 1, agentIntervalSeconds: ours ? DEFAULT_AGENT_INTERVAL_SECONDS : undefined, detecting: detecting ? 1 : 0, signalling: signalling ? 1 : 0, pricingDrains: signalling && pricing ? 1 : 0 }),
    scheduled: [
      ...(ours ? [fn('DrainSweep', 'drain controller')] : []),
      ...(detecting ? [fn('Stragglers', 'straggler detection')] : []),
      ...(signalling ? [fn('ScalingSignals', 'scaling signals')] : []),
    ],
  };
}

/**
 * The autoscaler's usage over a run of `runHours` whose fleet spent `instanceHours`: own-usage.ts's month
 * at the run's mean fleet, scaled to the run's hours.
 */
export function simulatedOwnUsage(policy: PolicyName, stragglerActions: boolean, instanceHours: number, runHours: number, pricing = true): UsageItem[] {
  if (!(runHours > 0)) return [];
  const { profile, scheduled } = simulatedProfile(policy, stragglerActions, pricing);
  const inventory = { alarmMetrics: { standard: 0, highResolution: 0 }, targetTrackingAlarmMetrics: 0, dashboards: 0, kmsKeys: 0, scheduled };
  const share = runHours / HOURS_PER_MONTH;
  return ownMonthlyUsage(inventory, { ...profile, workers: instanceHours / runHours }).map((item) => ('quantity' in item ? { ...item, quantity: item.quantity * share } : item));
}

/** The autoscaler's own dollars over a run. */
/** `pricing`: the drain's price check runs with signals (on by default, as deployed). */
export function ownCostUsd(policy: PolicyName, stragglerActions: boolean, instanceHours: number, runHours: number, table: PriceTable, pricing = true): number {
  return ownUsd(priceUsage(simulatedOwnUsage(policy, stragglerActions, instanceHours, runHours, pricing), table));
}

/** Checks the instance type has a price before any run (PriceTableError otherwise). */
export function checkPricing(p: SimPricing): void {
  instancePrice(p.table, p.instanceType);
}
