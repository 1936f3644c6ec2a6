/**
 * The drain's price check in the signals function (issue 38): the coordinator's finished queries teach the
 * fleet's history, its running queries are predicted from it, and a drain near its deadline whose force
 * would kill queries worth more than the wait gets a later deadline in the drain store.
 */
import { DEFAULT_SCALING_POLICY } from '../../../core/scaling-policy';
import { SignalsDeps, makeScalingSignalsHandler } from '../../../lambdas/signals/handler';
import { DrainRecord, SignalDatapoint, StoredRuntimes } from '../../../core/ports';
import { DRAINS_EXTENDED_METRIC, DRAIN_QUERIES_AT_RISK_METRIC, REMAINING_UNDERRUN_METRIC } from '../../../core/contract/metrics';
import { MemoryDrainStore } from '../../../sim/memory-ports';

const now = Date.parse('2026-11-21T12:00:00Z');
const MIN = 60_000;
const policy = { ...DEFAULT_SCALING_POLICY, targetCpuPercent: 40 };
const pricing = { killPenaltyInstanceSeconds: 3600, maxDrainSeconds: 6 * 3600, vcpus: 8 };
const fleets = [
  { fleet: 'etl', groupName: 'g-etl', coordinatorUrl: 'http://etl:8080', policy, drainPricing: pricing },
  { fleet: 'adhoc', groupName: 'g-adhoc', coordinatorUrl: 'http://adhoc:8080', policy },
];
const iso = (ms: number) => new Date(ms).toISOString();
const secs = (s: number) => `${s.toFixed(2)}s`;
/** A finished query of `run` seconds that ended `endedAgo` seconds ago. */
const finished = (id: string, run: number, endedAgo: number, sql = 'SELECT * FROM t WHERE d = 1') => ({
  queryId: id,
  state: 'FINISHED',
  query: sql,
  queryStats: { createTime: iso(now - (endedAgo + run) * 1000), endTime: iso(now - endedAgo * 1000), queuedTime: '0.00s', executionTime: secs(run) },
});
/** A query running for `run` seconds. */
const running = (id: string, run: number, cpu: number, sql = 'SELECT * FROM t WHERE d = 1', retryPolicy = 'NONE') => ({
  queryId: id,
  state: 'RUNNING',
  query: sql,
  retryPolicy,
  queryStats: { createTime: iso(now - run * 1000), queuedTime: '0.00s', executionTime: secs(run), totalCpuTime: secs(cpu) },
});
const drain = (instanceId: string, groupName: string, startedAgoMin: number, deadlineInMin: number): DrainRecord => ({
  instanceId,
  groupName,
  fleet: groupName === 'g-etl' ? 'etl' : 'adhoc',
  waitStartedAt: now - startedAgoMin * MIN,
  deadlineAt: now + deadlineInMin * MIN,
  hookExpiresAt: now + deadlineInMin * MIN,
  heartbeatTimeoutSeconds: 600,
  heartbeats: 0,
  readings: [],
});

function setup(etlQueries: unknown[], drains: DrainRecord[], stored?: StoredRuntimes) {
  const store = new MemoryDrainStore();
  for (const r of drains) store.active.set(r.instanceId, r);
  const saved = new Map<string, StoredRuntimes>(stored ? [['etl', stored]] : []);
  const published: SignalDatapoint[] = [];
  const logs: { message: string; fields?: Record<string, unknown> }[] = [];
  const group = { capacity: 10, minCapacity: 1, maxCapacity: 50, launching: 0, inService: [] };
  const d: SignalsDeps = {
    fleets,
    coordinator: { queries: async (url) => (url === 'http://etl:8080' ? etlQueries : []) },
    groups: { describe: async (names) => new Map(names.map((n) => [n, group])), warm: async () => 0 },
    history: { read: async () => new Map() },
    publish: async (points) => void published.push(...points),
    log: { info: (message, fields) => logs.push({ message, fields }), warn: (message, fields) => logs.push({ message, fields }), error: (message, fields) => logs.push({ message, fields }) },
    now: () => now,
    drainPricing: {
      drains: store,
      runtimes: { load: async (fleet) => saved.get(fleet), save: async (fleet, value) => void saved.set(fleet, JSON.parse(JSON.stringify(value))) },
      signatureOf: (sql) => sql.replace(/\d+/g, '?'),
    },
  };
  return { d, store, saved, published, logs };
}

// The history: 40 runs of the nightly job, 50 to 70 minutes each, all learnt from the coordinator.
const nightly = 'INSERT INTO daily SELECT * FROM events WHERE day = 20261120';
const history = Array.from({ length: 40 }, (_, k) => finished(`n${k}`, 3000 + k * 30, 30, nightly));

test("a drain due now whose force would kill a query near its end is extended to that query's predicted end", async () => {
  // First minute: the coordinator lists the 40 finished runs; the history learns them.
  const first = setup(history, []);
  await makeScalingSignalsHandler(first.d)();
  expect(first.saved.get('etl')?.readUntilMs).toBe(now);
  // Next minute: tonight's run is 55 minutes in; a drain that started 8 minutes ago is due in 2.
  const tonight = running('tonight', 55 * 60, 55 * 60 * 32, nightly.replace('20261120', '20261121'));
  const next = setup([tonight], [drain('i-a', 'g-etl', 8, 2)], first.saved.get('etl'));
  await makeScalingSignalsHandler(next.d)();
  const record = next.store.active.get('i-a')!;
  // Its like ran 50 to 69.5 minutes; 90% ended within 14 minutes of the 55th: the deadline moves past that, plus the margin.
  expect(record.deadlineAt).toBeGreaterThan(now + 10 * MIN);
  expect(record.deadlineAt).toBeLessThanOrEqual(now + (15 + 2) * MIN);
  expect(next.published.find((p) => p.name === DRAINS_EXTENDED_METRIC)).toMatchObject({ fleet: 'etl', value: 1 });
  expect(next.published.find((p) => p.name === DRAIN_QUERIES_AT_RISK_METRIC)).toMatchObject({ fleet: 'etl', value: 1 });
  expect(next.logs.find((l) => l.message.startsWith('drain priced: deadline moved'))?.fields).toMatchObject({ fleet: 'etl', instanceId: 'i-a', queriesAtRisk: 1 });
});

test('a fleet without the price check, a drain not yet due, and a query that survives a worker loss leave deadlines alone', async () => {
  const first = setup(history, []);
  await makeScalingSignalsHandler(first.d)();
  const survivor = running('fte', 55 * 60, 100, nightly, 'TASK');
  const { d, store } = setup([survivor], [drain('i-due', 'g-etl', 8, 2), drain('i-early', 'g-etl', 1, 9), drain('i-other', 'g-adhoc', 8, 2)], first.saved.get('etl'));
  await makeScalingSignalsHandler(d)();
  expect(store.active.get('i-due')!.deadlineAt).toBe(now + 2 * MIN);
  expect(store.active.get('i-early')!.deadlineAt).toBe(now + 9 * MIN);
  expect(store.active.get('i-other')!.deadlineAt).toBe(now + 2 * MIN);
});

test('finished queries are learnt once, and the calibration metric says how many outran their prediction', async () => {
  const first = setup(history, []);
  await makeScalingSignalsHandler(first.d)();
  const size = (s: StoredRuntimes | undefined) => (s!.history as { all: number[] }).all.length;
  expect(size(first.saved.get('etl'))).toBe(40);
  // The same list a minute later (Trino keeps finished queries 15 minutes) adds nothing.
  const again = setup(history, [], { ...first.saved.get('etl')!, readUntilMs: now });
  await makeScalingSignalsHandler(again.d)();
  expect(size(again.saved.get('etl'))).toBe(40);
  // The first 40 had no history to be predicted from but the prior: some outran it, and the share is published.
  const share = first.published.find((p) => p.name === REMAINING_UNDERRUN_METRIC)!;
  expect(share.value).toBeGreaterThanOrEqual(0);
  expect(share.value).toBeLessThanOrEqual(1);
});

test('a history store that fails costs the fleet its pricing this minute, never its scaling decision', async () => {
  const { d, store, published, logs } = setup([running('x', 3300, 100)], [drain('i-a', 'g-etl', 8, 2)]);
  const failing: SignalsDeps = { ...d, drainPricing: { ...d.drainPricing!, runtimes: { load: async () => { throw new Error('throttled'); }, save: async () => undefined } } };
  const summary = await makeScalingSignalsHandler(failing)();
  expect(summary.failed).toEqual([]);
  expect(store.active.get('i-a')!.deadlineAt).toBe(now + 2 * MIN);
  expect(published.some((p) => p.name === 'ScalingDecisions' && p.fleet === 'etl')).toBe(true);
  expect(logs.some((l) => l.message.startsWith('run-time history unreadable'))).toBe(true);
});

test('short queries alone are saved at most every 5 minutes, and read again from the coordinator until then', async () => {
  const shorts = Array.from({ length: 30 }, (_, k) => finished(`s${k}`, 2 + k / 10, 20));
  // Saved 2 minutes ago, with nothing since: 30 short queries finished in the last minute.
  const recent = { history: { v: 1, all: [], long: [], sig: {} }, readUntilMs: now - 2 * MIN };
  const skipped = setup(shorts, [], recent);
  await makeScalingSignalsHandler(skipped.d)();
  expect(skipped.saved.get('etl')).toEqual(recent);
  // Six minutes after the last save they are written, read from where that save left off.
  const written = setup(shorts, [], { ...recent, readUntilMs: now - 6 * MIN });
  await makeScalingSignalsHandler(written.d)();
  expect(written.saved.get('etl')).toMatchObject({ readUntilMs: now });
  expect((written.saved.get('etl')!.history as { all: number[] }).all).toHaveLength(30);
});

test("every fleet's scaling datapoints are published before the price check touches the drain table", async () => {
  const { d } = setup([running('x', 3300, 100)], [drain('i-a', 'g-etl', 8, 2)]);
  const calls: string[][] = [];
  let listed = false;
  const slow: SignalsDeps = {
    ...d,
    publish: async (points) => void calls.push(points.map((p) => p.name)),
    drainPricing: { ...d.drainPricing!, drains: { ...d.drainPricing!.drains, listActive: async () => { listed = true; expect(calls).toHaveLength(1); return []; }, setDeadline: async () => false } },
  };
  await makeScalingSignalsHandler(slow)();
  expect(listed).toBe(true);
  expect(calls[0]).toContain('ScalingDecisions');
  expect(calls[0]).not.toContain('DrainsExtended');
});

test('the calibration share judges each finished query once, in the minute it ended, though it is read again until the next save', async () => {
  // Saved 3 minutes ago; the list holds queries that ended 30 s ago (new) and 150 s ago (read last minute, not yet saved).
  const stored = { history: { v: 1, all: [], long: [], sig: {} }, readUntilMs: now - 3 * MIN };
  const recent = Array.from({ length: 4 }, (_, k) => finished(`new${k}`, 20, 30));
  const older = Array.from({ length: 12 }, (_, k) => finished(`old${k}`, 20, 150));
  const { d, published } = setup([...recent, ...older], [], stored);
  await makeScalingSignalsHandler(d)();
  const share = published.find((p) => p.name === REMAINING_UNDERRUN_METRIC)!;
  // Judged: the 4 of the last minute. With an empty history the prior predicts at least 60 s: none ran past it.
  expect(share.value).toBe(0);
  const none = setup(older, [], stored);
  await makeScalingSignalsHandler(none.d)();
  expect(none.published.some((p) => p.name === REMAINING_UNDERRUN_METRIC)).toBe(false);
});

test('a stored read time in the future is not believed: the minute is read and saved as on a first run', async () => {
  const shorts = Array.from({ length: 3 }, (_, k) => finished(`s${k}`, 2, 20));
  const { d, saved } = setup(shorts, [], { history: { v: 1, all: [], long: [], sig: {} }, readUntilMs: now + 86_400_000 });
  await makeScalingSignalsHandler(d)();
  expect(saved.get('etl')).toMatchObject({ readUntilMs: now });
  expect((saved.get('etl')!.history as { all: number[] }).all).toHaveLength(3);
});
