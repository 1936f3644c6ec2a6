import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { formatDrainReport } from '../../../core/drain-report';
import { AGENT_TASK_METRIC, ControllerSettings, EVENT_MAX_RECEIVE_COUNT } from '../../../core/contract/lambda-settings';
import { makeDrainEventsHandler } from '../../../lambdas/drain/events';
import { makeDrainSweepHandler } from '../../../lambdas/drain/sweep';
import { TerminationPolicyRequest, makeTerminationPolicyHandler } from '../../../lambdas/drain/termination-policy';
import { InstanceDetails } from '../../../core/ports';
import { MemoryDrainStore, MemoryFleet, MemoryLog, MemoryTaskCounts, MemoryWorkerControl, TallyMetrics } from '../../../sim/memory-ports';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures', name), 'utf8');
const lifecycleEvent = JSON.parse(fixture('terminate-lifecycle-action.json'));
const GROUP = lifecycleEvent.detail.AutoScalingGroupName as string;
const INSTANCE = lifecycleEvent.detail.EC2InstanceId as string;
const T0 = Date.parse(lifecycleEvent.time);

const settings: ControllerSettings = {
  hookName: 'graceful-autoscaler-drain',
  groups: { [GROUP]: { fleet: 'etl', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720, shutdownGraceSeconds: 0 } },
  policy: DEFAULT_DRAIN_POLICY,
  writeConcurrency: 4,
  stopClaimSeconds: 60,
  taskSource: AGENT_TASK_METRIC,
  workerControl: { kind: 'ssm', commands: ['true'] },
};

function sqsRecord(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(T0), SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: String(T0) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:GracefulAutoscaler-prod-EventQueue',
    awsRegion: 'eu-west-1',
  };
}

function setup() {
  // Auto Scaling's termination activity starts a second before it emits the event; the handler runs 2 s after.
  let now = T0 - 1000;
  const fleet = new MemoryFleet(() => now);
  fleet.launch(INSTANCE, GROUP);
  fleet.beginTermination(INSTANCE, 720);
  now = T0 + 2000;
  const deadLetters: { body: string; reason: string }[] = [];
  const deps = {
    fleet,
    store: new MemoryDrainStore(),
    taskCounts: new MemoryTaskCounts(),
    workerControl: new MemoryWorkerControl('ssm'),
    metrics: new TallyMetrics(),
    log: new MemoryLog(),
    settings,
    now: () => now,
    deadLetters: { send: async (body: string, reason: string) => void deadLetters.push({ body, reason }) },
  };
  return { deps, deadLetters, at: (t: number) => (now = t) };
}

describe('drain-events handler', () => {
  test('a real lifecycle event records the drain from Auto Scaling\'s record of the termination and stops the worker', async () => {
    const { deps } = setup();
    const out = await makeDrainEventsHandler(deps)({ Records: [sqsRecord('m1', lifecycleEvent)] });
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.store.active.get(INSTANCE)).toMatchObject({ waitStartedAt: T0 - 1000, deadlineAt: T0 - 1000 + 600_000 });
    expect(deps.workerControl.stops.get(INSTANCE)).toBe(1);
  });

  test('malformed, foreign-hook and unknown-group messages never stop the good one', async () => {
    const { deps, deadLetters } = setup();
    const event: SQSEvent = {
      Records: [
        sqsRecord('bad-json', '{"source": "aws.autoscaling", '),
        sqsRecord('codedeploy', { ...lifecycleEvent, detail: { ...lifecycleEvent.detail, LifecycleHookName: 'CodeDeploy-managed-automatic-launch-deployment-hook-x' } }),
        sqsRecord('other-group', { ...lifecycleEvent, detail: { ...lifecycleEvent.detail, AutoScalingGroupName: 'not-ours' } }),
        sqsRecord('good', lifecycleEvent),
        sqsRecord('duplicate', lifecycleEvent),
      ],
    };
    const out = await makeDrainEventsHandler(deps)(event);
    expect(out.batchItemFailures).toEqual([]);
    expect(deadLetters).toEqual([{ body: '{"source": "aws.autoscaling", ', reason: 'body is not JSON' }]);
    expect(deps.metrics.counts.get('MalformedEvents')).toBe(1);
    expect(deps.metrics.counts.get('IgnoredEvents')).toBe(2);
    expect(deps.workerControl.stops.get(INSTANCE)).toBe(1);
    expect(deps.store.active.size).toBe(1);
  });

  test('warm pool events: a pool instance terminating is left alone; one sent back to the pool raises the alarm\'s metric; neither stops the good one', async () => {
    const { deps } = setup();
    const route = (id: string, Origin: string, Destination: string) => ({ ...lifecycleEvent, detail: { ...lifecycleEvent.detail, EC2InstanceId: id, Origin, Destination } });
    const out = await makeDrainEventsHandler(deps)({
      Records: [
        sqsRecord('from-pool', route('i-0aaaaaaaaaaaaaaaa', 'WarmPool', 'EC2')),
        sqsRecord('to-pool', route('i-0bbbbbbbbbbbbbbbb', 'AutoScalingGroup', 'WarmPool')),
        sqsRecord('good', lifecycleEvent),
      ],
    });
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.metrics.counts.get('WarmPoolEvents')).toBe(1);
    expect(deps.metrics.counts.get('WarmPoolReuseEvents')).toBe(1);
    const reuse = deps.log.lines.find((l) => l.level === 'error' && /ReuseOnScaleIn/.test(l.message));
    expect(reuse?.fields).toMatchObject({ instanceId: 'i-0bbbbbbbbbbbbbbbb' });
    expect([...deps.workerControl.stops.keys()]).toEqual([INSTANCE]);
    expect([...deps.store.active.keys()]).toEqual([INSTANCE]);
  });

  test('a malformed message whose dead-letter send fails is left for redelivery, not dropped', async () => {
    const { deps } = setup();
    deps.deadLetters.send = async () => {
      throw new Error('KMS.ThrottlingException');
    };
    const out = await makeDrainEventsHandler(deps)({ Records: [sqsRecord('bad', 'nope'), sqsRecord('good', lifecycleEvent)] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });

  test('a late event for an instance no longer waiting does nothing', async () => {
    const { deps, at } = setup();
    await deps.fleet.completeLifecycleAction({ instanceId: INSTANCE, groupName: GROUP }, settings.hookName);
    at(T0 + 60_000); // past Auto Scaling's eventual consistency: Describe* no longer lists it as waiting
    const out = await makeDrainEventsHandler(deps)({ Records: [sqsRecord('late', lifecycleEvent)] });
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.store.active.size).toBe(0);
    expect(deps.workerControl.stops.size).toBe(0);
  });

  test('Auto Scaling unreachable: the relevant messages are redelivered', async () => {
    const { deps } = setup();
    deps.fleet.filterWaiting = async () => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    };
    const out = await makeDrainEventsHandler(deps)({ Records: [sqsRecord('good', lifecycleEvent)] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'good' }]);
  });

  test('throttled under a mass scale-in: valid events are left to the sweep, never walked into the DLQ', async () => {
    const { deps } = setup();
    deps.fleet.filterWaiting = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    };
    const out = await makeDrainEventsHandler(deps)({ Records: [sqsRecord('good', lifecycleEvent)] });
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.log.lines.at(-1)).toMatchObject({ level: 'error', fields: { throttled: true, leftToSweep: 1 } });
  });

  test('an event failing again and again is acknowledged before its last receive: the DLQ alarm means poison', async () => {
    const { deps } = setup();
    deps.fleet.filterWaiting = async () => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    };
    const handler = makeDrainEventsHandler(deps);
    const outcomes = [];
    for (let receive = 1; receive <= EVENT_MAX_RECEIVE_COUNT; receive++) {
      const record = sqsRecord('good', lifecycleEvent);
      record.attributes.ApproximateReceiveCount = String(receive);
      outcomes.push((await handler({ Records: [record] })).batchItemFailures.length);
    }
    // Redelivered while attempts remain, then left to the sweep: it never exceeds maxReceiveCount.
    expect(outcomes).toEqual([1, 1, 1, 0, 0]);
  });

  test.each([
    ['long ago', '2001-01-01T00:00:00Z'],
    ['in the future', '2101-01-01T00:00:00Z'],
  ])('an event whose time is forged %s neither forces a busy worker nor puts the force off', async (_name, time) => {
    const { deps, at } = setup();
    deps.taskCounts.publish(INSTANCE, T0, 3);
    const forged = { ...lifecycleEvent, time };
    await makeDrainEventsHandler(deps)({ Records: [sqsRecord('forged', forged)] });
    // The deadline is Auto Scaling's record of the termination (a second before T0) plus the drain timeout.
    expect(deps.store.active.get(INSTANCE)).toMatchObject({ waitStartedAt: T0 - 1000, deadlineAt: T0 - 1000 + 600_000 });
    expect(deps.fleet.instances.get(INSTANCE)!.state).toBe('Terminating:Wait');
    for (let t = T0 + 60_000; t < T0 + 600_000; t += 60_000) deps.taskCounts.publish(INSTANCE, t, 3);
    at(T0 + 600_000);
    const sweep = await makeDrainSweepHandler(deps)();
    expect(sweep.finished.get(INSTANCE)).toBe('forced');
  });
});

describe('drain reports from the agents', () => {
  const ROLE_ID = 'AROAWORKERROLEEXAMPLE1';
  const reportSettings: ControllerSettings = {
    ...settings,
    groups: { [GROUP]: { fleet: 'etl', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720, shutdownGraceSeconds: 120, workerRoleId: ROLE_ID } },
    workerControl: { kind: 'agent' },
  };
  const report = (instanceId = INSTANCE, groupName = GROUP) =>
    formatDrainReport({ instanceId, groupName, stoppedAt: T0 + 1000, drainedAt: T0 + 4000, drainedBy: 'coordinator' });
  const fromSender = (messageId: string, body: string, senderId: string) => ({ ...sqsRecord(messageId, body), attributes: { ...sqsRecord(messageId, body).attributes, SenderId: senderId } });
  function reporting() {
    const env = setup();
    const deps = { ...env.deps, settings: reportSettings, workerControl: new MemoryWorkerControl('agent') };
    return { ...env, deps, handler: makeDrainEventsHandler(deps) };
  }

  test('a report from the instance itself, under its group\'s role, completes it in the same invocation', async () => {
    const { deps, handler } = reporting();
    await handler({ Records: [sqsRecord('event', lifecycleEvent)] });
    expect(deps.fleet.instances.get(INSTANCE)!.state).toBe('Terminating:Wait'); // zeros alone would wait the grace period
    const out = await handler({ Records: [fromSender('report', report(), `${ROLE_ID}:${INSTANCE}`)] });
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.fleet.instances.get(INSTANCE)).toMatchObject({ state: 'Terminated', endedBy: 'complete' });
    expect(deps.store.history).toEqual([expect.objectContaining({ instanceId: INSTANCE, outcome: 'drained', drainedBy: 'coordinator' })]);
    expect(deps.metrics.counts.get('DrainReports')).toBe(1);
    expect(deps.metrics.gauges.get('DrainedToCompletedSeconds')).toEqual([0]);
  });

  test('a report whose lifecycle event was lost still completes: first sight and report in one pass', async () => {
    const { deps, handler } = reporting();
    await handler({ Records: [fromSender('report', report(), `${ROLE_ID}:${INSTANCE}`)] });
    expect(deps.fleet.instances.get(INSTANCE)!.state).toBe('Terminated');
  });

  test.each([
    ['another instance of the fleet', `${ROLE_ID}:i-0ffffffffffffffff`],
    ['another role with the right session name', `AROAOTHERROLEEXAMPLE1:${INSTANCE}`],
    ['an IAM user', 'AIDAEXAMPLE'],
    ['no sender stamp at all', undefined],
  ])('forged: a report sent by %s is rejected and changes nothing', async (_name, senderId) => {
    const { deps, handler } = reporting();
    await handler({ Records: [sqsRecord('event', lifecycleEvent)] });
    const record = fromSender('forged', report(), senderId as string);
    if (senderId === undefined) delete (record.attributes as Record<string, unknown>).SenderId;
    const out = await handler({ Records: [record] });
    expect(out.batchItemFailures).toEqual([]); // not retried: a forgery does not improve with time
    expect(deps.fleet.instances.get(INSTANCE)!.state).toBe('Terminating:Wait');
    expect(deps.store.active.get(INSTANCE)!.drainedAt).toBeUndefined();
    expect(deps.metrics.counts.get('RejectedReports')).toBe(1);
  });

  test('a report naming a group it is not waiting in, an unmanaged or prototype-named group, is rejected', async () => {
    const { deps, handler } = reporting();
    for (const group of ['not-ours', '__proto__', 'constructor']) {
      await handler({ Records: [fromSender(`r-${group}`, report(INSTANCE, group), `${ROLE_ID}:${INSTANCE}`)] });
    }
    expect(deps.fleet.instances.get(INSTANCE)!.state).toBe('Terminating:Wait');
    expect(deps.metrics.counts.get('RejectedReports')).toBe(3);
  });

  test('a report for an instance that is not waiting is dropped, and its oversize cousin is logged capped', async () => {
    const { deps, handler, at } = reporting();
    await deps.fleet.completeLifecycleAction({ instanceId: INSTANCE, groupName: GROUP }, settings.hookName);
    at(T0 + 60_000); // past Auto Scaling's eventual consistency
    await handler({ Records: [fromSender('late', report(), `${ROLE_ID}:${INSTANCE}`)] });
    expect(deps.store.active.size).toBe(0);
    const huge = JSON.stringify({ source: 'graceful-autoscaler.agent', padding: 'x'.repeat(100_000) });
    await handler({ Records: [fromSender('huge', huge, `${ROLE_ID}:${INSTANCE}${'y'.repeat(10_000)}`)] });
    expect(deps.metrics.counts.get('RejectedReports')).toBe(2);
    for (const line of deps.log.lines) expect(JSON.stringify(line).length).toBeLessThan(2000);
  });

  test('a report whose completion fails is kept: the next sweep completes it without another report', async () => {
    const { deps, handler } = reporting();
    await handler({ Records: [sqsRecord('event', lifecycleEvent)] });
    const complete = deps.fleet.completeLifecycleAction.bind(deps.fleet);
    deps.fleet.completeLifecycleAction = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    };
    await handler({ Records: [fromSender('report', report(), `${ROLE_ID}:${INSTANCE}`)] });
    expect(deps.store.active.get(INSTANCE)!.drainedAt).toBeDefined();
    deps.fleet.completeLifecycleAction = complete;
    const summary = await makeDrainSweepHandler(deps)();
    expect(summary.finished.get(INSTANCE)).toBe('drained');
  });
});

describe('drain-sweep handler', () => {
  test('finds a waiting instance whose event was lost, and completes it once idle', async () => {
    const { deps, at } = setup();
    const sweep = makeDrainSweepHandler(deps);
    await sweep();
    expect(deps.workerControl.stops.get(INSTANCE)).toBe(1);
    const stoppedAt = deps.store.active.get(INSTANCE)!.stopSentAt!;
    for (let k = 1; k <= 3; k++) deps.taskCounts.publish(INSTANCE, stoppedAt + k * 10_000, 0);
    at(stoppedAt + 40_000);
    const summary = await sweep();
    expect(summary.finished.get(INSTANCE)).toBe('idle');
    expect(deps.metrics.gauges.get('InstancesDraining')).toEqual([1, 0]);
  });
});

describe('termination-policy handler', () => {
  const request: TerminationPolicyRequest = JSON.parse(fixture('termination-policy-request.json'));
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const launched: Record<string, number> = { 'i-0056faf8da3e1f75d': 3, 'i-0a1b2c3d4e5f60001': 1, 'i-02e1c69383a3ed501': 2, 'i-036bc44b6092c01c7': 1 };
  const details: InstanceDetails = { describe: async (ids) => new Map(ids.map((id) => [id, { launchedAt: launched[id] }])) };

  function handler(taskCounts: MemoryTaskCounts, budgetMs = 1200) {
    return makeTerminationPolicyHandler({ taskCounts, instances: details, policy: DEFAULT_DRAIN_POLICY, log: new MemoryLog(true), now: () => now, budgetMs });
  }

  test('offers the least busy instance of each zone; ties go to the oldest launch', async () => {
    const counts = new MemoryTaskCounts();
    counts.publish('i-0056faf8da3e1f75d', now - 10_000, 0);
    counts.publish('i-0a1b2c3d4e5f60001', now - 10_000, 6);
    counts.publish('i-02e1c69383a3ed501', now - 10_000, 2);
    counts.publish('i-036bc44b6092c01c7', now - 10_000, 2);
    expect(await handler(counts)(request)).toEqual({ InstanceIDs: ['i-0056faf8da3e1f75d', 'i-036bc44b6092c01c7'] });
  });

  test('among equally busy instances the youngest oldest task goes first, each age carried forward to now', async () => {
    const counts = new MemoryTaskCounts();
    // Zone c: i-036b… launched earlier, but its oldest task has run 400 s; i-02e1…'s ran 100 s, read 30 s
    // before i-036b…'s, so it is 140 s old now: still the younger. Zone b: one idle worker, age irrelevant.
    counts.publish('i-0056faf8da3e1f75d', now - 10_000, 0);
    counts.publish('i-0a1b2c3d4e5f60001', now - 10_000, 3, 5);
    counts.publish('i-036bc44b6092c01c7', now - 10_000, 2, 400);
    counts.publish('i-02e1c69383a3ed501', now - 40_000, 2, 100);
    const log = new MemoryLog();
    const out = await makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log, now: () => now, budgetMs: 1200 })(request);
    expect(out).toEqual({ InstanceIDs: ['i-0056faf8da3e1f75d', 'i-02e1c69383a3ed501'] });
    // The choice log shows the ages it ranked by: an idle worker's is 0, though the agent publishes none.
    const choice = log.lines.find((l) => l.message === 'termination choice')!;
    expect((choice.fields as any).load['i-02e1c69383a3ed501']).toMatchObject({ runningTasks: 2, oldestTaskAgeSeconds: 140 });
    expect((choice.fields as any).load['i-0056faf8da3e1f75d']).toMatchObject({ runningTasks: 0, oldestTaskAgeSeconds: 0 });
    // Without the ages the tie would go to the earlier launch: the task that has run 400 s.
    const plain = new MemoryTaskCounts();
    for (const [id, series] of counts.series) for (const r of series) plain.publish(id, r.at, r.runningTasks);
    expect((await handler(plain)(request)).InstanceIDs).toEqual(['i-0056faf8da3e1f75d', 'i-036bc44b6092c01c7']);
  });

  test('a stale reading does not make a worker look idle', async () => {
    const counts = new MemoryTaskCounts();
    counts.publish('i-0056faf8da3e1f75d', now - 10 * 60_000, 0); // old zero
    counts.publish('i-0a1b2c3d4e5f60001', now - 10_000, 6);
    const out = await handler(counts)(request);
    expect(out.InstanceIDs[0]).toBe('i-0a1b2c3d4e5f60001');
  });

  test('with straggler findings, an equally busy straggler goes first; findings that cannot be read change nothing else', async () => {
    const counts = new MemoryTaskCounts();
    for (const id of Object.keys(launched)) counts.publish(id, now - 10_000, 2);
    const findings = new Map([['i-02e1c69383a3ed501', 31]]);
    const withFindings = (read: () => Promise<Map<string, number>>) =>
      makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log: new MemoryLog(true), now: () => now, budgetMs: 1200, stragglers: { read } });
    const plain = (await handler(counts)(request)).InstanceIDs;
    const chosen = (await withFindings(async () => findings)(request)).InstanceIDs;
    const zoneOf = new Map(request.Instances.map((i) => [i.InstanceId, i.AvailabilityZone]));
    // The straggler replaces the plain choice in its own zone; the other zones' choices stay.
    expect(chosen).toContain('i-02e1c69383a3ed501');
    expect(chosen.filter((id) => zoneOf.get(id) !== zoneOf.get('i-02e1c69383a3ed501'))).toEqual(plain.filter((id) => zoneOf.get(id) !== zoneOf.get('i-02e1c69383a3ed501')));
    expect((await withFindings(async () => Promise.reject(new Error('GetMetricData throttled')))(request)).InstanceIDs).toEqual(plain);
  });

  test('task counts down: every suggested instance is returned, so Auto Scaling applies its default policy', async () => {
    const counts = new MemoryTaskCounts();
    counts.failure = new Error('CloudWatch 500');
    expect((await handler(counts)(request)).InstanceIDs).toEqual(request.Instances.map((i) => i.InstanceId));
  });

  test('past its time budget it answers with the suggestion instead of missing Auto Scaling\'s 2 s', async () => {
    const counts = new MemoryTaskCounts();
    counts.read = () => new Promise(() => undefined);
    expect((await handler(counts, 50)(request)).InstanceIDs).toHaveLength(4);
  });

  test("a cold start's init counts against the 2 s: the first call reads for what is left, later calls for the full budget", async () => {
    const counts = new MemoryTaskCounts();
    const waits: number[] = [];
    // Records how long the handler would wait on the read: the budget it derived.
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      waits.push(ms);
      return realSetTimeout(fn, ms);
    }) as never);
    try {
      const log = new MemoryLog(true);
      const h = makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log, now: () => now, budgetMs: 1200, initMs: () => 900 });
      await h(request);
      await h(request);
      // 2000 - 300 (round trip) - 900 (init) = 800 ms, then the steady 1200 ms.
      expect(waits).toEqual([800, 1200]);
      // An environment started minutes before its first call (proactive initialization) was not waited for.
      const early = makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log, now: () => now, budgetMs: 1200, initMs: () => 180_000 });
      await early(request);
      expect(waits).toEqual([800, 1200, 1200]);
    } finally {
      spy.mockRestore();
    }
  });

  test('an init that used the whole 2 s: answered at once with the suggestion rather than late', async () => {
    const counts = new MemoryTaskCounts();
    let reads = 0;
    counts.read = async () => {
      reads++;
      return new Map();
    };
    const log = new MemoryLog();
    const h = makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log, now: () => now, budgetMs: 1200, initMs: () => 1800 });
    expect((await h(request)).InstanceIDs).toEqual(request.Instances.map((i) => i.InstanceId));
    expect(reads).toBe(0);
    expect(log.lines.some((l) => l.message.includes('cold start used the time'))).toBe(true);
  });

  test('a forged request (huge names, thousands of instances) answers and logs only bounded lines', async () => {
    const log = new MemoryLog();
    const counts = new MemoryTaskCounts();
    const instances = Array.from({ length: 5000 }, (_, i) => ({ AvailabilityZone: 'eu-west-1b', InstanceId: `i-${i.toString(16).padStart(17, '0')}`, InstanceMarketOption: 'on-demand' }));
    const forged = { AutoScalingGroupName: 'g'.repeat(1_000_000), Cause: 'x'.repeat(100_000), CapacityToTerminate: [{ AvailabilityZone: 'eu-west-1b', Capacity: 5000, InstanceMarketOption: 'on-demand' }], Instances: instances };
    const h = makeTerminationPolicyHandler({ taskCounts: counts, instances: details, policy: DEFAULT_DRAIN_POLICY, log, now: () => now, budgetMs: 1200 });
    expect((await h(forged)).InstanceIDs).toHaveLength(5000);
    counts.failure = new Error('e'.repeat(100_000));
    await h(forged);
    await h({ nonsense: 'n'.repeat(1_000_000) } as never);
    expect(log.lines.length).toBeGreaterThanOrEqual(3);
    for (const line of log.lines) expect(JSON.stringify(line).length).toBeLessThan(8_000);
  });

  test('an input it does not understand is answered, not thrown on', async () => {
    expect(await handler(new MemoryTaskCounts())({ nonsense: true } as never)).toEqual({ InstanceIDs: [] });
  });
});
