/** The run's counters turned into its result, and the invariants checked on the way. */
import { FORCE_MARGIN_SECONDS } from '../core/lifecycle-limits';
import { percentiles } from '../core/util/stats';
import { drains } from './options';
import { SimResult, StragglerReport, WarmPoolReport } from './result';
import { SimState } from './state';


export function checkInvariants(sim: SimState): void {
  for (const i of sim.instances.values()) {
    // Its deadline (a replaced straggler's is longer) + 2 sweeps.
    if (i.state === 'Terminating:Wait' && sim.now > sim.deadlineOf(i) + FORCE_MARGIN_SECONDS) sim.pastDeadline.add(i.id);
  }
}


export function account(sim: SimState, time: number): void {
  sim.instanceSeconds += sim.instances.size * (time - sim.lastAccounted);
  sim.lastAccounted = time;
}


export function result(sim: SimState): SimResult {
  for (const p of sim.pool.splice(0)) sim.leavePool(p);
  const completedTwice = [...sim.fleet.completions.values()].filter((n) => n > 1).length;
  // Each sample sorted once for both of its percentiles: a million queries' delays and latencies.
  const [queueDelayP50S, queueDelayP95S] = percentiles(sim.queueDelays, [50, 95]);
  const [queryLatencyP50S, queryLatencyP95S] = percentiles(sim.latencies, [50, 95]);
  const [drainSecondsP50, drainSecondsP99] = percentiles(sim.drainSeconds, [50, 99]);
  const [drainedToCompletedP50S, drainedToCompletedP99S] = percentiles(sim.drainedToCompleted, [50, 99]);
  return {
    policy: sim.o.policy,
    engine: sim.engine,
    drainTimeoutSeconds: sim.o.drainTimeoutSeconds,
    instanceHours: (sim.instanceSeconds + (sim.o.warmPool ? sim.poolStats.runningSeconds : 0)) / 3600,
    queries: sim.queries.length,
    queriesCompleted: sim.completed,
    queriesKilled: sim.killed,
    killedSeconds: sim.killedSeconds,
    ...(sim.engine === 'trino-fte' ? { tasksRedone: sim.tasksRedone, redoneTaskSeconds: sim.redoneTaskSeconds } : {}),
    queueDelayP50S,
    queueDelayP95S,
    queryLatencyP50S,
    queryLatencyP95S,
    drainSecondsP50,
    drainSecondsP99,
    drainedToCompletedP50S,
    drainedToCompletedP99S,
    forcedTerminations: sim.forced,
    gracefulTerminations: sim.graceful,
    instancesMax: sim.instancesMax,
    events: sim.events,
    killedDurations: sim.killedDurations,
    killedAt: sim.killedAt,
    killedAges: sim.killedAges,
    drainSeconds: sim.drainSeconds,
    drainedToCompleted: sim.drainedToCompleted,
    drainReports: sim.drainReports,
    scalingActions: sim.scalingActions,
    flaps: sim.flaps,
    ...(sim.o.policy === 'signals' ? { decisions: { ...sim.decisions }, ...(sim.o.scaleInMode === 'gate' ? { scaleInGate: { ...sim.gateRules } } : {}), ...(sim.o.drainExtension ? { drainExtensions: { ...sim.drainRules } } : {}) } : {}),
    timeline: sim.timeline,
    invariants:
      drains(sim.o.policy)
        ? {
            terminatedBusyBeforeDeadline: sim.terminatedBusyBeforeDeadline,
            waitingPastDeadline: sim.pastDeadline.size,
            completedTwiceWithEffect: completedTwice,
            completedInUnsafeWindow: sim.completedInUnsafeWindow,
          }
        : undefined,
    ...(sim.o.faults ? { faultsInjected: { ...sim.injected } } : {}),
    ...(sim.o.degraded > 0 || sim.detectStragglers ? { stragglers: stragglerReport(sim) } : {}),
    ...(sim.o.warmPool ? { warmPool: warmPoolReport(sim) } : {}),
  };
}


export function warmPoolReport(sim: SimState): WarmPoolReport {
  const { launched, started, launchedDirect, runningSeconds, stoppedSeconds, largest } = sim.poolStats;
  return { launched, started, launchedDirect, runningHours: runningSeconds / 3600, stoppedHours: stoppedSeconds / 3600, largest };
}


export function stragglerReport(sim: SimState): StragglerReport {
  const called = [...sim.firstCalled.entries()];
  // A verdict before the instance's onset was a false one, even if the instance degraded later.
  const right = called.filter(([id, at]) => sim.degradedSeen.has(id) && at >= sim.degradedSeen.get(id)!);
  const delays = right.map(([id, at]) => at - sim.degradedSeen.get(id)!);
  const injected = sim.degradedSeen.size;
  const [detectionDelayP50S, detectionDelayP95S] = percentiles(delays, [50, 95]);
  return {
    injected,
    replaced: sim.replacedDegraded,
    falseReplacements: sim.replacedHealthy,
    detected: called.length,
    falseDetections: called.length - right.length,
    precision: called.length === 0 ? 1 : right.length / called.length,
    recall: injected === 0 ? 1 : right.length / injected,
    detectionDelayP50S,
    detectionDelayP95S,
    slowedQueries: sim.slowedQueries,
  };
}
