/** The run's counters turned into its result, and the invariants checked on the way. */
import { FORCE_MARGIN_SECONDS } from '../core/lifecycle-limits';
import { percentile } from '../core/util/stats';
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
    queueDelayP50S: percentile(sim.queueDelays, 50),
    queueDelayP95S: percentile(sim.queueDelays, 95),
    queryLatencyP50S: percentile(sim.latencies, 50),
    queryLatencyP95S: percentile(sim.latencies, 95),
    drainSecondsP50: percentile(sim.drainSeconds, 50),
    drainSecondsP99: percentile(sim.drainSeconds, 99),
    drainedToCompletedP50S: percentile(sim.drainedToCompleted, 50),
    drainedToCompletedP99S: percentile(sim.drainedToCompleted, 99),
    forcedTerminations: sim.forced,
    gracefulTerminations: sim.graceful,
    instancesMax: sim.instancesMax,
    events: sim.events,
    killedDurations: sim.killedDurations,
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
  return {
    injected,
    replaced: sim.replacedDegraded,
    falseReplacements: sim.replacedHealthy,
    detected: called.length,
    falseDetections: called.length - right.length,
    precision: called.length === 0 ? 1 : right.length / called.length,
    recall: injected === 0 ? 1 : right.length / injected,
    detectionDelayP50S: percentile(delays, 50),
    detectionDelayP95S: percentile(delays, 95),
    slowedQueries: sim.slowedQueries,
  };
}
