import { DEFAULT_DRAIN_POLICY, DrainDecision, DrainState, TaskReading, decideDrain, effectiveDeadline } from '../../core/drain';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
/** A 10-minute drain with the derived 12-minute heartbeat timeout, stop sent at T0 + 5 s. */
const base: DrainState = { waitStartedAt: T0, deadlineAt: T0 + 10 * MIN, hookExpiresAt: T0 + 12 * MIN, heartbeatTimeoutSeconds: 720, stopSentAt: T0 + 5 * S };
const zeros = (from: number, n: number, step = 10 * S): TaskReading[] => Array.from({ length: n }, (_, k) => ({ at: from + k * step, runningTasks: 0 }));

type Row = [string, Partial<DrainState>, TaskReading[], number | undefined, number, Partial<DrainDecision>];

// name, state overrides, readings, drainedAt, now, expected decision (partial)
const table: Row[] = [
  ['idle: three fresh zeros after the stop', {}, zeros(T0 + 10 * S, 3), undefined, T0 + 60 * S, { action: 'complete', reason: 'idle' }],
  ['confirming: two fresh zeros are not yet idle', {}, zeros(T0 + 10 * S, 2), undefined, T0 + 40 * S, { action: 'wait', reason: 'confirming-idle' }],
  ['busy: the newest reading is above zero', {}, [...zeros(T0 + 10 * S, 3), { at: T0 + 40 * S, runningTasks: 2 }], undefined, T0 + 50 * S, { action: 'wait', reason: 'busy', runningTasks: 2 }],
  ['busy earlier, now idle: zeros after the last busy reading count', {}, [{ at: T0 + 10 * S, runningTasks: 4 }, ...zeros(T0 + 20 * S, 3)], undefined, T0 + 60 * S, { action: 'complete', reason: 'idle' }],
  ['a busy reading inside the streak breaks it', {}, [...zeros(T0 + 10 * S, 2), { at: T0 + 30 * S, runningTasks: 1 }, ...zeros(T0 + 40 * S, 2)], undefined, T0 + 60 * S, { action: 'wait', reason: 'confirming-idle' }],
  ['zeros before the stop do not count', {}, zeros(T0 - 30 * S, 3), undefined, T0 + 20 * S, { action: 'wait', reason: 'stale' }],
  ['stale: the newest zero is older than the freshness window', {}, zeros(T0 + 10 * S, 3), undefined, T0 + 10 * S + 30 * S + 121 * S, { action: 'wait', reason: 'stale' }],
  ['missing data is never idle', {}, [], undefined, T0 + 5 * MIN, { action: 'wait', reason: 'no-data', runningTasks: undefined }],
  ['no stop yet: zeros are not idle', { stopSentAt: undefined }, zeros(T0 + 10 * S, 5), undefined, T0 + 2 * MIN, { action: 'wait', reason: 'awaiting-stop' }],
  ['readings from the future are ignored', {}, zeros(T0 + 2 * MIN, 3), undefined, T0 + 1 * MIN, { action: 'wait', reason: 'stale' }],
  ['deadline: forced with the newest count recorded', {}, [{ at: T0 + 9 * MIN + 50 * S, runningTasks: 3 }], undefined, T0 + 10 * MIN, { action: 'force', runningTasks: 3 }],
  ['deadline with no data: forced, count unknown', {}, [], undefined, T0 + 10 * MIN, { action: 'force', runningTasks: undefined }],
  ['idle at the deadline completes gracefully rather than forcing', {}, zeros(T0 + 9 * MIN, 4), undefined, T0 + 10 * MIN, { action: 'complete', reason: 'idle' }],
  ['worker reported drained after the stop', {}, [{ at: T0 + 20 * S, runningTasks: 5 }], T0 + 30 * S, T0 + 40 * S, { action: 'complete', reason: 'drained' }],
  ['a drained report from before the stop does not count', {}, [], T0, T0 + 40 * S, { action: 'wait', reason: 'no-data' }],
  ['short drain: no heartbeat, the hook outlives the deadline', {}, [{ at: T0 + 9 * MIN, runningTasks: 1 }], undefined, T0 + 9 * MIN + 10 * S, { action: 'wait', heartbeat: false }],
  [
    'long drain: heartbeat once within the lead of the hook expiry',
    { deadlineAt: T0 + 180 * MIN, hookExpiresAt: T0 + 120 * MIN, heartbeatTimeoutSeconds: 7200 },
    [{ at: T0 + 115 * MIN, runningTasks: 1 }],
    undefined,
    T0 + 115 * MIN + 10 * S,
    { action: 'wait', heartbeat: true, reason: 'busy' },
  ],
  [
    'long drain: no heartbeat before the lead',
    { deadlineAt: T0 + 180 * MIN, hookExpiresAt: T0 + 120 * MIN, heartbeatTimeoutSeconds: 7200 },
    [{ at: T0 + 100 * MIN, runningTasks: 1 }],
    undefined,
    T0 + 100 * MIN + 10 * S,
    { action: 'wait', heartbeat: false },
  ],
];

/** A worker whose stop takes effect at once (a batch runner): no unsafe window after the stop. */
const IMMEDIATE = { ...DEFAULT_DRAIN_POLICY, stopSettleSeconds: 0 };

test.each(table)('%s', (_name, override, readings, drainedAt, now, expected) => {
  expect(decideDrain({ ...base, ...override }, { readings, drainedAt }, now, IMMEDIATE)).toMatchObject(expected);
});

describe("Trino's unsafe window: the coordinator may schedule to the worker for a grace period after the stop", () => {
  const trino = { ...DEFAULT_DRAIN_POLICY, stopSettleSeconds: 120 };
  test('three zeros right after the stop are not idle: the worker is still settling', () => {
    expect(decideDrain(base, { readings: zeros(T0 + 10 * S, 3) }, T0 + 60 * S, trino)).toMatchObject({ action: 'wait', reason: 'settling' });
  });
  test('zeros taken once the grace period has passed count', () => {
    expect(decideDrain(base, { readings: zeros(T0 + 5 * S + 120 * S, 3) }, T0 + 150 * S, trino)).toMatchObject({ action: 'complete', reason: 'idle' });
  });
  test('the default policy is Trino\'s default grace period', () => {
    expect(DEFAULT_DRAIN_POLICY.stopSettleSeconds).toBe(120);
    expect(decideDrain(base, { readings: zeros(T0 + 10 * S, 3) }, T0 + 60 * S)).toMatchObject({ action: 'wait' });
  });
  test('a verified drain report completes at once, inside the window: the agent saw the coordinator stop scheduling', () => {
    expect(decideDrain({ ...base, drainedAt: T0 + 8 * S }, { readings: [] }, T0 + 9 * S, trino)).toMatchObject({ action: 'complete', reason: 'drained' });
  });
  test('a report recorded before the stop says nothing', () => {
    expect(decideDrain({ ...base, drainedAt: T0 + 1 * S }, { readings: [] }, T0 + 9 * S, trino)).toMatchObject({ action: 'wait' });
  });
});

test('an extended deadline never passes the hook global timeout less the force margin', () => {
  // heartbeat 720 s → global timeout 72,000 s (100 ×); the force comes 2 minutes before it.
  const state = { ...base, deadlineAt: T0 + 30 * 60 * MIN };
  expect(effectiveDeadline(state)).toBe(T0 + (72_000 - 120) * S);
  expect(decideDrain(state, { readings: [] }, T0 + (72_000 - 120) * S)).toMatchObject({ action: 'force' });
});

test('a 47h58m drain with heartbeats is forced before the 48 h limit', () => {
  const state = { ...base, deadlineAt: T0 + 172_680 * S, heartbeatTimeoutSeconds: 7200, hookExpiresAt: T0 + 7200 * S };
  expect(effectiveDeadline(state)).toBe(T0 + 172_680 * S);
});

test('idle needs exactly idleReadings zeros: the policy is honoured', () => {
  const policy = { ...DEFAULT_DRAIN_POLICY, idleReadings: 5 };
  expect(decideDrain(base, { readings: zeros(T0 + 10 * S, 4) }, T0 + 60 * S, { ...policy, stopSettleSeconds: 0 })).toMatchObject({ action: 'wait', reason: 'confirming-idle' });
  expect(decideDrain(base, { readings: zeros(T0 + 10 * S, 5) }, T0 + 60 * S, { ...policy, stopSettleSeconds: 0 })).toMatchObject({ action: 'complete' });
});

test('the decision does not depend on the order readings arrive in', () => {
  const readings = [{ at: T0 + 40 * S, runningTasks: 0 }, { at: T0 + 10 * S, runningTasks: 2 }, { at: T0 + 30 * S, runningTasks: 0 }, { at: T0 + 20 * S, runningTasks: 0 }];
  expect(decideDrain(base, { readings }, T0 + 50 * S, IMMEDIATE)).toMatchObject({ action: 'complete', reason: 'idle' });
});
