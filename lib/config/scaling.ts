/** Resolves a fleet's scaling on the coordinator's signals. */
import { formatDuration } from '../../core/util/duration';
import { DEFAULT_SCALING_POLICY } from '../../core/scaling-policy';
import { FleetInput } from './input';
import { Problems } from './problems';
import { FleetConfig } from './resolved';
import { DrainPricingSettings } from '../../core/contract/signals-settings';
import { DEFAULT_DRAIN_EXTENSION } from '../../core/drain-extension';
import { MAX_DRAIN_TIMEOUT_SECONDS } from '../../core/lifecycle-limits';
import { vcpusOf } from '../../core/instance-vcpus';

/** The fleet's scaling signals: on by default when there is a coordinator to poll, refused on without one. */
export function resolveScaling(p: Problems, at: string, f: FleetInput): FleetConfig['scaling'] {
  const s = f.scaling ?? {};
  if (s.signals !== undefined && typeof s.signals !== 'boolean') {
    p.add(`${at}.signals`, s.signals, 'must be true or false');
    return undefined;
  }
  const on = s.signals ?? f.coordinatorUrl !== undefined;
  if (!on) return undefined;
  if (!p.check(f.coordinatorUrl !== undefined, `${at}.signals`, true, "needs the fleet's coordinatorUrl: the signals are the coordinator's queue")) return undefined;
  const targetBacklogSeconds = p.duration(`${at}.targetBacklog`, s.targetBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.targetBacklogSeconds), 10, 3600, ' (Dataflow\'s R: shorter than 10 s chases single queries)');
  const toleratedBacklogSeconds = p.duration(`${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.toleratedBacklogSeconds), 0, 3600);
  const scaleInLookbackMinutes = s.scaleInLookbackMinutes ?? DEFAULT_SCALING_POLICY.scaleInLookbackMinutes;
  p.integer(`${at}.scaleInLookbackMinutes`, scaleInLookbackMinutes, 1, 60);
  const scaleInHorizonMinutes = s.scaleInHorizonMinutes ?? DEFAULT_SCALING_POLICY.scaleInHorizonMinutes;
  p.integer(`${at}.scaleInHorizonMinutes`, scaleInHorizonMinutes, 0, 60);
  if (targetBacklogSeconds !== undefined && toleratedBacklogSeconds !== undefined) {
    p.check(toleratedBacklogSeconds < targetBacklogSeconds, `${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(toleratedBacklogSeconds), `must be shorter than targetBacklog (${formatDuration(targetBacklogSeconds)}): a backlog the fleet tolerates cannot also be one it must clear`);
  }
  if (targetBacklogSeconds === undefined || toleratedBacklogSeconds === undefined) return undefined;
  return { targetBacklogSeconds, toleratedBacklogSeconds, scaleInLookbackMinutes, scaleInHorizonMinutes };
}

/**
 * The drain's price check of a fleet with signals on: on unless `priceDrains` is false. Its longest drain is
 * at least the fleet's drain timeout and inside the hook's limit; the instances' vCPUs come from the first
 * instance type (an adopted fleet's are unknown, and its queries' work then does not count, only their kill price).
 */
export function resolveDrainPricing(p: Problems, at: string, f: FleetInput, signalsOn: boolean, drainTimeoutSeconds: number | undefined): DrainPricingSettings | undefined {
  const s = f.scaling ?? {};
  if (s.priceDrains !== undefined && typeof s.priceDrains !== 'boolean') {
    p.add(`${at}.priceDrains`, s.priceDrains, 'must be true or false');
    return undefined;
  }
  if (s.priceDrains === false) return undefined;
  if (!signalsOn) {
    if (s.priceDrains === true) p.add(`${at}.priceDrains`, true, "needs the scaling signals (a coordinatorUrl, scaling.signals not false): the price check reads the coordinator's queries");
    return undefined;
  }
  const killPenaltyInstanceSeconds = p.duration(`${at}.killPrice`, s.killPrice ?? formatDuration(DEFAULT_DRAIN_EXTENSION.killPenaltyInstanceSeconds), 0, 30 * 86_400);
  // Unset, the longest drain is 6 h or the fleet's own drainTimeout when that is longer: a fleet that
  // already drains longer keeps its timeout (its deploys must not start failing on a default).
  const maxDrainSeconds =
    s.maxDrain === undefined
      ? drainTimeoutSeconds === undefined
        ? undefined
        : Math.max(DEFAULT_DRAIN_EXTENSION.maxDrainSeconds, drainTimeoutSeconds)
      : p.duration(`${at}.maxDrain`, s.maxDrain, 60, MAX_DRAIN_TIMEOUT_SECONDS, ': the 48h lifecycle-hook limit less 2m');
  if (killPenaltyInstanceSeconds === undefined || maxDrainSeconds === undefined || drainTimeoutSeconds === undefined) return undefined;
  if (!p.check(maxDrainSeconds >= drainTimeoutSeconds, `${at}.maxDrain`, s.maxDrain, `must be at least the fleet's drainTimeout (${formatDuration(drainTimeoutSeconds)}): the price check only ever lengthens a drain`)) return undefined;
  const types = (f as { instanceTypes?: unknown }).instanceTypes;
  // A query's work is priced in instances of the group's type: with several types, only when they all
  // have the same vCPUs (m7i/m6i/m5 of one size, as Trino's homogeneous workers usually are); with sizes
  // that differ, no one instance's worth is right, and the kills are priced without their work.
  const counts = Array.isArray(types) ? types.map((t) => (typeof t === 'string' ? vcpusOf(t) : undefined)) : [];
  const vcpus = counts.length > 0 && counts.every((c) => c !== undefined && c === counts[0]) ? counts[0] : undefined;
  return { killPenaltyInstanceSeconds, maxDrainSeconds, ...(vcpus === undefined ? {} : { vcpus }) };
}
