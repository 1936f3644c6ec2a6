/**
 * Every STRAGGLER_RUN_MINUTES (core/contract/metrics.ts), for every fleet with straggler detection on: read each in-service worker's pressure
 * over the sliding window, judge them (core/stragglers.ts), publish what was found, and, where
 * the fleet asks for it, mark one persistent straggler unhealthy so Auto Scaling replaces it. The
 * replacement goes through our termination hook like any other termination, so the worker drains first.
 *
 * At most one replacement in flight per fleet (Sage's rule): none while any instance of the group is
 * unhealthy, launching or terminating, whatever the cause, and none while scale-in is held (an operator's
 * pause or a deployment). Fleets are independent: one whose group or metrics cannot be read is skipped and logged.
 */
import { capError, capText } from '../../core/util/log-text';
import { StragglerFleet } from '../../core/contract/straggler-settings';
import { BOTTLENECKED_MINUTES_METRIC, PeerModelMemo, WorkerVerdict, detectStragglers, trimMemo } from '../../core/stragglers';
import { FORCE_MARGIN_SECONDS, globalTimeoutFor } from '../../core/lifecycle-limits';
import { ControllerLog, DrainRecord, DrainStore, InstanceHealth, PressureSource, ScaleInHold, StragglerDatapoint, StragglerGroup, StragglerGroups } from '../../core/ports';
import { DEFERRED_METRIC, DETECTION_FAILED_METRIC, REPLACEMENTS_METRIC, STRAGGLERS_METRIC } from '../../core/contract/metrics';

export interface StragglerDeps {
  readonly fleets: readonly StragglerFleet[];
  readonly groups: StragglerGroups;
  readonly pressure: PressureSource;
  readonly health: InstanceHealth;
  /**
   * The drain table: its scale-in holds (runbook pauses, deployments), which a replacement waits for;
   * and its drains, whose deadline a replaced straggler's drain is given.
   */
  readonly store: Pick<DrainStore, 'listHolds' | 'listActive' | 'setDeadline'>;
  readonly publish: (datapoints: readonly StragglerDatapoint[]) => Promise<void>;
  readonly log: ControllerLog;
  readonly now: () => number;
  /** Keep peer models and beliefs between runs (a warm container, the simulator); see PeerModelMemo. @default none */
  readonly memo?: boolean;
}

/** Launching or terminating (DescribeAutoScalingGroups lifecycle states): the fleet is mid-change. */
const UNSETTLED = /^(Terminating|Pending)/;

export interface FleetOutcome {
  readonly fleet: string;
  readonly verdicts: readonly WorkerVerdict[];
  readonly replaced?: string;
  readonly deferred?: string;
  readonly error?: string;
}

export function makeStragglerHandler(deps: StragglerDeps) {
  const memos = new Map<string, PeerModelMemo>();
  return async (): Promise<FleetOutcome[]> => {
    const now = deps.now();
    // The window ends at the last whole minute: the minute in progress has only part of its readings.
    const endMs = Math.floor(now / 60_000) * 60_000;
    if (deps.memo) {
      for (const f of deps.fleets) {
        const memo = memos.get(f.fleet) ?? { newestMinuteAt: 0, models: new Map(), beliefs: new Map() };
        memo.newestMinuteAt = endMs - 60_000;
        trimMemo(memo, f.detector.windowMinutes);
        memos.set(f.fleet, memo);
      }
    }
    const outcomes: FleetOutcome[] = [];
    const datapoints: StragglerDatapoint[] = [];
    let groups: Map<string, StragglerGroup>;
    try {
      groups = await deps.groups.describe(deps.fleets.map((f) => f.groupName));
    } catch (e) {
      deps.log.error('groups unavailable; no straggler detection this run', { error: capError(e) });
      for (const f of deps.fleets) datapoints.push({ name: DETECTION_FAILED_METRIC, fleet: f.fleet, value: 1, unit: 'Count' });
      await publish(deps, datapoints);
      return deps.fleets.map((f) => ({ fleet: f.fleet, verdicts: [], error: 'groups unavailable' }));
    }
    // Read only when a replacement is about to be made, and then once for every fleet.
    let holdsRead: Promise<readonly ScaleInHold[]> | undefined;
    const holds = () => (holdsRead ??= deps.store.listHolds());
    for (const fleet of deps.fleets) {
      const outcome = await judgeFleet(deps, fleet, groups.get(fleet.groupName), holds, endMs, datapoints, memos.get(fleet.fleet)).catch((e): FleetOutcome => {
        deps.log.error('straggler detection failed for this fleet; the others go on', { fleet: fleet.fleet, groupName: capText(fleet.groupName), error: capError(e) });
        datapoints.push({ name: DETECTION_FAILED_METRIC, fleet: fleet.fleet, value: 1, unit: 'Count' });
        return { fleet: fleet.fleet, verdicts: [], error: capError(e) };
      });
      outcomes.push(outcome);
    }
    await extendReplacedDrains(deps, groups, now);
    await publish(deps, datapoints);
    return outcomes;
  };
}

/**
 * A replaced straggler drains for its fleet's `replaceDrainTimeoutSeconds`, not the drain timeout: once
 * stopped it takes no new work, so its queries finishing slowly costs only its own time, where a force
 * would kill them. Applied to every unhealthy instance waiting on our hook in a replacing fleet, within
 * the hook's global limit, as the extend-drain runbook does. An instance that failed another health check
 * gets it too: if it is dead it reports nothing and waits out the longer deadline, at its own cost only.
 */
async function extendReplacedDrains(deps: StragglerDeps, groups: Map<string, StragglerGroup>, now: number): Promise<void> {
  const waiting = deps.fleets
    .filter((f) => f.replace)
    .map((f) => ({ f, unhealthy: new Set((groups.get(f.groupName)?.instances ?? []).filter((i) => i.healthStatus === 'Unhealthy' && i.lifecycleState === 'Terminating:Wait').map((i) => i.instanceId)) }))
    .filter((w) => w.unhealthy.size > 0);
  // Most minutes nothing replaced is waiting on the hook: then the drain table is not read.
  if (waiting.length === 0) return;
  let active: DrainRecord[];
  try {
    active = await deps.store.listActive();
  } catch (e) {
    deps.log.warn('drains unreadable; replaced stragglers keep their deadline this run', { error: capError(e) });
    return;
  }
  for (const { f, unhealthy } of waiting) {
    for (const r of active) {
      if (r.groupName !== f.groupName || !unhealthy.has(r.instanceId)) continue;
      const limit = r.waitStartedAt + (globalTimeoutFor(r.heartbeatTimeoutSeconds) - FORCE_MARGIN_SECONDS) * 1000;
      const wanted = Math.min(limit, r.waitStartedAt + f.replaceDrainTimeoutSeconds * 1000);
      if (r.deadlineAt >= wanted || now >= r.deadlineAt) continue;
      if (await deps.store.setDeadline(r.instanceId, wanted, true).catch(() => false)) {
        deps.log.info('replaced straggler given its longer drain', { fleet: f.fleet, instanceId: r.instanceId, previousDeadline: new Date(r.deadlineAt).toISOString(), deadline: new Date(wanted).toISOString() });
      }
    }
  }
}

async function judgeFleet(
  deps: StragglerDeps,
  fleet: StragglerFleet,
  group: StragglerGroup | undefined,
  holds: () => Promise<readonly ScaleInHold[]>,
  endMs: number,
  datapoints: StragglerDatapoint[],
  memo: PeerModelMemo | undefined,
): Promise<FleetOutcome> {
  if (!group) throw new Error(`group ${fleet.groupName} not found`);
  const inService = group.instances.filter((i) => i.lifecycleState === 'InService' && i.healthStatus === 'Healthy').map((i) => i.instanceId);
  const pressure = await deps.pressure.read(fleet.groupName, inService, endMs, fleet.detector.windowMinutes);
  // Every in-service worker is judged, one with no readings as having none. When the port answered for
  // exactly those workers (most minutes), its map is that already: no copy of it per minute.
  const complete = pressure.size === inService.length && inService.every((id) => pressure.has(id));
  const verdicts = detectStragglers(complete ? pressure : new Map(inService.map((id) => [id, pressure.get(id) ?? {}])), fleet.detector, memo);
  const stragglers = verdicts.filter((v) => v.straggler).sort((a, b) => b.bottleneckedMinutes - a.bottleneckedMinutes || b.posterior - a.posterior);
  datapoints.push({ name: STRAGGLERS_METRIC, fleet: fleet.fleet, value: stragglers.length, unit: 'Count' });
  for (const v of verdicts) {
    // Only workers with a bottleneck now: the termination policy reads a missing datapoint as none.
    if (v.bottleneckedMinutes > 0) datapoints.push({ name: BOTTLENECKED_MINUTES_METRIC, fleet: fleet.fleet, value: v.bottleneckedMinutes, unit: 'Count', instance: { instanceId: v.instanceId, groupName: fleet.groupName } });
  }
  for (const v of stragglers) deps.log.info('straggler', { fleet: fleet.fleet, groupName: capText(fleet.groupName), ...evidence(v) });
  let replaced: string | undefined;
  let deferred: string | undefined;
  if (fleet.replace && stragglers.length > 0) {
    deferred = await replacementBlocked(fleet, group, holds);
    if (!deferred) {
      const target = stragglers[0];
      // Auto Scaling takes it out of service and terminates it through our hook (Terminating:Wait), so
      // the drain controller drains it; with no instance maintenance policy it launches the replacement
      // at the same time (user guide, "Health checks for instances in an Auto Scaling group").
      try {
        await deps.health.markUnhealthy(target.instanceId);
        replaced = target.instanceId;
        deps.log.warn('straggler marked unhealthy for replacement', { fleet: fleet.fleet, groupName: capText(fleet.groupName), ...evidence(target) });
      } catch (e) {
        // The instance may have left the group since the describe; the next minute judges afresh.
        deferred = `SetInstanceHealth failed: ${capError(e)}`;
      }
    }
    if (deferred) deps.log.info('straggler replacement deferred', { fleet: fleet.fleet, reason: deferred, instanceId: stragglers[0].instanceId });
  }
  datapoints.push({ name: REPLACEMENTS_METRIC, fleet: fleet.fleet, value: replaced ? 1 : 0, unit: 'Count' });
  datapoints.push({ name: DEFERRED_METRIC, fleet: fleet.fleet, value: deferred ? 1 : 0, unit: 'Count' });
  return { fleet: fleet.fleet, verdicts, ...(replaced ? { replaced } : {}), ...(deferred ? { deferred } : {}) };
}

/**
 * Why a replacement must wait, or undefined: one in flight at a time per fleet (Sage), so none while an
 * instance of the group is unhealthy, launching or terminating, whatever the cause; and none while
 * scale-in is held (a runbook pause or a deployment), or while the holds cannot be read.
 */
async function replacementBlocked(fleet: StragglerFleet, group: StragglerGroup, holds: () => Promise<readonly ScaleInHold[]>): Promise<string | undefined> {
  const unsettled = group.instances.filter((i) => i.healthStatus !== 'Healthy' || UNSETTLED.test(i.lifecycleState));
  if (unsettled.length > 0) {
    return `one replacement in flight at a time: ${unsettled.length} instance(s) unhealthy, launching or terminating (${unsettled.slice(0, 3).map((i) => `${i.instanceId} ${i.lifecycleState}`).join(', ')})`;
  }
  let held: readonly ScaleInHold[];
  try {
    held = (await holds()).filter((h) => h.groupName === fleet.groupName);
  } catch (e) {
    return `scale-in holds unreadable: ${capError(e)}`;
  }
  return held.length > 0 ? `scale-in held by ${held.map((h) => h.holder).join(', ')}` : undefined;
}

/** What an operator needs to check a verdict: the resource, how long, how sure, and the numbers. */
function evidence(v: WorkerVerdict): Record<string, unknown> {
  return {
    instanceId: v.instanceId,
    resource: v.resource,
    bottleneckedMinutes: v.bottleneckedMinutes,
    posterior: round(v.posterior),
    forecast: round(v.forecast),
    valuePercent: v.value === undefined ? undefined : round(v.value),
    expectedPercent: v.expected === undefined ? undefined : round(v.expected),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function publish(deps: StragglerDeps, datapoints: readonly StragglerDatapoint[]): Promise<void> {
  try {
    await deps.publish(datapoints);
  } catch (e) {
    deps.log.error('publishing straggler metrics failed', { error: capError(e), datapoints: datapoints.length });
  }
}
