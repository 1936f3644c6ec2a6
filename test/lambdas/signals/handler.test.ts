import { DEFAULT_SCALING_POLICY } from '../../../core/scaling-policy';
import { SignalsDeps, makeScalingSignalsHandler } from '../../../lambdas/signals/handler';
import { GroupState, MetricHistory, SignalDatapoint } from '../../../core/ports';
import { QUERIES_INVISIBLE_METRIC, RATIO_METRIC, SIGNALS_FAILED_METRIC } from '../../../core/contract/metrics';

const now = Date.parse('2026-11-21T12:00:00Z');
const policy = { ...DEFAULT_SCALING_POLICY, targetBacklogSeconds: 60, targetCpuPercent: 40 };
const fleets = [
  { fleet: 'etl', groupName: 'g-etl', coordinatorUrl: 'http://etl-coordinator:8080', policy },
  { fleet: 'adhoc', groupName: 'g-adhoc', coordinatorUrl: 'http://adhoc-coordinator:8080', policy },
];
const ended = (secondsAgo: number) => ({ state: 'FINISHED', queryStats: { endTime: new Date(now - secondsAgo * 1000).toISOString() } });

/** `coordinators`: each fleet's coordinator answer, or an Error its read throws. */
function deps(coordinators: Record<string, unknown>, groups: Record<string, GroupState>, history: Record<string, MetricHistory>, warm: Record<string, number | undefined> = {}) {
  const published: SignalDatapoint[] = [];
  const warmReads: string[] = [];
  const logs: { message: string; fields?: Record<string, unknown> }[] = [];
  const d: SignalsDeps = {
    fleets,
    coordinator: {
      queries: async (url) => {
        const answer = coordinators[url];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    groups: {
      describe: async (names) => new Map(names.filter((n) => groups[n]).map((n) => [n, groups[n]])),
      warm: async (name, inService) => {
        warmReads.push(name);
        return name in warm ? warm[name] : inService.length;
      },
    },
    history: { read: async () => new Map(Object.entries(history)) },
    publish: async (points) => void published.push(...points),
    log: { info: (message, fields) => logs.push({ message, fields }), warn: (message, fields) => logs.push({ message, fields }), error: (message, fields) => logs.push({ message, fields }) },
    now: () => now,
  };
  return { d, published, logs, warmReads };
}

const group = (capacity: number): GroupState => ({ capacity, minCapacity: 1, maxCapacity: 50, launching: 0, inService: Array.from({ length: capacity }, (_, k) => `i-${k}`) });

test('a queue that takes 30 s to clear publishes a ratio target tracking scales out on, with its rule and signals', async () => {
  // 60 queued, 120 finished in the last minute (2/s): 30 s of backlog; catch-up with R = 60 s asks 1.5×.
  const etl = [...Array.from({ length: 60 }, () => ({ state: 'QUEUED' })), ...Array.from({ length: 120 }, (_, i) => ended(i * 0.4))];
  const { d, published } = deps({ 'http://etl-coordinator:8080': etl, 'http://adhoc-coordinator:8080': [] }, { 'g-etl': group(10), 'g-adhoc': group(2) }, { etl: { cpuPercent: 40, busyInstances: [{ minutesAgo: 1, busy: 4 }], previousQueued: 60 } });
  const summary = await makeScalingSignalsHandler(d)();
  expect(summary.decided).toEqual({ etl: 'backlog', adhoc: 'no-data' });
  const etlPoints = published.filter((p) => p.fleet === 'etl');
  expect(etlPoints.find((p) => p.name === RATIO_METRIC)?.value).toBeCloseTo(1.5);
  expect(etlPoints.find((p) => p.name === 'QueuedQueries')?.value).toBe(60);
  expect(etlPoints.find((p) => p.name === 'BacklogSeconds')?.value).toBeCloseTo(30);
  expect(etlPoints.find((p) => p.name === 'ScalingDecisions')).toMatchObject({ rule: 'backlog', value: 1 });
  // No CPU and no work: no ratio, so the policy sees missing data rather than a made-up 1.
  expect(published.some((p) => p.fleet === 'adhoc' && p.name === RATIO_METRIC)).toBe(false);
});

test('a coordinator that does not answer costs its own fleet its datapoint, and no other fleet anything', async () => {
  const { d, published, logs } = deps(
    { 'http://etl-coordinator:8080': new Error('connect ECONNREFUSED '.repeat(2000)), 'http://adhoc-coordinator:8080': [{ state: 'RUNNING' }] },
    { 'g-etl': group(10), 'g-adhoc': group(4) },
    { adhoc: { cpuPercent: 38, busyInstances: [{ minutesAgo: 1, busy: 1.5 }] } },
  );
  const summary = await makeScalingSignalsHandler(d)();
  expect(summary.failed).toEqual(['etl']);
  expect(published.filter((p) => p.fleet === 'etl').map((p) => p.name)).toEqual([SIGNALS_FAILED_METRIC]);
  expect(published.some((p) => p.fleet === 'adhoc' && p.name === RATIO_METRIC)).toBe(true);
  // The error is logged, capped.
  const warned = logs.find((l) => l.fields?.fleet === 'etl')!;
  expect(String(warned.fields!.error).length).toBeLessThan(2100);
});

test('a group that is gone is a failed fleet, not a crash', async () => {
  const { d } = deps({ 'http://etl-coordinator:8080': [], 'http://adhoc-coordinator:8080': [] }, { 'g-adhoc': group(2) }, {});
  expect((await makeScalingSignalsHandler(d)()).failed).toEqual(['etl']);
});

test('backlog growth is the change from the last published queue', async () => {
  const etl = [...Array.from({ length: 40 }, () => ({ state: 'QUEUED' })), ...Array.from({ length: 60 }, (_, i) => ended(i))];
  const { d, logs } = deps({ 'http://etl-coordinator:8080': etl, 'http://adhoc-coordinator:8080': [] }, { 'g-etl': group(10), 'g-adhoc': group(2) }, { etl: { cpuPercent: 50, busyInstances: [{ minutesAgo: 1, busy: 5 }], previousQueued: 10 } });
  await makeScalingSignalsHandler(d)();
  const decision = logs.find((l) => l.message === 'scaling decision' && l.fields?.fleet === 'etl')!;
  expect(decision.fields!.inputs).toMatchObject({ queued: 40, backlogGrowthPerMinute: 30, finishedPerMinute: 60 });
});

test('only a scale-out reads which instances still warm up, and its ratio is then relative to the warm ones', async () => {
  // The etl queue of the first test needs 15 of 10; 4 of the 10 still warm up: 15 / 6 = 2.5.
  const etl = [...Array.from({ length: 60 }, () => ({ state: 'QUEUED' })), ...Array.from({ length: 120 }, (_, i) => ended(i * 0.4))];
  const history = { etl: { cpuPercent: 40, busyInstances: [{ minutesAgo: 1, busy: 4 }], previousQueued: 60 }, adhoc: { cpuPercent: 38, busyInstances: [{ minutesAgo: 1, busy: 1.5 }] } };
  const coordinators = { 'http://etl-coordinator:8080': etl, 'http://adhoc-coordinator:8080': [{ state: 'RUNNING' }] };
  const { d, published, warmReads } = deps(coordinators, { 'g-etl': group(10), 'g-adhoc': group(4) }, history, { 'g-etl': 6 });
  await makeScalingSignalsHandler(d)();
  expect(warmReads).toEqual(['g-etl']); // adhoc holds: no read
  expect(published.find((p) => p.fleet === 'etl' && p.name === RATIO_METRIC)?.value).toBeCloseTo(2.5);

  // Unreadable: every in-service instance counts as warm (15 / 10), and the log says so.
  const unreadable = deps(coordinators, { 'g-etl': group(10), 'g-adhoc': group(4) }, history, { 'g-etl': undefined });
  await makeScalingSignalsHandler(unreadable.d)();
  expect(unreadable.published.find((p) => p.fleet === 'etl' && p.name === RATIO_METRIC)?.value).toBeCloseTo(1.5);
  expect(unreadable.logs.find((l) => l.message === 'scaling decision' && l.fields?.fleet === 'etl')?.fields).toMatchObject({ warmUnknown: true });
});

test('a coordinator that lists no queries while the fleet works is flagged, named and still decided on', async () => {
  // etl's CPU is at 35% yet /v1/query lists nothing, not even a finished query: Trino listed only the
  // queries our user may view. adhoc is idle and lists nothing: nothing to flag.
  const { d, published, logs } = deps(
    { 'http://etl-coordinator:8080': [], 'http://adhoc-coordinator:8080': [] },
    { 'g-etl': group(10), 'g-adhoc': group(2) },
    { etl: { cpuPercent: 35, busyInstances: [{ minutesAgo: 1, busy: 3.5 }] }, adhoc: { cpuPercent: 2, busyInstances: [{ minutesAgo: 1, busy: 0.04 }] } },
  );
  const summary = await makeScalingSignalsHandler(d)();
  expect(published.filter((p) => p.name === QUERIES_INVISIBLE_METRIC)).toEqual([{ name: QUERIES_INVISIBLE_METRIC, fleet: 'etl', value: 1, unit: 'Count' }]);
  const warned = logs.find((l) => l.message.startsWith('the coordinator lists no queries'))!;
  expect(warned.fields).toMatchObject({ fleet: 'etl', coordinatorUrl: 'http://etl-coordinator:8080', cpuPercent: 35 });
  expect(warned.message).toMatch(/may view/);
  // The decision still runs on what can be seen (CPU), so the fleet keeps scaling in and out on it.
  expect(summary.decided.etl).toBeDefined();
  expect(published.some((p) => p.fleet === 'etl' && p.name === RATIO_METRIC)).toBe(true);
  expect(logs.find((l) => l.message === 'scaling decision' && l.fields?.fleet === 'etl')?.fields).toMatchObject({ queriesInvisible: true });
});
