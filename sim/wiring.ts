/**
 * The simulator's kwok/main.go: the drain controller's and the straggler function's real handlers, wired to
 * memory ports over the simulated group, and the controller's deliveries (events, reports, sweeps).
 */
import type { SQSRecord } from 'aws-lambda';
import { ControllerDeps } from '../lambdas/drain/reconcile';
import { DEFAULT_DRAIN_POLICY, TaskReading } from '../core/drain';
import { formatDrainReport } from '../core/drain-report';
import { heartbeatTimeoutForDrain } from '../core/lifecycle-limits';
import { TERMINATE_ACTION_DETAIL_TYPE } from '../core/lifecycle-event';
import { AGENT_TASK_METRIC, ControllerSettings, DEFAULT_STOP_CLAIM_SECONDS, DEFAULT_WRITE_CONCURRENCY } from '../core/contract/lambda-settings';
import { makeDrainEventsHandler } from '../lambdas/drain/events';
import { makeDrainSweepHandler } from '../lambdas/drain/sweep';
import { makeTerminationPolicyHandler } from '../lambdas/drain/termination-policy';
import { TaskCounts, TaskReadings, WaitingInstance } from '../core/ports';
import { MemoryLog, MemoryWorkerControl, TallyMetrics } from './memory-ports';
import { MemoryReadingsStore } from './memory-readings-store';
import { READINGS_BATCHING_WINDOW_SECONDS } from '../core/contract/metrics';
import { formatReadingsMessage } from '../core/worker-readings';
import { makeReadingsHandler } from '../lambdas/readings/handler';
import { WorkerPressure } from '../core/stragglers';
import { makeStragglerHandler } from '../lambdas/stragglers/handler';
import { AGENT_PERIOD, GROUP, HOOK, Instance, SimState, WORKER_ROLE_ID } from './state';


/** The straggler function's handler over the simulated group, its agents' pressure and SetInstanceHealth. */
export function stragglerFunction(sim: SimState) {
  return makeStragglerHandler({
    fleets: [{ fleet: 'sim', groupName: GROUP, replace: true, replaceDrainTimeoutSeconds: Math.max(sim.o.stragglerDrainTimeoutSeconds, sim.o.drainTimeoutSeconds), detector: sim.o.stragglers }],
    groups: {
      describe: async () =>
        new Map([
          [
            GROUP,
            {
              groupName: GROUP,
              desiredCapacity: sim.desired,
              instances: [...sim.instances.values()].map((i) => ({ instanceId: i.id, lifecycleState: i.state === 'pending' ? 'Pending' : i.state, healthStatus: i.unhealthy ? 'Unhealthy' : 'Healthy' })),
            },
          ],
        ]),
    },
    pressure: { read: async (_group, ids, endMs, minutes) => readPressure(sim, ids, endMs, minutes) },
    health: { markUnhealthy: async (id) => markUnhealthy(sim, id) },
    store: {
      listHolds: () => sim.store.listHolds(),
      listActive: () => sim.store.listActive(),
      setDeadline: async (id, at, onlyLater) => {
        const moved = await sim.store.setDeadline(id, at, onlyLater);
        if (moved) sim.deadlines.set(id, at / 1000);
        return moved;
      },
    },
    publish: async (datapoints) => {
      sim.bottlenecked = new Map(datapoints.filter((d) => d.instance).map((d) => [d.instance!.instanceId, d.value]));
    },
    log: new MemoryLog(true),
    now: () => sim.now * 1000,
    memo: true,
  });
}


/**
 * The agents' 1-minute pressure as GetMetricData returns it: a minute is visible once the metric delay has
 * passed. Each instance's readings are kept in a ring (PressureRing) that takes them as they are
 * published, so a read is a view of the ring instead of a window rebuilt from an hour of readings. The
 * window runs to the minute in progress, which the metric delay keeps unpublished: the ring keeps that many
 * minutes empty past its newest, so the window is still one view.
 */
export function readPressure(sim: SimState, ids: readonly string[], endMs: number, minutes: number): Map<string, WorkerPressure> {
  const visibleUntil = sim.now - sim.o.metricDelaySeconds;
  const first = endMs / 1000 - minutes * 60;
  const out = new Map<string, WorkerPressure>();
  for (const id of ids) {
    const instance = sim.instances.get(id);
    if (!instance) continue;
    const ring = instance.pressureReadings;
    // The ring holds the detector's window (group.ts launch): the function asks for no more.
    if (ring.capacity < minutes) throw new Error(`simulator bug: a pressure window of ${minutes} minutes from a ring of ${ring.capacity}`);
    ring.publish(visibleUntil);
    out.set(id, ring.window(first, minutes, visibleUntil));
  }
  return out;
}


/**
 * SetInstanceHealth Unhealthy: Auto Scaling terminates the instance through the lifecycle hook and, with
 * no instance maintenance policy, launches its replacement at the same time.
 */
export function markUnhealthy(sim: SimState, id: string): void {
  const instance = sim.instances.get(id);
  // SetInstanceHealth on an instance no longer in the group is a ValidationError.
  if (!instance || instance.state !== 'InService') throw Object.assign(new Error(`instance ${id} is not in service`), { name: 'ValidationError' });
  instance.unhealthy = true;
  if (sim.isDegraded(instance)) sim.replacedDegraded++;
  else sim.replacedHealthy++;
  sim.beginTermination(instance);
  sim.launchIntoGroup();
}


/** When the controller forces this drain: the fleet's drain timeout, or a replaced straggler's longer one. */
export function deadlineOf(sim: SimState, instance: Instance): number {
  return sim.deadlines.get(instance.id) ?? instance.waitStartedAt! + sim.o.drainTimeoutSeconds;
}


/** The controller's deps: the Lambdas' handlers over in-memory ports, with faults when asked. */
export function controller(sim: SimState, stragglerActions: boolean) {
  const settings: ControllerSettings = {
    hookName: HOOK,
    groups: {
      [GROUP]: {
        fleet: 'sim',
        drainTimeoutSeconds: sim.o.drainTimeoutSeconds,
        heartbeatTimeoutSeconds: heartbeatTimeoutForDrain(sim.o.drainTimeoutSeconds),
        shutdownGraceSeconds: sim.o.shutdownGraceSeconds,
        workerRoleId: WORKER_ROLE_ID,
      },
    },
    policy: DEFAULT_DRAIN_POLICY,
    writeConcurrency: DEFAULT_WRITE_CONCURRENCY,
    stopClaimSeconds: DEFAULT_STOP_CLAIM_SECONDS,
    taskSource: AGENT_TASK_METRIC,
    workerControl: { kind: 'agent' },
  };
  const taskCounts: TaskCounts = { keepsHistory: true, read: async (instances, since, now, options) => readTaskCounts(sim, instances, since, now, options?.taskAges ?? false) };
  const deps: ControllerDeps = {
    fleet: sim.withFaults(sim.fleet),
    store: sim.withFaults(sim.store),
    taskCounts,
    workerControl: new MemoryWorkerControl('agent'),
    metrics: new TallyMetrics(),
    log: new MemoryLog(true),
    settings,
    now: () => sim.now * 1000,
  };
  const readings = readingsPath(sim);
  return {
    sweep: makeDrainSweepHandler(deps),
    events: makeDrainEventsHandler({ ...deps, deadLetters: { send: async () => undefined } }),
    choose: makeTerminationPolicyHandler({
      // CloudWatch holds only what terminating instances publish; in-service readings come through the queue.
      taskCounts: { keepsHistory: true, read: async (instances, since, now, options) => readTaskCounts(sim, instances.filter((w) => sim.instances.get(w.instanceId)?.state !== 'InService'), since, now, options?.taskAges ?? false) },
      readings,
      instances: { describe: async (ids) => new Map(ids.map((id) => [id, { launchedAt: sim.instances.get(id)?.launchedAt }])) },
      policy: DEFAULT_DRAIN_POLICY,
      log: new MemoryLog(true),
      now: () => sim.now * 1000,
      budgetMs: 1200,
      ...(stragglerActions ? { stragglers: { read: async (_group: string, ids: readonly string[]) => new Map(ids.map((id) => [id, sim.bottlenecked.get(id) ?? 0])) } } : {}),
    }),
  };
}


// ---- the agents' in-service readings, through the readings queue --------------------------------

/** The simulated fleet's readings queue. */
export const SIM_READINGS_QUEUE_ARN = 'arn:aws:sqs:sim-1:123456789012:sim-readings';

/**
 * The readings queue, the real readings function and the table's readings, in memory. Messages are made
 * when a reader asks (the agents' sends are not events of the loop): each in-service instance sends at the
 * start of each minute the previous minute's 10-second readings (its Maximum busy slots, the oldest task's
 * age on the newest), SQS stamps them with the instance's own SenderId, and the batch reaches the table a
 * batching window later. What the termination policy reads is what passed the function's checks.
 */
export function readingsPath(sim: SimState) {
  const store = new MemoryReadingsStore();
  const consume = makeReadingsHandler({ settings: { groups: { [GROUP]: { workerRoleId: WORKER_ROLE_ID, queueArn: SIM_READINGS_QUEUE_ARN } } }, store, log: new MemoryLog(true), now: () => sim.now * 1000 });
  const sentUntil = new WeakMap<Instance, number>();
  let messages = 0;
  const pump = async () => {
    // The minute boundary whose messages have reached the table by now.
    const until = Math.floor((sim.now - READINGS_BATCHING_WINDOW_SECONDS) / 60) * 60;
    const records: SQSRecord[] = [];
    for (const instance of sim.instances.values()) {
      if (instance.state !== 'InService') continue;
      const from = Math.max(sentUntil.get(instance) ?? until - 60, instance.launchedAt, until - 60);
      if (from >= until) continue;
      sentUntil.set(instance, until);
      const read = readTaskCounts(sim, [{ instanceId: instance.id, groupName: GROUP }], from * 1000, until * 1000, true).get(instance.id)?.readings ?? [];
      if (read.length === 0) continue;
      records.push({
        messageId: `readings-${++messages}`,
        body: formatReadingsMessage({ instanceId: instance.id, groupName: GROUP, readings: read.map((r) => ({ at: r.at, runningTasks: r.runningTasks, ...(r.oldestTaskAgeSeconds && r.runningTasks > 0 ? { oldestTaskAgeSeconds: r.oldestTaskAgeSeconds } : {}) })) }),
        attributes: { SenderId: `${WORKER_ROLE_ID}:${instance.id}`, SentTimestamp: String(until * 1000) },
        eventSourceARN: SIM_READINGS_QUEUE_ARN,
      } as unknown as SQSRecord);
    }
    for (let k = 0; k < records.length; k += 100) await consume({ Records: records.slice(k, k + 100) });
  };
  return {
    read: async (groupName: string, sinceMs: number) => {
      await pump();
      return store.read(groupName, sinceMs);
    },
  };
}


// ---- the agent's metric, as CloudWatch holds it -----------------------------------------------

/**
 * 10-second Maximum datapoints of each instance's busy slots over complete periods in [since, now]. With
 * `ages`, the newest also carries the agent's OldestTaskAgeSeconds at its period's end, from the queries
 * running now (one that ended in the few seconds since is missed: a reading at most a period old).
 */
export function readTaskCounts(sim: SimState, instances: readonly WaitingInstance[], sinceMs: number, nowMs: number, ages: boolean): TaskReadings {
  const out = new Map<string, { readings: TaskReading[] }>();
  for (const w of instances) {
    const instance = sim.instances.get(w.instanceId);
    if (!instance) continue;
    const readings: TaskReading[] = [];
    const h = instance.history;
    // A local: under tsx (CommonJS) each read of an imported constant is two getter calls (see fleet-sim.ts).
    const period = AGENT_PERIOD;
    const from = Math.ceil(sinceMs / 1000 / period) * period;
    // The entry in effect at the first period's start (the last at or before it, else the first): found
    // by bisection, as the walk below would find it from the first entry, the times never decreasing.
    let k = h.lastAtOrBefore(from);
    for (let t = from; t + period <= nowMs / 1000; t += period) {
      while (k + 1 < h.length && h.t(k + 1) <= t) k++;
      let max = h.t(k) <= t ? h.busy(k) : 0;
      for (let j = k + 1; j < h.length && h.t(j) < t + period; j++) max = Math.max(max, h.busy(j));
      readings.push({ at: t * 1000, runningTasks: max });
    }
    const newest = readings.at(-1);
    if (ages && newest) {
      const end = newest.at / 1000 + period;
      let oldest = 0;
      instance.runs.forEach((run) => {
        if (run.start < end) oldest = Math.max(oldest, end - run.start);
      });
      readings[readings.length - 1] = { ...newest, oldestTaskAgeSeconds: oldest };
    }
    if (readings.length > 0) out.set(w.instanceId, { readings });
  }
  return out;
}


export async function sweep(sim: SimState): Promise<void> {
  const faults = sim.o.faults;
  sim.dyingAfter = faults && sim.rng.next() < faults.dieMidSweepRate ? sim.rng.int(20) : Infinity;
  if (sim.dyingAfter !== Infinity) sim.injected.deadSweeps++;
  try {
    await sim.handlers!.sweep();
  } catch {
    // A sweep that died (or whose Describe failed) is simply followed by the next one.
  }
  sim.dyingAfter = Infinity;
}


export async function deliver(sim: SimState, instance: Instance, time: number): Promise<void> {
  const body = JSON.stringify({
    version: '0',
    id: `sim-${instance.id}-${time}`,
    'detail-type': TERMINATE_ACTION_DETAIL_TYPE,
    source: 'aws.autoscaling',
    account: '123456789012',
    time: new Date(time * 1000).toISOString(),
    region: 'sim-1',
    resources: [],
    detail: { AutoScalingGroupName: GROUP, LifecycleHookName: HOOK, EC2InstanceId: instance.id, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', LifecycleActionToken: 'sim' },
  });
  const record = { messageId: `${instance.id}-${sim.events}`, body } as SQSRecord;
  try {
    await sim.handlers!.events({ Records: [record] });
  } catch {
    // Redelivery is SQS's job; the sweep covers it here.
  }
}


/** The agent's "worker drained" report arrives on the drain queue, stamped by SQS with its sender. */
export async function report(sim: SimState, instance: Instance): Promise<void> {
  if (instance.state !== 'Terminating:Wait') return;
  sim.drainReports++;
  const body = formatDrainReport({
    instanceId: instance.id,
    groupName: GROUP,
    stoppedAt: instance.stopAt! * 1000,
    drainedAt: instance.drainedAt! * 1000,
    drainedBy: 'coordinator',
  });
  const record = { messageId: `report-${instance.id}`, body, attributes: { SenderId: `${WORKER_ROLE_ID}:${instance.id}` } } as unknown as SQSRecord;
  try {
    await sim.handlers!.events({ Records: [record] });
  } catch {
    // As with events: the durable record and the sweep cover a failed pass.
  }
}


/** The naive baseline: every minute, complete waiting instances that run nothing; force at the timeout. */
export async function cronCheck(sim: SimState): Promise<void> {
  for (const i of [...sim.instances.values()]) {
    if (i.state !== 'Terminating:Wait') continue;
    if (i.busy === 0 || sim.now >= i.waitStartedAt! + sim.o.drainTimeoutSeconds) {
      await sim.fleet.completeLifecycleAction({ instanceId: i.id, groupName: GROUP }, HOOK);
    }
  }
}
