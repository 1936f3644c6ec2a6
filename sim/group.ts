/**
 * The Auto Scaling group: launches, the warm pool, lifecycle states, termination and the hook's expiry.
 */
import { COORDINATOR_CONFIRM_MS } from '../core/drain-report';
import { heartbeatTimeoutForDrain } from '../core/lifecycle-limits';
import { MemoryInstance } from './memory-ports';
import { DEGRADATION_CAUSES, WorkerPressureState } from './pressure';
import { TRINO_NODE_MAP_MEMO_SECONDS } from './engine';
import * as trino from './engine-trino';
import { drains } from './options';
import { GROUP, Instance, Run, SimState, ZONE } from './state';
import { RunSet } from './run-set';
import { PressureRing } from './pressure-ring';
import { BusyHistory } from './busy-history';


// ---- capacity -------------------------------------------------------------------------------

export function launch(sim: SimState, at: number, immediate = false, delaySeconds = sim.o.launchDelaySeconds): void {
  const instance: Instance = {
    id: `i-${(sim.seq++).toString(16).padStart(17, '0')}`,
    state: 'pending',
    launchedAt: at * 1000,
    warmUntil: 0,
    busy: 0,
    accepting: false,
    runs: new RunSet<Run>(sim.memberships),
    history: new BusyHistory(at, 0),
    busySlotSeconds: 0,
    lastChange: at,
    // The straggler function's window, up to the minute in progress, which the metric delay keeps
    // unpublished: the ring keeps that many minutes empty past its newest, so the window is a view.
    pressureReadings: new PressureRing(sim.o.stragglers.windowMinutes, Math.ceil(sim.o.metricDelaySeconds / 60)),
    unhealthy: false,
    ...drawDegradation(sim, at),
  };
  sim.instances.set(instance.id, instance);
  if (instance.degradedAt !== undefined) {
    if (instance.degradedAt <= at) sim.degradedSeen.set(instance.id, at);
    else sim.queue.push(instance.degradedAt, { kind: 'degrade', instance });
  }
  sim.fleet.launch(instance.id, GROUP);
  if (immediate) {
    // Initial capacity is already in service and warm when the trace starts.
    inService(sim, instance);
    instance.warmUntil = 0;
  } else {
    sim.queue.push(at + delaySeconds, { kind: 'launched', instance });
  }
}


/** One instance for the group now: started from the warm pool when one is stopped there, else launched. */
export function launchIntoGroup(sim: SimState): void {
  const wp = sim.o.warmPool;
  if (!wp) return launch(sim, sim.now);
  const ready = sim.pool.findIndex((p) => p.readyAt <= sim.now);
  if (ready < 0) {
    sim.poolStats.launchedDirect++;
    return launch(sim, sim.now);
  }
  const [taken] = sim.pool.splice(ready, 1);
  sim.poolStats.stoppedSeconds += sim.now - taken.readyAt;
  sim.poolStats.started++;
  launch(sim, sim.now, false, wp.startSeconds);
}


/** Auto Scaling's warm pool size for the current desired capacity (PutWarmPool, MaxGroupPreparedCapacity and MinSize). */
export function poolTarget(sim: SimState): number {
  const wp = sim.o.warmPool!;
  return Math.max(wp.minSize, (wp.maxPreparedCapacity ?? sim.o.maxCapacity) - sim.desired, 0);
}


/**
 * Brings the pool to its size: launches (billed while they boot, then stopped) or terminates the newest,
 * which are the likeliest still booting. `initial` fills it already stopped, as a fleet that ran before the trace.
 */
export function resizePool(sim: SimState, initial = false): void {
  if (!sim.o.warmPool) return;
  const target = poolTarget(sim);
  while (sim.pool.length < target) {
    if (initial) sim.pool.push({ readyAt: 0 });
    else {
      sim.pool.push({ readyAt: sim.now + sim.o.launchDelaySeconds });
      sim.poolStats.runningSeconds += sim.o.launchDelaySeconds;
      sim.poolStats.launched++;
    }
  }
  while (sim.pool.length > target) leavePool(sim, sim.pool.pop()!);
  sim.poolStats.largest = Math.max(sim.poolStats.largest, sim.pool.length);
}


/** A pool instance terminated: its boot time not yet spent is not billed; its stopped time is counted. */
export function leavePool(sim: SimState, p: { readyAt: number }): void {
  sim.poolStats.runningSeconds -= Math.max(0, p.readyAt - sim.now);
  sim.poolStats.stoppedSeconds += Math.max(0, sim.now - p.readyAt);
}


/** Whether a new instance lands on a bad host (or disk), why, and from when. */
export function drawDegradation(sim: SimState, at: number): { degradedAt?: number; pressure: WorkerPressureState } {
  const r = sim.degradeRng;
  const degraded = sim.o.degraded > 0 && r.next() < sim.o.degraded;
  const cause = DEGRADATION_CAUSES[r.int(DEGRADATION_CAUSES.length)];
  const onset = sim.o.degradedMidRun ? at + r.next() * Math.max(0, sim.horizon - at) : at;
  return { ...(degraded ? { degradedAt: onset } : {}), pressure: new WorkerPressureState(sim.pressureRng, sim.o.pressure, degraded ? cause : undefined) };
}


export function inService(sim: SimState, instance: Instance): void {
  if (instance.state !== 'pending') return;
  instance.state = 'InService';
  instance.warmUntil = sim.now + sim.o.warmupSeconds;
  instance.accepting = true;
  sim.enlist(instance);
  sim.dispatch();
}


export function count(sim: SimState, state: Instance['state']): number {
  let n = 0;
  for (const i of sim.instances.values()) if (i.state === state) n++;
  return n;
}


/** Brings pending + InService to the desired capacity. */
export async function applyDesired(sim: SimState): Promise<void> {
  const live = [...sim.instances.values()].filter((i) => i.state === 'pending' || i.state === 'InService');
  if (live.length < sim.desired) {
    for (let k = live.length; k < sim.desired; k++) launchIntoGroup(sim);
    resizePool(sim);
    return;
  }
  resizePool(sim);
  const excess = live.length - sim.desired;
  if (excess <= 0) return;
  // Pending instances go first (nothing runs on them), then the termination policy chooses.
  const pending = live.filter((i) => i.state === 'pending').slice(0, excess);
  for (const i of pending) terminateNow(sim, i);
  const remaining = excess - pending.length;
  if (remaining <= 0) return;
  const candidates = live.filter((i) => i.state === 'InService');
  for (const i of await chooseToTerminate(sim, candidates, remaining)) beginTermination(sim, i);
}


export async function chooseToTerminate(sim: SimState, candidates: Instance[], n: number): Promise<Instance[]> {
  if (sim.handlers) {
    const out = await sim.handlers.choose({
      AutoScalingGroupName: GROUP,
      CapacityToTerminate: [{ AvailabilityZone: ZONE, Capacity: n, InstanceMarketOption: 'on-demand' }],
      Instances: candidates.map((i) => ({ AvailabilityZone: ZONE, InstanceId: i.id, InstanceMarketOption: 'on-demand' })),
      Cause: 'SCALE_IN',
    });
    return out.InstanceIDs.slice(0, n).map((id) => sim.instances.get(id)!);
  }
  // Auto Scaling's default policy among identical instances is, in effect, arbitrary.
  const pool = [...candidates];
  const chosen: Instance[] = [];
  while (chosen.length < n && pool.length > 0) chosen.push(pool.splice(sim.rng.int(pool.length), 1)[0]);
  return chosen;
}


export function beginTermination(sim: SimState, instance: Instance): void {
  if (sim.o.policy === 'no-hook' || sim.o.policy === 'static-peak') return terminateNow(sim, instance);
  instance.state = 'Terminating:Wait';
  instance.waitStartedAt = sim.now;
  sim.fleet.beginTermination(instance.id, heartbeatTimeoutForDrain(sim.o.drainTimeoutSeconds));
  // The coordinator knows nothing of Auto Scaling: the worker stays schedulable (accepting, in the
  // dispatcher) until the coordinator sees it shutting down. That is the unsafe window.
  if (drains(sim.o.policy)) {
    // The agent's lifecycle loop sees IMDS say Terminated at its next poll and sends SHUTTING_DOWN.
    sim.queue.push(sim.now + sim.rng.next() * sim.o.agentPollSeconds, { kind: 'agent-stop', instance });
    const faults = sim.o.faults;
    if (!faults || sim.rng.next() >= faults.lostEventRate) sim.queue.push(sim.now + sim.o.eventDelaySeconds, { kind: 'deliver', instance, time: sim.now });
    else sim.injected.lostEvents++;
    if (faults && sim.rng.next() < faults.duplicateEventRate) {
      sim.injected.duplicateEvents++;
      sim.queue.push(sim.now + sim.o.eventDelaySeconds + 30 * sim.rng.next(), { kind: 'deliver', instance, time: sim.now });
    }
  }
  // The naive cron check never tells the worker: it keeps its slot in the dispatcher to the end.
}


/** `PUT /v1/info/state "SHUTTING_DOWN"`: the worker keeps serving until the coordinator polls its state. */
export function agentStop(sim: SimState, instance: Instance): void {
  if (instance.state !== 'Terminating:Wait') return;
  instance.stopAt = sim.now;
  sim.queue.push(sim.now + sim.rng.next() * sim.o.coordinatorPollSeconds, { kind: 'coordinator-notice', instance });
}


/**
 * The coordinator's node poll sees SHUTTING_DOWN: it schedules nothing more to the worker. Under the
 * Trino models that is its node list (what the agent reads in system.runtime.nodes); the node selector's
 * memoized map keeps the worker ACTIVE for up to 5 s more (UniformNodeSelectorFactory), so tasks still
 * land on it until `node-map`.
 */
export function coordinatorNotice(sim: SimState, instance: Instance): void {
  if (instance.state !== 'Terminating:Wait') return;
  instance.noticedAt = sim.now;
  if (sim.loads) sim.queue.push(sim.now + sim.rng.next() * TRINO_NODE_MAP_MEMO_SECONDS, { kind: 'node-map', instance });
  else {
    instance.accepting = false;
    sim.delist(instance);
  }
  if (instance.runs.size === 0) becameDrained(sim, instance);
}


/** Trino models: the node selector's map is rebuilt without the worker; no new task lands on it. */
export function nodeMapRefresh(sim: SimState, instance: Instance): void {
  if (instance.state !== 'Terminating:Wait' || !instance.accepting) return;
  instance.unschedulableAt = sim.now;
  sim.delist(instance);
  instance.accepting = false;
}


/**
 * The worker is drained now (no scheduling, no task). The agent checks every poll from its stop on: it
 * first sees the coordinator's view at its next check after the notice, and takes a zero count as final
 * only from a check at least COORDINATOR_CONFIRM_MS after that; then it sends its report.
 */
export function becameDrained(sim: SimState, instance: Instance): void {
  instance.drainedAt = sim.now;
  const poll = sim.o.agentPollSeconds;
  const nextCheck = (t: number) => instance.stopAt! + Math.ceil((t - instance.stopAt!) / poll - 1e-9) * poll;
  const detectedAt = Math.max(nextCheck(sim.now), nextCheck(nextCheck(instance.noticedAt!) + COORDINATOR_CONFIRM_MS / 1000));
  const faults = sim.o.faults;
  if (faults && sim.rng.next() < faults.lostEventRate) {
    sim.injected.lostEvents++;
    return; // the metric and the sweep are the safety net
  }
  if (sim.loads) {
    // A task that lands before the agent's decisive count cancels this report (engine-trino.ts, place).
    instance.detectedAt = detectedAt;
    sim.queue.push(detectedAt + sim.o.reportDelaySeconds, { kind: 'report', instance, version: instance.drainVersion ?? 0 });
  } else sim.queue.push(detectedAt + sim.o.reportDelaySeconds, { kind: 'report', instance });
}


/** Auto Scaling ended the wait (our complete, or the hook's own timeout): the instance terminates. */
export function onWaitEnded(sim: SimState, m: MemoryInstance): void {
  const instance = sim.instances.get(m.instanceId);
  if (!instance || instance.state !== 'Terminating:Wait') return;
  const deadline = sim.deadlineOf(instance);
  // Unsafe: completed while the coordinator could still schedule to it (under Trino, its memoized node map).
  const schedulable = sim.loads ? instance.accepting : instance.noticedAt === undefined;
  if (drains(sim.o.policy) && m.endedBy === 'complete' && schedulable && sim.now < deadline - 1e-9) sim.completedInUnsafeWindow++;
  if (instance.drainedAt !== undefined) sim.drainedToCompleted.push(sim.now - instance.drainedAt);
  if (instance.runs.size > 0) {
    if (m.endedBy === 'timeout' || sim.now >= deadline - 1e-9) sim.forced++;
    else sim.terminatedBusyBeforeDeadline++;
  } else sim.graceful++;
  sim.drainSeconds.push(sim.now - instance.waitStartedAt!);
  terminateNow(sim, instance);
}


export function terminateNow(sim: SimState, instance: Instance): void {
  // Out of the dispatcher before its runs are killed, or setBusy would put it back.
  if (instance.accepting) sim.delist(instance);
  instance.accepting = false;
  if (sim.loads) trino.workerDied(sim, instance);
  else for (const run of [...instance.runs]) sim.kill(run);
  instance.state = 'Terminated';
  sim.instances.delete(instance.id);
  if (sim.fleet.instances.get(instance.id)?.state !== 'Terminated') sim.fleet.forget(instance.id);
  // Killed queries put back in the queue (--retry-killed) may fit on another worker now.
  if (sim.o.retryKilled) sim.dispatch();
}
