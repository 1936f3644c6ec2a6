/**
 * The minute: CPU datapoints, both target tracking policies and the scaling decision, and their actions.
 */
import { SCALE_FROM_ZERO, ScalingDecision, decideScaling, scaleFromZeroMetric } from '../core/scaling-policy';
import { decideScaleIn, scaleInStep } from '../core/scale-in-gate';
import { StepScaler, TrackerProposal, combineProposals } from './target-tracking';
import { FLAP_WINDOW_SECONDS, drains } from './options';
import { SimState, available } from './state';
import { priceDrains, runningBlockers } from './drain-pricing';
import { HourlyForecast } from './predictive';


// ---- the minute: metric, alarms, controller --------------------------------------------------

export async function minute(sim: SimState): Promise<void> {
  // The 1-minute average CPU of InService, warm instances.
  let sum = 0;
  let n = 0;
  let warming = false;
  // CloudWatch's Sum of CPUUtilization over the group's dimension counts every instance, warm or not.
  let busyInstances = 0;
  for (const i of sim.instances.values()) {
    if (i.state !== 'InService') continue;
    i.busySlotSeconds += i.busy * (sim.now - i.lastChange);
    i.lastChange = sim.now;
    const cpu = (100 * i.busySlotSeconds) / (60 * sim.o.slotsPerInstance);
    busyInstances += cpu / 100;
    sim.samplePressure(i, cpu / 100);
    if (sim.now < i.warmUntil) {
      warming = true;
      continue;
    }
    sum += cpu;
    n++;
  }
  for (const i of sim.instances.values()) {
    // A draining worker's agent keeps publishing; the detector judges in-service workers only.
    if (i.state === 'Terminating:Wait') {
      i.busySlotSeconds += i.busy * (sim.now - i.lastChange);
      sim.samplePressure(i, i.busySlotSeconds / (60 * sim.o.slotsPerInstance));
    }
    i.busySlotSeconds = 0;
    i.lastChange = sim.now;
    // Keep the metric history a read can ask for: the controller reads at most 10 minutes back.
    i.history.trim(sim.now);
  }
  sim.datapoints.push({ availableAt: sim.now + sim.o.metricDelaySeconds, value: n > 0 ? sum / n : undefined, busyInstances, instances: n });

  if (sim.o.policy !== 'static-peak') {
    await scale(sim, warming, n);
    await sim.applyDesired();
  }
  if (sim.detectStragglers) {
    for (const outcome of await sim.detectStragglers()) {
      for (const v of outcome.verdicts) if (v.straggler && !sim.firstCalled.has(v.instanceId)) sim.firstCalled.set(v.instanceId, sim.now);
    }
  }

  sim.fleet.expireHooks();
  if (sim.o.policy === 'signals') await priceDrains(sim);
  if (drains(sim.o.policy)) await sim.sweep();
  if (sim.o.policy === 'cron-timeout') await sim.cronCheck();
  sim.checkInvariants();

  sim.instancesMax = Math.max(sim.instancesMax, sim.instances.size);
  if (sim.timeline.length === 0 || sim.now - sim.timeline[sim.timeline.length - 1].t >= sim.o.timelineStepSeconds) {
    const live = [...sim.instances.values()];
    sim.timeline.push({
      t: sim.now,
      inService: live.filter((i) => i.state === 'InService' || i.state === 'pending').length,
      draining: live.filter((i) => i.state === 'Terminating:Wait').length,
      demandSlots: sim.demandSlots + sim.queuedSlots(),
      desired: sim.desired,
      queued: sim.waitingQueries.length - sim.waitingHead,
    });
  }
  if (sim.done()) return;
  // Every query ends within its duration once running, and the fleet keeps min capacity: a week past
  // the trace with queries left is a simulator bug, reported rather than run forever.
  if (sim.now > sim.horizon + 7 * 86_400) throw new Error(`simulator bug: ${sim.waitingQueries.length - sim.waitingHead} queries queued and ${sim.runningQueries} running a week after the trace ended`);
  sim.queue.push(sim.now + 60, { kind: 'minute' });
}


/** The scale-from-zero step policy's alarm, and its datapoints in flight, per simulation. */
const fromZeroPolicies = new WeakMap<SimState, { scaler: StepScaler; datapoints: { availableAt: number; value: number }[] }>();

/**
 * The step scaling policy that takes a fleet out of zero (core/scaling-policy.ts SCALE_FROM_ZERO): each
 * minute the alarm's metric math over the group's GroupInServiceInstances and the coordinator's queue (the
 * signals function's QueuedQueries, visible `signalDelaySeconds` later, as the ratio is), then the policy's
 * action, repeated each minute in ALARM. The product deploys it for every fleet with signals and refuses
 * minCapacity 0 without them; the simulator gives it to the other autoscaled policies at minCapacity 0 too,
 * so that a `--min 0` run compares their target tracking, not which of them can leave zero at all.
 * Returns the desired capacity it sets, or undefined.
 */
export function scaleFromZero(sim: SimState, warm: number): number | undefined {
  if (sim.o.policy !== 'signals' && sim.o.minCapacity > 0) return undefined;
  let policy = fromZeroPolicies.get(sim);
  if (!policy) fromZeroPolicies.set(sim, (policy = { scaler: new StepScaler(SCALE_FROM_ZERO), datapoints: [] }));
  policy.datapoints.push({ availableAt: sim.now + sim.o.signalDelaySeconds, value: scaleFromZeroMetric(sim.count('InService'), sim.waitingQueries.length - sim.waitingHead) });
  const visible = available(policy.datapoints, sim.now);
  // The alarm evaluates once a period: one datapoint, the newest, or none (missing, not breaching).
  return policy.scaler.observe(visible.at(-1)?.value, warm, sim.desired, sim.o.minCapacity, sim.o.maxCapacity);
}


/**
 * The group's scaling policies for this minute. Every policy's alarm sees its newest datapoint: CPU
 * always; with `signals`, also the decision's ratio, which the decision function computed a minute ago
 * from the coordinator's queue and the CPU CloudWatch then held. Auto Scaling combines what they ask.
 * `warm` counts the in-service instances past their warmup: the base a scale-out multiplies.
 */
export async function scale(sim: SimState, warming: boolean, warm: number): Promise<void> {
  const pending = sim.count('pending');
  const current = sim.count('InService') + pending;
  const cpuPoints = available(sim.datapoints, sim.now);
  for (const dp of cpuPoints) {
    sim.busyLookback.push(dp.busyInstances);
    if (sim.busyLookback.length > sim.o.scaling.scaleInLookbackMinutes) sim.busyLookback.shift();
  }
  const fresh = cpuPoints.length > 0;
  const cpu = cpuPoints.at(-1)?.value;
  if (fresh) sim.cpuSeen = cpu;
  // A step policy has no scale-in side here: it only ever scales out, so it has no vote on a scale-in.
  const policies: { proposal: TrackerProposal; scaleInDisabled?: boolean }[] = [];
  // The step multiplies the instances the datapoint was averaged over: a datapoint that arrives after
  // new instances finished warming still describes the fewer that made it, and multiplying the larger
  // count by it would ask for capacity twice (the alarm stays in ALARM and acts every minute).
  const base = cpuPoints.at(-1)?.instances ?? warm;
  // With the scale-in gate, both target tracking policies have DisableScaleIn: they scale out, and the
  // gate's step policy is the only way in (core/scale-in-gate.ts).
  const gated = sim.o.policy === 'signals' && sim.o.scaleInMode === 'gate';
  if (fresh) policies.push({ proposal: sim.tracker.assess(cpu, current, sim.o.minCapacity, sim.o.maxCapacity, Math.min(warm, base) || warm), scaleInDisabled: gated || sim.o.targetTracking.disableScaleIn });

  if (sim.o.policy === 'signals') {
    const queued = sim.waitingQueries.length - sim.waitingHead;
    const decision = decideScaling(
      {
        capacity: current,
        minCapacity: sim.o.minCapacity,
        maxCapacity: sim.o.maxCapacity,
        queued,
        running: sim.runningQueries,
        finishedPerMinute: sim.finishedThisMinute,
        backlogGrowthPerMinute: queued - sim.queuedLastMinute,
        cpuPercent: sim.cpuSeen,
        busyInstances: sim.busyLookback.map((busy, i) => ({ minutesAgo: sim.busyLookback.length - i, busy })),
        launching: pending,
        warm,
      },
      { ...sim.o.scaling, targetCpuPercent: sim.o.targetCpu },
    );
    sim.decisions[decision.rule] = (sim.decisions[decision.rule] ?? 0) + 1;
    sim.ratioDatapoints.push({ availableAt: sim.now + sim.o.signalDelaySeconds, value: decision.ratio });
    sim.queuedLastMinute = queued;
    const ratios = available(sim.ratioDatapoints, sim.now);
    if (ratios.length > 0) policies.push({ proposal: sim.ratioTracker.assess(ratios.at(-1)!.value, current, sim.o.minCapacity, sim.o.maxCapacity, warm), scaleInDisabled: gated });
    if (gated) {
      gateScaleIn(sim, decision, current);
      const requests = available(sim.scaleInRequests, sim.now);
      // The step policy's alarm evaluates the newest datapoint of the minute; none is missing, not breaching.
      policies.push({ proposal: { scaleIn: scaleInStep(requests.at(-1)?.value, current, sim.o.minCapacity) } });
    }
  }
  sim.finishedThisMinute = 0;

  const fromZero = scaleFromZero(sim, warm);
  if (fromZero !== undefined) policies.push({ proposal: { scaleOut: fromZero }, scaleInDisabled: true });
  // Predictive scaling raises capacity to the hour's forecast and never scales in; the group keeps the
  // larger of its capacity and the dynamic policies', so a scale-in stops at the forecast.
  const floor = predictiveFloor(sim, cpuPoints);
  if (floor !== undefined && floor > sim.desired) policies.push({ proposal: { scaleOut: floor }, scaleInDisabled: true });
  let acted = policies.length > 0 ? combineProposals(policies, warming || pending > 0) : undefined;
  if (acted?.direction === 'in' && floor !== undefined && acted.desired < floor) acted = floor < sim.desired ? { desired: floor, direction: 'in' } : undefined;
  if (acted && acted.desired !== sim.desired) {
    sim.desired = acted.desired;
    sim.scalingActions++;
    if (acted.direction === 'in') sim.lastScaleInAt = sim.now;
    else if (sim.now - sim.lastScaleInAt <= FLAP_WINDOW_SECONDS) {
      sim.flaps++;
      sim.lastScaleInAt = -Infinity;
    }
  }
}


const forecasts = new WeakMap<SimState, HourlyForecast>();

/** With predictive scaling on: the minute's load recorded, and the forecast floor now (undefined: none yet). */
function predictiveFloor(sim: SimState, cpuPoints: readonly { readonly availableAt: number; readonly busyInstances: number }[]): number | undefined {
  if (!sim.o.predictiveScaling) return undefined;
  let f = forecasts.get(sim);
  if (!f) forecasts.set(sim, (f = new HourlyForecast(sim.o.targetCpu)));
  // Each datapoint in the hour of its minute, which ended metricDelaySeconds before CloudWatch had it.
  for (const dp of cpuPoints) f.record(dp.availableAt - sim.o.metricDelaySeconds, dp.busyInstances);
  return f.floorAt(sim.now, sim.o.minCapacity, sim.o.maxCapacity);
}

/**
 * The scale-in gate, as the signals function runs it after the load decision: the queries in flight, each
 * with its remaining run time predicted from the fleet's history, and the request it publishes (visible
 * to the step policy's alarm `signalDelaySeconds` later).
 */
function gateScaleIn(sim: SimState, decision: ScalingDecision, current: number): void {
  const wanted = decision.rule === 'scale-in' && decision.needed !== undefined ? current - decision.needed : 0;
  const g = sim.o.scaleInGate;
  // The queries are only looked at when there is a scale-in to weigh, as the function lists them anyway.
  const running = wanted > 0 ? runningBlockers(sim) : [];
  const gate = decideScaleIn(
    { wanted, placement: sim.engine === 'executors' ? 'per-worker' : 'spread', running, nowMs: sim.now * 1000, intervalSeconds: 60 },
    sim.gateState,
    { ...g, drainTimeoutSeconds: sim.o.drainTimeoutSeconds },
  );
  sim.gateState = gate.state;
  if (gate.rule !== 'none') sim.gateRules[gate.rule] = (sim.gateRules[gate.rule] ?? 0) + 1;
  sim.scaleInRequests.push({ availableAt: sim.now + sim.o.signalDelaySeconds, value: gate.request });
}
