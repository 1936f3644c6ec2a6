import { ActiveDrain, DrainBlocker, DrainExtensionSettings, SCHEDULABLE_AFTER_DRAIN_MS, decideDrainExtensions } from '../../core/drain-extension';

// Pinned here so a change of default tunes the product, not these tests.
const settings: DrainExtensionSettings = { leadSeconds: 150, marginSeconds: 120, killPenaltyInstanceSeconds: 3600, killCostWeight: 1, maxDrainSeconds: 6 * 3600 };
const NOW = 1_700_000_000_000;
const MIN = 60_000;
/** A drain that started `startedMinAgo` minutes ago with a 10-minute deadline. */
const drain = (instanceId: string, startedMinAgo: number, deadlineInMin = 10 - startedMinAgo): ActiveDrain => ({
  instanceId,
  waitStartedAt: NOW - startedMinAgo * MIN,
  deadlineAt: NOW + deadlineInMin * MIN,
  limitAt: NOW + 48 * 60 * MIN,
});
/** A query that started `startedMinAgo` minutes ago, predicted `remainingMin` more, with `work` instance-seconds done. */
const query = (startedMinAgo: number, remainingMin: number, work = 600, survivesWorkerLoss = false): DrainBlocker => ({
  startedAtMs: NOW - startedMinAgo * MIN,
  elapsedSeconds: startedMinAgo * 60,
  remainingSeconds: remainingMin * 60,
  workInstanceSeconds: work,
  survivesWorkerLoss,
});
const decide = (drains: ActiveDrain[], running: DrainBlocker[], s: Partial<DrainExtensionSettings> = {}) => decideDrainExtensions(drains, running, NOW, { ...settings, ...s });

test('a drain whose deadline is not near is not decided on', () => {
  expect(decide([drain('i-1', 2)], [query(30, 60)])).toEqual([expect.objectContaining({ instanceId: 'i-1', rule: 'not-due' })]);
});

test('nothing at risk: queries ending before the deadline, started after the drain, or surviving a worker loss', () => {
  // Due in 2 minutes (started 8 minutes ago).
  const running = [query(30, 1), query(7, 60), query(30, 60, 600, true)];
  expect(decide([drain('i-1', 8)], running)).toEqual([expect.objectContaining({ rule: 'nothing-at-risk', queriesAtRisk: 0 })]);
  // A query that started within SCHEDULABLE_AFTER_DRAIN_MS of the drain may still have a task there: it counts.
  const late: DrainBlocker = { ...query(30, 60), startedAtMs: NOW - 8 * MIN + SCHEDULABLE_AFTER_DRAIN_MS };
  expect(decide([drain('i-1', 8)], [late])[0].rule).not.toBe('nothing-at-risk');
});

test('a query worth more than keeping the drain until it ends: the deadline moves to its predicted end plus the margin', () => {
  // One drain due in 2 minutes; the query ends in 20: keeping the drain 18 + 2 more minutes costs 1,200
  // instance-seconds, against 3,600 + 600 for the kill.
  const [d] = decide([drain('i-1', 8)], [query(30, 20)]);
  expect(d).toMatchObject({ rule: 'extended', deadlineAt: NOW + 22 * MIN, queriesAtRisk: 1, valueAtRiskInstanceSeconds: 4200, extensionCostInstanceSeconds: 1200 });
});

test('not worth it: the due drains together cost more to keep than the kill', () => {
  // Ten drains due, a query an hour from its end: 10 × 60 minutes of instances against 4,200.
  const drains = Array.from({ length: 10 }, (_, k) => drain(`i-${k}`, 8));
  expect(decide(drains, [query(30, 60)]).map((d) => d.rule)).toEqual(Array(10).fill('not-worth-it'));
});

test('past the limit: the soonest at-risk query ends after the longest drain allowed', () => {
  expect(decide([drain('i-1', 8)], [query(30, 7 * 60)])[0].rule).toBe('past-limit');
});

test('the deadline moves only as far as pays: queries ending soon are waited for, one predicted far off is killed then', () => {
  // Two valuable queries end in 15 and 25 minutes; a third not for 5 hours. Waiting for the third costs
  // more than it saves, so the new deadline is the second's end plus the margin.
  const [d] = decide([drain('i-1', 8)], [query(30, 15), query(40, 25), query(50, 300)]);
  expect(d).toMatchObject({ rule: 'extended', deadlineAt: NOW + 27 * MIN, queriesAtRisk: 3 });
});
