/**
 * Once a minute, for every fleet with signals on: read the coordinator's queue, the group and its CPU,
 * decide (core/scaling-policy.ts), and publish the needed-to-current ratio a second target
 * tracking policy follows, the signals behind it, and which rule decided. Fleets are independent: one
 * coordinator that does not answer costs that fleet its datapoint (its ratio policy then sees missing
 * data and neither scales out nor agrees to a scale-in), never the others theirs.
 */
import { CoordinatorSignals, WORKING_CPU_PERCENT, countCoordinatorQueries, queriesInvisible } from '../../core/coordinator-signals';
import { capError, capValue } from '../../core/util/log-text';
import { cloudWatchAccepts } from '../../core/metric-value';
import { FleetSignals, ScalingDecision, decideScaling } from '../../core/scaling-policy';
import { SignalsFleet } from '../../core/contract/signals-settings';
import { ControllerLog, DrainRecord, SignalDatapoint, SignalGroups, SignalHistory } from '../../core/ports';
import { DrainPricingDeps, priceFleetDrains } from './drain-pricing';
import {
  BACKLOG_SECONDS_METRIC,
  CPU_SECONDS_METRIC,
  DECISION_METRIC,
  FINISHED_METRIC,
  QUERIES_INVISIBLE_METRIC,
  QUEUED_METRIC,
  RATIO_METRIC,
  RUNNING_METRIC,
  SIGNALS_FAILED_METRIC,
} from '../../core/contract/metrics';

export interface SignalsDeps {
  readonly fleets: readonly SignalsFleet[];
  readonly coordinator: { queries(url: string): Promise<unknown> };
  readonly groups: SignalGroups;
  readonly history: SignalHistory;
  readonly publish: (datapoints: readonly SignalDatapoint[]) => Promise<void>;
  readonly log: ControllerLog;
  readonly now: () => number;
  /** The drain's price check, for the fleets that have it (drain-pricing.ts); absent when none does. */
  readonly drainPricing?: Omit<DrainPricingDeps, 'log'>;
}

export interface SignalsSummary {
  readonly decided: Record<string, ScalingDecision['rule']>;
  readonly failed: readonly string[];
}

export function makeScalingSignalsHandler(deps: SignalsDeps) {
  return async (): Promise<SignalsSummary> => {
    const now = deps.now();
    const [groups, history] = await Promise.all([deps.groups.describe(deps.fleets.map((f) => f.groupName)), deps.history.read(deps.fleets, now)]);
    const out: SignalDatapoint[] = [];
    const decided: Record<string, ScalingDecision['rule']> = {};
    const failed: string[] = [];
    // Every drain, read once for all the fleets that price theirs, and only when one does.
    let activeDrains: Promise<DrainRecord[]> | undefined;
    const active = () => (activeDrains ??= deps.drainPricing!.drains.listActive());
    // Each fleet's price check, run once every fleet's scaling datapoints are published.
    const pricing: (() => Promise<SignalDatapoint[]>)[] = [];
    // One PutMetricData carries every fleet's datapoints and CloudWatch rejects it whole for one value it
    // does not accept (NaN, Infinity, beyond ±1.17e108, nearer zero than 8.5e-109): such a value, which only
    // a broken or hostile coordinator's numbers can produce, is logged and left out, never sent.
    const publishable = (p: SignalDatapoint) => {
      if (cloudWatchAccepts(p.value)) return true;
      deps.log.warn('datapoint not published: its value is outside what CloudWatch accepts', { fleet: p.fleet, metric: p.name, value: capValue(String(p.value)) });
      return false;
    };
    await Promise.all(
      deps.fleets.map(async (f) => {
        const group = groups.get(f.groupName);
        let seen: CoordinatorSignals;
        let body: unknown;
        try {
          if (!group) throw new Error(`group ${f.groupName} not found`);
          body = await deps.coordinator.queries(f.coordinatorUrl);
          seen = countCoordinatorQueries(body, now);
        } catch (e) {
          failed.push(f.fleet);
          out.push({ name: SIGNALS_FAILED_METRIC, fleet: f.fleet, value: 1, unit: 'Count' });
          deps.log.warn('signals unavailable: no ratio published for this fleet this minute', { fleet: f.fleet, error: capError(e) });
          return;
        }
        const h = history.get(f.fleet) ?? {};
        // Decided on all the same: CPU still sizes its scale-ins. The queue alone cannot be seen.
        const invisible = queriesInvisible(seen, h.cpuPercent);
        if (invisible) {
          out.push({ name: QUERIES_INVISIBLE_METRIC, fleet: f.fleet, value: 1, unit: 'Count' });
          deps.log.warn(
            `the coordinator lists no queries while the fleet's CPU is at least ${WORKING_CPU_PERCENT}%: Trino lists only the queries our user may view, ` +
              'so allow it to view all (a query rule with "allow": ["view"] for every queryOwner), or check that coordinatorUrl is this fleet\'s coordinator. ' +
              'Until then its queue reads empty and it never scales out on it',
            { fleet: f.fleet, coordinatorUrl: f.coordinatorUrl, cpuPercent: h.cpuPercent },
          );
        }
        let signals: FleetSignals = {
          capacity: group.capacity,
          minCapacity: group.minCapacity,
          maxCapacity: group.maxCapacity,
          queued: seen.queued,
          running: seen.running,
          finishedPerMinute: seen.finishedLastMinute,
          backlogGrowthPerMinute: h.previousQueued === undefined ? 0 : seen.queued - h.previousQueued,
          cpuPercent: h.cpuPercent,
          busyInstances: h.busyInstances ?? [],
          launching: group.launching,
          warm: group.inService.length,
        };
        let decision = decideScaling(signals, f.policy);
        // Only a scale-out depends on which instances still warm up (its ratio is relative to the warm
        // ones), so only then are the group's activities read. Unreadable, every in-service instance counts
        // as warm: during a warmup the ratio then asks a little less, never more.
        let warmUnknown = false;
        if (decision.needed !== undefined && decision.needed > group.capacity && group.inService.length > 0) {
          const warm = await deps.groups.warm(f.groupName, group.inService);
          if (warm === undefined) warmUnknown = true;
          else if (warm !== signals.warm) {
            signals = { ...signals, warm };
            decision = decideScaling(signals, f.policy);
          }
        }
        decided[f.fleet] = decision.rule;
        const points: SignalDatapoint[] = [
          { name: QUEUED_METRIC, fleet: f.fleet, value: seen.queued, unit: 'Count' },
          { name: RUNNING_METRIC, fleet: f.fleet, value: seen.running, unit: 'Count' },
          { name: FINISHED_METRIC, fleet: f.fleet, value: seen.finishedLastMinute, unit: 'Count' },
          { name: CPU_SECONDS_METRIC, fleet: f.fleet, value: seen.finishedCpuSecondsLastMinute, unit: 'Seconds' },
          { name: DECISION_METRIC, fleet: f.fleet, rule: decision.rule, value: 1, unit: 'Count' },
        ];
        // CloudWatch takes no Infinity: a backlog nothing drains is published as the stalled rule, not a number.
        if (Number.isFinite(decision.backlogSeconds)) points.push({ name: BACKLOG_SECONDS_METRIC, fleet: f.fleet, value: decision.backlogSeconds, unit: 'Seconds' });
        if (decision.ratio !== undefined) points.push({ name: RATIO_METRIC, fleet: f.fleet, value: decision.ratio, unit: 'None' });
        out.push(...points.filter(publishable));
        if (f.drainPricing && deps.drainPricing) {
          const pricingDeps = { ...deps.drainPricing, log: deps.log };
          const fleet = { fleet: f.fleet, groupName: f.groupName, drainPricing: f.drainPricing };
          pricing.push(() => priceFleetDrains(pricingDeps, fleet, body, now, active));
        }
        deps.log.info('scaling decision', {
          fleet: f.fleet,
          rule: decision.rule,
          needed: decision.needed,
          ratio: decision.ratio,
          backlogSeconds: Number.isFinite(decision.backlogSeconds) ? decision.backlogSeconds : 'unbounded',
          throughputCapped: seen.throughputCapped,
          ...(warmUnknown ? { warmUnknown: true } : {}),
          ...(invisible ? { queriesInvisible: true } : {}),
          unreadableQueries: seen.unreadable,
          ...(seen.unreadableCpuTimes > 0 ? { unreadableCpuTimes: seen.unreadableCpuTimes } : {}),
          inputs: signals,
        });
      }),
    );
    // The scaling datapoints go first: the price check's reads and writes of the drain table, however
    // slow, never cost any fleet its ratio for the minute.
    if (out.length > 0) await deps.publish(out);
    if (pricing.length > 0) {
      const priced = (await Promise.all(pricing.map((run) => run()))).flat().filter(publishable);
      if (priced.length > 0) await deps.publish(priced);
    }
    return { decided, failed };
  };
}
