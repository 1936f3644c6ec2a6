import { DEFAULT_STRAGGLER_SETTINGS, WorkerPressure } from '../../../core/stragglers';
import { StragglerDeps, makeStragglerHandler } from '../../../lambdas/stragglers/handler';
import { StragglerDatapoint, StragglerGroup } from '../../../core/ports';
import { DEFERRED_METRIC, REPLACEMENTS_METRIC, STRAGGLERS_METRIC } from '../../../core/contract/metrics';
import { ScaleInHold } from '../../../core/ports';
import { MemoryDrainStore, MemoryLog } from '../../../sim/memory-ports';
import { Rng } from '../../../sim/rng';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 30);
const W = DEFAULT_STRAGGLER_SETTINGS.windowMinutes;
const ids = Array.from({ length: 8 }, (_, k) => `i-0000000000000000${k}`);

/** Eight workers' windows; `slow` ones sit 35 points of steal above the rest the whole window. */
function pressureOf(slow: readonly string[], seed = 3): Map<string, WorkerPressure> {
  const rng = new Rng(seed);
  return new Map(
    ids.map((id) => [
      id,
      {
        cpuSteal: Array.from({ length: W }, () => (slow.includes(id) ? 35 : 0) + Math.abs(rng.normal())),
        ioPressure: Array.from({ length: W }, () => 9 + Math.abs(3 * rng.normal())),
        load: Array.from({ length: W }, () => 3),
      },
    ]),
  );
}

function setup(o: { slow?: string[]; states?: Record<string, { lifecycleState?: string; healthStatus?: string }>; holds?: ScaleInHold[]; replace?: boolean; failHealth?: Error; groupMissing?: boolean } = {}) {
  const marked: string[] = [];
  const published: StragglerDatapoint[][] = [];
  const reads: { groupName: string; instanceIds: readonly string[]; endMs: number; minutes: number }[] = [];
  const log = new MemoryLog();
  const store = new MemoryDrainStore();
  for (const h of o.holds ?? []) void store.putHold(h);
  const group: StragglerGroup = {
    groupName: 'adhoc-asg',
    desiredCapacity: ids.length,
    instances: ids.map((instanceId) => ({ instanceId, lifecycleState: 'InService', healthStatus: 'Healthy', ...o.states?.[instanceId] })),
  };
  const deps: StragglerDeps = {
    fleets: [
      { fleet: 'adhoc', groupName: 'adhoc-asg', replace: o.replace ?? true, replaceDrainTimeoutSeconds: 3600, detector: DEFAULT_STRAGGLER_SETTINGS },
      { fleet: 'etl', groupName: 'etl-asg', replace: true, replaceDrainTimeoutSeconds: 3600, detector: DEFAULT_STRAGGLER_SETTINGS },
    ],
    groups: {
      describe: async (names) => new Map(names.filter((n) => n === 'adhoc-asg' && !o.groupMissing).map((n) => [n, group])),
    },
    pressure: {
      read: async (groupName, instanceIds, endMs, minutes) => {
        reads.push({ groupName, instanceIds, endMs, minutes });
        return pressureOf(o.slow ?? []);
      },
    },
    health: {
      markUnhealthy: async (id) => {
        if (o.failHealth) throw o.failHealth;
        marked.push(id);
      },
    },
    store,
    publish: async (d) => void published.push([...d]),
    log,
    now: () => NOW,
  };
  return { handler: makeStragglerHandler(deps), marked, published, reads, log, store, group };
}

const fleetPoint = (published: StragglerDatapoint[][], name: string) => published.at(-1)!.find((d) => d.name === name && d.fleet === 'adhoc' && !d.instance)?.value;

test('a persistent straggler is marked unhealthy, once, with its evidence logged and counted', async () => {
  const { handler, marked, published, reads, log } = setup({ slow: [ids[4]] });
  const [adhoc] = await handler();
  expect(marked).toEqual([ids[4]]);
  expect(adhoc.replaced).toBe(ids[4]);
  // The window ends at the last whole minute, and only in-service healthy workers are read.
  expect(reads[0]).toMatchObject({ groupName: 'adhoc-asg', endMs: Date.UTC(2026, 10, 21, 12, 0, 0), minutes: W });
  expect(fleetPoint(published, STRAGGLERS_METRIC)).toBe(1);
  expect(fleetPoint(published, REPLACEMENTS_METRIC)).toBe(1);
  expect(published.at(-1)!.find((d) => d.instance?.instanceId === ids[4])).toMatchObject({ name: 'BottleneckedMinutes', instance: { groupName: 'adhoc-asg' } });
  const line = log.lines.find((l) => l.message === 'straggler marked unhealthy for replacement')!;
  expect(line.fields).toMatchObject({ instanceId: ids[4], resource: 'cpuSteal', fleet: 'adhoc' });
  expect(line.fields!.bottleneckedMinutes as number).toBeGreaterThanOrEqual(DEFAULT_STRAGGLER_SETTINGS.replaceAfterMinutes);
});

test('one replacement in flight: none while an instance is unhealthy, launching or terminating, whatever the cause', async () => {
  for (const state of [{ lifecycleState: 'Terminating:Wait' }, { healthStatus: 'Unhealthy' }, { lifecycleState: 'Terminating:Proceed' }, { lifecycleState: 'Pending:Wait' }]) {
    const { handler, marked, published } = setup({ slow: [ids[4]], states: { [ids[1]]: state } });
    const [adhoc] = await handler();
    expect(marked).toEqual([]);
    expect(adhoc.deferred).toMatch(/one replacement in flight/);
    expect(fleetPoint(published, DEFERRED_METRIC)).toBe(1);
  }
  // And never two at once: of two stragglers, one is marked.
  const { handler, marked } = setup({ slow: [ids[4], ids[6]] });
  await handler();
  expect(marked).toHaveLength(1);
});

test('a scale-in hold (an operator pause or a deployment) defers the replacement', async () => {
  const hold: ScaleInHold = { groupName: 'adhoc-asg', holder: 'deployment:d-123', reason: 'deploying', requestedBy: 'codedeploy', since: NOW - 60_000, until: NOW + 3_600_000 };
  const { handler, marked } = setup({ slow: [ids[2]], holds: [hold] });
  const [adhoc] = await handler();
  expect(marked).toEqual([]);
  expect(adhoc.deferred).toBe('scale-in held by deployment:d-123');
});

test('holds that cannot be read defer the replacement, never the detection', async () => {
  const { handler, marked, published, store } = setup({ slow: [ids[2]] });
  store.listHolds = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  const [adhoc] = await handler();
  expect(marked).toEqual([]);
  expect(adhoc.deferred).toBe('scale-in holds unreadable: Rate exceeded');
  expect(fleetPoint(published, STRAGGLERS_METRIC)).toBe(1);
});

test('a quiet minute reads neither the holds nor the drains: the table is read only when a replacement or its drain needs it', async () => {
  const { handler, store } = setup();
  await handler();
  expect(store.calls.read).toBe(0);
});

test('detect only: stragglers are reported, nobody is marked', async () => {
  const { handler, marked, published } = setup({ slow: [ids[2]], replace: false });
  const [adhoc] = await handler();
  expect(marked).toEqual([]);
  expect(adhoc.verdicts.filter((v) => v.straggler).map((v) => v.instanceId)).toEqual([ids[2]]);
  expect(fleetPoint(published, STRAGGLERS_METRIC)).toBe(1);
  expect(fleetPoint(published, REPLACEMENTS_METRIC)).toBe(0);
});

test('no straggler: nothing marked, zeros published, no per-instance datapoints', async () => {
  const { handler, marked, published } = setup();
  await handler();
  expect(marked).toEqual([]);
  expect(fleetPoint(published, STRAGGLERS_METRIC)).toBe(0);
  expect(published.at(-1)!.filter((d) => d.instance)).toEqual([]);
});

test('a group that cannot be found, or a SetInstanceHealth that fails, costs that fleet its minute and nothing else', async () => {
  const missing = setup({ slow: [ids[4]], groupMissing: true });
  const outcomes = await missing.handler();
  expect(outcomes.map((o) => [o.fleet, o.error])).toEqual([
    ['adhoc', 'group adhoc-asg not found'],
    ['etl', 'group etl-asg not found'],
  ]);
  expect(missing.published.at(-1)!.filter((d) => d.name === 'StragglerDetectionUnavailable').map((d) => d.fleet)).toEqual(['adhoc', 'etl']);

  const failing = setup({ slow: [ids[4]], failHealth: Object.assign(new Error('Instance Id not found'), { name: 'ValidationError' }) });
  const [adhoc] = await failing.handler();
  expect(adhoc.replaced).toBeUndefined();
  expect(adhoc.deferred).toMatch(/SetInstanceHealth failed: Instance Id not found/);
});

test('a replaced straggler waiting on the hook gets the longer drain, once, within the hook\'s limit; others keep theirs', async () => {
  const { handler, store, log } = setup({ states: { [ids[1]]: { lifecycleState: 'Terminating:Wait', healthStatus: 'Unhealthy' }, [ids[2]]: { lifecycleState: 'Terminating:Wait' } } });
  const record = (instanceId: string) => ({
    instanceId,
    groupName: 'adhoc-asg',
    fleet: 'adhoc',
    waitStartedAt: NOW - 60_000,
    deadlineAt: NOW + 540_000,
    hookExpiresAt: NOW + 660_000,
    heartbeatTimeoutSeconds: 720,
    heartbeats: 0,
    readings: [],
  });
  await store.claimFirstSeen(record(ids[1]));
  await store.claimFirstSeen(record(ids[2]));
  await handler();
  expect(store.active.get(ids[1])!.deadlineAt).toBe(NOW - 60_000 + 3_600_000);
  // A scale-in's drain (healthy) keeps the fleet's timeout.
  expect(store.active.get(ids[2])!.deadlineAt).toBe(NOW + 540_000);
  expect(log.lines.filter((l) => l.message === 'replaced straggler given its longer drain')).toHaveLength(1);
  await handler();
  expect(log.lines.filter((l) => l.message === 'replaced straggler given its longer drain')).toHaveLength(1);
});
