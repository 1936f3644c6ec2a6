import { ActiveDrain, DrainBlocker, DrainExtensionSettings, SCHEDULABLE_AFTER_DRAIN_MS, decideDrainExtensions, priceDueDrains } from '../../core/drain-extension';

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

test('a drain is not extended for a query that started after it: that query has no task on it', () => {
  // i-early started 9 minutes ago, i-late 7 minutes ago; both are due within the lead. The one long query
  // started 8 minutes ago, after i-early's drain (and its 30 s of schedulable window), so only i-late waits
  // for it: i-early is forced at its deadline, and i-late alone is kept.
  const decisions = decide([drain('i-early', 9), drain('i-late', 7, 2)], [query(8, 20)]);
  expect(decisions.find((d) => d.instanceId === 'i-early')).toMatchObject({ rule: 'nothing-at-risk', queriesAtRisk: 0, extensionCostInstanceSeconds: 0 });
  expect(decisions.find((d) => d.instanceId === 'i-late')).toMatchObject({ rule: 'extended', deadlineAt: NOW + 22 * MIN, queriesAtRisk: 1, extensionCostInstanceSeconds: 1200 });
});

test('a query on several drains is saved only if each of them waits: when keeping them all costs more than it, none is kept', () => {
  // Two due drains, both started before the query. Saving it means keeping both 20 minutes (2,400
  // instance-seconds) against 3,600 + 600: both are extended, to the same deadline.
  const both = decide([drain('i-1', 8), drain('i-2', 8)], [query(30, 20)]);
  expect(both.map((d) => [d.rule, d.deadlineAt])).toEqual([['extended', NOW + 22 * MIN], ['extended', NOW + 22 * MIN]]);
  // With three, keeping all of them (3,600) nearly eats the saving; with five (6,000) it is not worth it,
  // and none is kept for a query another would kill anyway.
  const five = decide(Array.from({ length: 5 }, (_, k) => drain(`i-${k}`, 8)), [query(30, 20)]);
  expect(five.map((d) => d.rule)).toEqual(Array(5).fill('not-worth-it'));
});

test('drains started at different times are kept for different queries: only the later one waits for the query only it has', () => {
  // Three drains due; an older query (on all three) worth 1,000 and a younger one (on the latest only)
  // worth 3,000, both ending in 20 minutes. Keeping all three 20 minutes (3,600) to save both (4,000)
  // nets 400; keeping the latest alone (1,200) to save the younger nets 1,800: only it waits, and the
  // older query is killed by the first two forces.
  const decisions = decide([drain('i-a', 9.5), drain('i-b', 9), drain('i-c', 7, 2)], [query(30, 20, 0), query(8, 20, 2000)], { killPenaltyInstanceSeconds: 1000 });
  expect(decisions.map((d) => [d.instanceId, d.rule])).toEqual([['i-a', 'not-worth-it'], ['i-b', 'not-worth-it'], ['i-c', 'extended']]);
});

test('a query on a drain past its deadline is lost to that drain\'s force: no other drain waits for it', () => {
  // i-over's deadline passed a moment ago and the sweep forces it within the minute; the long query
  // started before it, so keeping i-due for it would buy nothing.
  const overdue = { ...drain('i-over', 10.5), deadlineAt: NOW - 1000 };
  const [over, due] = decide([overdue, drain('i-due', 8)], [query(30, 20)]);
  expect(over).toMatchObject({ instanceId: 'i-over', rule: 'not-due' });
  expect(due).toMatchObject({ instanceId: 'i-due', rule: 'nothing-at-risk', queriesAtRisk: 0 });
  // Without the overdue drain, the same query is worth waiting for.
  expect(decide([drain('i-due', 8)], [query(30, 20)])[0].rule).toBe('extended');
});

test('the queries at risk over the due drains count each query once', () => {
  // One query on both drains, one on the later only: 2 at risk, though neither drain alone has more than 2
  // and the earlier has 1.
  const r = priceDueDrains([drain('i-early', 9), drain('i-late', 7, 2)], [query(30, 300), query(8, 300)], NOW, settings);
  expect(r.decisions.map((d) => d.queriesAtRisk)).toEqual([1, 2]);
  expect(r.queriesAtRisk).toBe(2);
});

/**
 * The best plan by enumeration, in times rather than ranks: every drain either keeps its deadline or waits
 * until some query's predicted end plus the margin (within its limit); a query is saved when every due drain
 * it is on waits past its end. The decision's plan must save as much, less cost, as the best of these.
 */
function bestByEnumeration(drains: ActiveDrain[], running: DrainBlocker[], s: DrainExtensionSettings): number {
  const due = drains.filter((d) => d.deadlineAt > NOW && d.deadlineAt - NOW <= s.leadSeconds * 1000);
  const ends = running.map((q) => NOW + q.remainingSeconds * 1000);
  const options = due.map((d) => [d.deadlineAt, ...ends.map((e) => e + s.marginSeconds * 1000).filter((u) => u > d.deadlineAt && u <= Math.min(d.limitAt, d.waitStartedAt + s.maxDrainSeconds * 1000))]);
  let best = -Infinity;
  const walk = (j: number, chosen: number[]) => {
    if (j === due.length) {
      best = Math.max(best, netOf(due, chosen, running, s));
      return;
    }
    for (const u of options[j]) walk(j + 1, [...chosen, u]);
  };
  walk(0, []);
  return best;
}

function netOf(due: ActiveDrain[], until: number[], running: DrainBlocker[], s: DrainExtensionSettings): number {
  let net = -until.reduce((sum, u, j) => sum + (u - due[j].deadlineAt) / 1000, 0);
  for (const q of running) {
    if (q.survivesWorkerLoss) continue;
    const end = NOW + q.remainingSeconds * 1000;
    const on = due.map((_, j) => j).filter((j) => q.startedAtMs <= due[j].waitStartedAt + SCHEDULABLE_AFTER_DRAIN_MS);
    // A drain keeping its deadline waits for a query ending by it; an extended one, for those ending a margin before its new deadline.
    const saved = on.every((j) => (until[j] === due[j].deadlineAt ? end <= until[j] : end + s.marginSeconds * 1000 <= until[j]));
    // Queries already safe at every drain's own deadline are worth the same to every plan: left out of both sides.
    const safeAnyway = on.every((j) => end <= due[j].deadlineAt);
    if (saved && !safeAnyway) net += Math.max(0, q.workInstanceSeconds) * s.killCostWeight + s.killPenaltyInstanceSeconds;
  }
  return net;
}

test('the chosen deadlines are the best plan: against enumerating every plan, 2,000 random fleets', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 2000; trial++) {
    const drains = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, k) => {
      const startedMinAgo = 5 + rnd() * 10;
      return { ...drain(`i-${k}`, startedMinAgo, 0.2 + rnd() * 2.2), limitAt: NOW + (20 + rnd() * 120) * MIN };
    });
    const running = Array.from({ length: Math.floor(rnd() * 6) }, () => query(rnd() * 30, rnd() * 90, rnd() * 3000, rnd() < 0.1));
    const s = { ...settings, killPenaltyInstanceSeconds: rnd() * 3600 };
    const decisions = decideDrainExtensions(drains, running, NOW, s);
    const due = drains.filter((d) => d.deadlineAt > NOW && d.deadlineAt - NOW <= s.leadSeconds * 1000);
    const until = due.map((d) => decisions.find((x) => x.instanceId === d.instanceId)!.deadlineAt ?? d.deadlineAt);
    expect(netOf(due, until, running, s)).toBeCloseTo(bestByEnumeration(drains, running, s), 6);
  }
});
