import { ControllerDeps, reconcile } from '../../../lambdas/drain/reconcile';
import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { AGENT_TASK_METRIC, ControllerSettings } from '../../../core/contract/lambda-settings';
import { WaitingInstance } from '../../../core/ports';
import { MemoryDrainStore, MemoryFleet, MemoryLog, MemoryTaskCounts, MemoryWorkerControl, TallyMetrics } from '../../../sim/memory-ports';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const HOOK = 'graceful-autoscaler-drain';

const settings: ControllerSettings = {
  hookName: HOOK,
  // A batch runner's stop takes effect at once (no coordinator to notice it): no unsafe window.
  groups: {
    'etl-asg': { fleet: 'etl', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720, shutdownGraceSeconds: 0 },
    'long-asg': { fleet: 'long', drainTimeoutSeconds: 3 * 3600, heartbeatTimeoutSeconds: 7200, shutdownGraceSeconds: 0 },
  },
  policy: DEFAULT_DRAIN_POLICY,
  writeConcurrency: 4,
  stopClaimSeconds: 60,
  taskSource: AGENT_TASK_METRIC,
  workerControl: { kind: 'ssm', commands: ['systemctl stop trino'] },
};

function harness(kind: 'ssm' | 'agent' = 'ssm') {
  let now = T0;
  const clock = () => now;
  const fleet = new MemoryFleet(clock);
  const store = new MemoryDrainStore();
  const taskCounts = new MemoryTaskCounts();
  const workerControl = new MemoryWorkerControl(kind);
  const metrics = new TallyMetrics();
  const log = new MemoryLog();
  const deps: ControllerDeps = { fleet, store, taskCounts, workerControl, metrics, log, settings, now: clock };
  return {
    deps,
    fleet,
    store,
    taskCounts,
    workerControl,
    metrics,
    log,
    at: (t: number) => (now = t),
    get now() {
      return now;
    },
    /** Puts an instance of a group into Terminating:Wait now. */
    terminate(instanceId: string, group = 'etl-asg'): WaitingInstance {
      fleet.launch(instanceId, group);
      fleet.beginTermination(instanceId, settings.groups[group].heartbeatTimeoutSeconds);
      return { instanceId, groupName: group };
    },
    /** The agent's 10-second metric from `from` to `to` at a constant value. */
    publish(instanceId: string, from: number, to: number, value: number) {
      for (let t = from; t <= to; t += 10 * S) taskCounts.publish(instanceId, t, value);
    },
    sweep: () => fleet.listWaitingInstances(Object.keys(settings.groups)).then((w) => reconcile(deps, w, { sweep: true })),
  };
}

test('first sight records the drain durably and tells the worker to stop, once', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  const summary = await reconcile(h.deps, [w], { sweep: false });
  expect(summary.stopsSent).toBe(1);
  expect(h.store.active.get('i-1')).toMatchObject({ waitStartedAt: T0, deadlineAt: T0 + 600 * S, hookExpiresAt: T0 + 720 * S, stopSentAt: T0 });
  expect(summary.decisions.get('i-1')).toMatchObject({ action: 'wait', reason: 'no-data' });
  h.at(T0 + 30 * S);
  await h.sweep();
  expect(h.workerControl.stops.get('i-1')).toBe(1);
});

test('duplicate events and a sweep racing the event path send one stop and complete once', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  await Promise.all([reconcile(h.deps, [w], { sweep: false }), reconcile(h.deps, [w], { sweep: false }), h.sweep()]);
  expect(h.workerControl.stops.get('i-1')).toBe(1);
  h.publish('i-1', T0 + 10 * S, T0 + 40 * S, 0);
  h.at(T0 + 45 * S);
  const results = await Promise.all([h.sweep(), reconcile(h.deps, [w], { sweep: false }), reconcile(h.deps, [w], { sweep: false })]);
  expect(h.fleet.completions.get('i-1')).toBe(1);
  expect(h.store.history).toHaveLength(1);
  expect(h.store.history[0]).toMatchObject({ outcome: 'idle', runningTasksAtEnd: 0 });
  expect(results.flatMap((r) => [...r.finished.values()])).toEqual(['idle']);
  expect(h.metrics.counts.get('GracefulCompletions')).toBe(1);
});

test('a busy worker waits, then is forced at the deadline with its running tasks recorded', async () => {
  const h = harness();
  h.terminate('i-1');
  h.publish('i-1', T0, T0 + 10 * MIN, 3);
  for (let t = T0; t < T0 + 10 * MIN; t += MIN) {
    h.at(t);
    const s = await h.sweep();
    expect(s.decisions.get('i-1')?.action).toBe('wait');
  }
  h.at(T0 + 10 * MIN);
  const s = await h.sweep();
  expect(s.finished.get('i-1')).toBe('forced');
  expect(h.store.history[0]).toMatchObject({ outcome: 'forced', runningTasksAtEnd: 3 });
  expect(h.metrics.counts.get('ForcedTerminations')).toBe(1);
  expect(h.metrics.counts.get('TasksKilled')).toBe(3);
  expect(h.log.lines.find((l) => l.message.includes('forced'))?.fields).toMatchObject({ instanceId: 'i-1', tasksKilled: 3 });
  // Forced explicitly before the hook's own timeout would have done it silently.
  expect(h.fleet.instances.get('i-1')).toMatchObject({ endedBy: 'complete' });
});

test('a 3 h drain outlives the 2 h heartbeat timeout through heartbeats, and ends at its deadline', async () => {
  const h = harness();
  h.terminate('i-long', 'long-asg');
  h.publish('i-long', T0, T0 + 4 * 3600 * S, 1);
  for (let t = T0; t <= T0 + 3 * 3600 * S; t += MIN) {
    h.at(t);
    h.fleet.expireHooks();
    await h.sweep();
  }
  const i = h.fleet.instances.get('i-long')!;
  expect(i.endedBy).toBe('complete');
  expect(i.endedAt).toBe(T0 + 3 * 3600 * S);
  expect(h.metrics.counts.get('Heartbeats')).toBeGreaterThanOrEqual(1);
  expect(h.store.history[0]).toMatchObject({ outcome: 'forced', heartbeats: h.metrics.counts.get('Heartbeats') });
});

test('the deadline comes from the durable record: a new container computes the same one', async () => {
  const h = harness();
  h.terminate('i-1');
  await reconcile(h.deps, [{ instanceId: 'i-1', groupName: 'etl-asg' }], { sweep: false });
  // A fresh set of ports around the same store, as after a cold start, 10 minutes later.
  h.at(T0 + 10 * MIN);
  const restarted = { ...h.deps, metrics: new TallyMetrics(), log: new MemoryLog() };
  const s = await reconcile(restarted, await h.fleet.listWaitingInstances(['etl-asg']), { sweep: true });
  expect(s.decisions.get('i-1')).toMatchObject({ action: 'force', deadlineAt: T0 + 10 * MIN });
});

test('an action already completed elsewhere counts as done and is recorded as having left the wait', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  await reconcile(h.deps, [w], { sweep: false });
  await h.fleet.completeLifecycleAction(w, HOOK); // an operator, or a pass that died before recording
  h.publish('i-1', T0 + 10 * S, T0 + 40 * S, 0);
  h.at(T0 + 45 * S);
  const s = await reconcile(h.deps, [w], { sweep: false });
  expect(s.errors).toBe(0);
  expect(s.finished.get('i-1')).toBe('left-wait');
  expect(h.fleet.completions.get('i-1')).toBe(1);
});

test('a sweep closes records of instances that left the wait without us', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  await reconcile(h.deps, [w], { sweep: false });
  await h.fleet.completeLifecycleAction(w, HOOK);
  h.at(T0 + 30 * S);
  expect((await h.sweep()).finished.size).toBe(0); // within the grace: Describe may lag
  h.at(T0 + 3 * MIN);
  expect((await h.sweep()).finished.get('i-1')).toBe('left-wait');
  expect(h.store.active.size).toBe(0);
});

test('groups the controller does not manage are left alone', async () => {
  const h = harness();
  h.fleet.launch('i-x', 'someone-elses-asg');
  h.fleet.beginTermination('i-x', 300);
  const s = await reconcile(h.deps, [{ instanceId: 'i-x', groupName: 'someone-elses-asg' }], { sweep: false });
  expect(s.waiting).toBe(0);
  expect(h.store.active.size).toBe(0);
  expect(h.workerControl.stops.size).toBe(0);
});

test('one instance failing never stops the others', async () => {
  const h = harness();
  const a = h.terminate('i-a');
  const b = h.terminate('i-b');
  const finish = h.store.finish.bind(h.store);
  h.store.finish = async (record, result) => {
    if (record.instanceId === 'i-a') throw new Error('ProvisionedThroughputExceededException');
    return finish(record, result);
  };
  await reconcile(h.deps, [a, b], { sweep: false });
  h.publish('i-a', T0 + 10 * S, T0 + 40 * S, 0);
  h.publish('i-b', T0 + 10 * S, T0 + 40 * S, 0);
  h.at(T0 + 45 * S);
  const s = await reconcile(h.deps, [a, b], { sweep: false });
  expect(s.finished.get('i-b')).toBe('idle');
  expect(s.errors).toBe(1);
  expect(h.metrics.counts.get('InstanceErrors')).toBe(1);
});

test('an unreachable worker is not marked stopped, and is retried after the claim lapses', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  h.workerControl.unreachable.add('i-1');
  await reconcile(h.deps, [w], { sweep: false });
  expect(h.store.active.get('i-1')?.stopSentAt).toBeUndefined();
  h.workerControl.unreachable.clear();
  h.at(T0 + 30 * S);
  await reconcile(h.deps, [w], { sweep: false });
  expect(h.workerControl.stops.get('i-1')).toBeUndefined(); // still claimed by the first attempt
  h.at(T0 + 61 * S);
  await reconcile(h.deps, [w], { sweep: false });
  expect(h.workerControl.stops.get('i-1')).toBe(1);
});

test('task counts unavailable: everyone waits, nobody is completed on a guess', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  await reconcile(h.deps, [w], { sweep: false });
  h.publish('i-1', T0 + 10 * S, T0 + 40 * S, 0);
  h.taskCounts.failure = new Error('CloudWatch 503');
  h.at(T0 + 45 * S);
  const s = await reconcile(h.deps, [w], { sweep: false });
  expect(s.decisions.get('i-1')).toMatchObject({ action: 'wait', reason: 'no-data' });
  expect(h.fleet.completions.size).toBe(0);
});

test('with the on-instance agent, the stop counts from the start of the wait and nothing is sent', async () => {
  const h = harness('agent');
  const w = h.terminate('i-1');
  h.publish('i-1', T0 + 10 * S, T0 + 30 * S, 0);
  h.at(T0 + 35 * S);
  const s = await reconcile(h.deps, [w], { sweep: false });
  expect(s.finished.get('i-1')).toBe('idle');
});

test('out of time: nearest deadlines are acted on first, the rest deferred to the next pass', async () => {
  const h = harness();
  const late = h.terminate('i-late');
  h.at(T0 + 5 * MIN);
  const early = h.terminate('i-early');
  await reconcile(h.deps, [late], { sweep: false });
  await reconcile(h.deps, [early], { sweep: false });
  h.at(T0 + 11 * MIN); // i-late is past its deadline, i-early is not
  let calls = 0;
  const clock = h.deps.now;
  const deps = { ...h.deps, settings: { ...settings, writeConcurrency: 1 }, now: () => (calls++ < 2 ? clock() : clock() + 60 * MIN) };
  const s = await reconcile(deps, [early, late], { sweep: false, stopBy: T0 + 11 * MIN + 1 });
  expect(s.finished.get('i-late')).toBe('forced');
  expect(s.deferred).toBe(1);
  expect(h.store.active.has('i-early')).toBe(true);
});

describe('a sweep on a stale snapshot starts no phantom drain', () => {
  test('an instance completed seconds ago, still listed as waiting, is not drained again', async () => {
    const h = harness();
    const w = h.terminate('i-1');
    await reconcile(h.deps, [w], { sweep: false }); // first sight: the stop goes out
    h.publish('i-1', T0 + 10 * S, T0 + 40 * S, 0);
    h.at(T0 + 45 * S);
    await reconcile(h.deps, [w], { sweep: false }); // the event path completes it
    expect(h.store.history).toHaveLength(1);
    // Auto Scaling's Describe* still lists it in Terminating:Wait for a few seconds.
    h.at(T0 + 47 * S);
    expect(await h.fleet.listWaitingInstances(['etl-asg'])).toEqual([w]);
    const s = await h.sweep();
    expect(h.store.history).toHaveLength(1);
    expect(h.store.history[0].outcome).toBe('idle');
    expect(h.store.active.size).toBe(0);
    expect(h.metrics.counts.get('LeftWait')).toBeUndefined();
    expect(s.finished.size).toBe(0);
  });
});


test('a failed re-check of newly listed instances delays only them: recorded drains still get their pass', async () => {
  const h = harness();
  const w = h.terminate('i-1');
  await reconcile(h.deps, [w], { sweep: false });
  h.publish('i-1', T0 + 10 * S, T0 + 40 * S, 0);
  h.terminate('i-2');
  h.at(T0 + 45 * S);
  h.fleet.filterWaiting = async () => {
    throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
  };
  const s = await h.sweep();
  expect(s.finished.get('i-1')).toBe('idle');
  expect(h.store.active.has('i-2')).toBe(false);
  expect(h.log.lines.some((l) => l.message.startsWith('re-check of newly listed instances failed'))).toBe(true);
});
