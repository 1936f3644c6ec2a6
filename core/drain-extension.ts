/**
 * Whether a drain about to be forced should wait longer, knowing what the force would kill. Pure: no SDK,
 * no clock; the signals function runs it every minute for its fleets' active drains, and the simulator
 * runs the same function.
 *
 * Under Trino's pipelined execution a draining worker waits for every query with a task on it
 * (GracefulShutdownHandler), and takes no new task once the coordinator's node map drops it (5 s), so the
 * queries it waits for are a fixed set that only shrinks: those that started before its drain. Forcing it
 * at the drain timeout fails those still running everywhere, and their work is lost. A fixed timeout treats
 * every drain alike: short timeouts kill the long queries of every drain, long ones keep every drain's
 * instance for hours (the timeout frontier, docs/scaling.md). This prices each drain instead: near its
 * deadline, the queries it would kill (predicted by core/remaining-time.ts to outlast the deadline) are
 * weighed, their work plus a price per kill, against keeping the drains that wait for them until those
 * queries are predicted to end. Worth it: the deadlines move, through the drain store, as the extend-drain
 * runbook and the straggler function already move them (the sweep then keeps the hook alive by heartbeat,
 * within the hook's global timeout). Not worth it: the force goes ahead at the deadline.
 *
 * A held worker in service would take new long tasks and never empty; a draining one cannot, which is why
 * waiting is bought here, in the drain, and not by holding back the scale-in.
 */
import { InFlightQuery } from './coordinator-signals';
import { FORCE_MARGIN_SECONDS, globalTimeoutFor } from './lifecycle-limits';
import { DurationHistory } from './remaining-time';
import { RunningQuery } from './scale-in-gate';

export interface DrainExtensionSettings {
  /** Decide when a drain's deadline is this close: more than a run's interval, so a deadline is never missed between runs. */
  readonly leadSeconds: number;
  /** Added to the longest predicted remaining time: the worker's exit after its last task, the sweep's cadence. */
  readonly marginSeconds: number;
  /** What a kill costs beyond its lost work, in instance-seconds (core/scale-in-gate.ts killPenaltyInstanceSeconds). */
  readonly killPenaltyInstanceSeconds: number;
  /** How much lost work weighs against an instance-second kept. */
  readonly killCostWeight: number;
  /** The longest a drain may last, from its start: no extension goes past it. */
  readonly maxDrainSeconds: number;
}

export const DEFAULT_DRAIN_EXTENSION: DrainExtensionSettings = {
  leadSeconds: 150,
  marginSeconds: 120,
  killPenaltyInstanceSeconds: 3600,
  killCostWeight: 1,
  // The frontier's longest timeout; the hook's global limit (48 h, or 100 × its heartbeat timeout) bounds it too.
  maxDrainSeconds: 6 * 3600,
};

/** An active drain, as the drain store holds it. */
export interface ActiveDrain {
  readonly instanceId: string;
  readonly waitStartedAt: number;
  readonly deadlineAt: number;
  /** The latest deadline the hook allows (its global timeout less the force margin). */
  readonly limitAt: number;
}

/** A running query with when it started (epoch ms): a drain waits only for queries that started before it. */
export interface DrainBlocker extends RunningQuery {
  readonly startedAtMs: number;
}

/**
 * A stored drain as the price check weighs it: `deadlineAt` (the stored one unless given) and the latest
 * deadline its hook allows, the global timeout less the force margin, as the sweep forces it.
 */
export function activeDrainOf(r: { readonly instanceId: string; readonly waitStartedAt: number; readonly deadlineAt: number; readonly heartbeatTimeoutSeconds: number }, deadlineAt = r.deadlineAt): ActiveDrain {
  return { instanceId: r.instanceId, waitStartedAt: r.waitStartedAt, deadlineAt, limitAt: r.waitStartedAt + (globalTimeoutFor(r.heartbeatTimeoutSeconds) - FORCE_MARGIN_SECONDS) * 1000 };
}

/**
 * The coordinator's running queries as what a drain waits for: each one's remaining run time predicted
 * from the fleet's history at `quantile`, by its signature when it has one, and its CPU so far in
 * instances' worth (÷ the instance's vCPUs; nothing when they are unknown).
 */
export function blockersOf<Q extends InFlightQuery>(queries: readonly Q[], history: DurationHistory, quantile: number, vcpus: number | undefined, signatureOf: (q: Q) => string | undefined): DrainBlocker[] {
  return queries.map((q) => ({
    startedAtMs: q.startedAtMs,
    elapsedSeconds: q.runSeconds,
    remainingSeconds: history.predict(q.runSeconds, quantile, signatureOf(q)).seconds,
    workInstanceSeconds: vcpus ? q.cpuSeconds / vcpus : 0,
    survivesWorkerLoss: q.survivesWorkerLoss,
  }));
}

/**
 * How long after a drain's start a query may still have put a task on the worker: the coordinator's
 * memoized node map (5 s, UniformNodeSelectorFactory) and the agent noticing the termination (its 1 s
 * lifecycle poll), with room to spare.
 */
export const SCHEDULABLE_AFTER_DRAIN_MS = 30_000;

export type DrainExtensionRule =
  /** Its deadline is not near yet. */
  | 'not-due'
  /**
   * No query it waits for would be killed by a force now that waiting could save (those on a drain past
   * its deadline, which the sweep is about to force, are lost anyway).
   */
  | 'nothing-at-risk'
  /**
   * Some of the queries at risk are worth more than keeping the drains until they end: the deadline
   * moves to the predicted end of those (the others are killed then, not now).
   */
  | 'extended'
  /** Keeping the drains until any of the queries ends costs more than killing them: the force goes ahead. */
  | 'not-worth-it'
  /** The first of them is predicted to end after the longest allowed drain. */
  | 'past-limit';

export interface DrainExtension {
  readonly instanceId: string;
  readonly rule: DrainExtensionRule;
  /** The new deadline (epoch ms), with `extended`. */
  readonly deadlineAt?: number;
  /** The queries this drain waits for that a force at its deadline would kill. */
  readonly queriesAtRisk: number;
  readonly valueAtRiskInstanceSeconds: number;
  /** Instance-seconds this drain's extension keeps its instance. */
  readonly extensionCostInstanceSeconds: number;
}

/**
 * One fleet's due drains, decided together. A query is on every drain that started before it could no
 * longer be given a task there (under Trino a long query runs on every worker), so the drains sorted by
 * start wait for nested sets of queries: a later drain waits for all an earlier one does, and more. A
 * query survives only if every drain it is on waits for it, so extending one drain saves nothing another
 * forces; and a drain is never extended for a query that started after it (it has no task there).
 *
 * Each due drain's new deadline is chosen to save the most value, less the instance-seconds the
 * extensions keep: a drain either keeps its deadline or waits until some at-risk query's predicted end
 * plus the margin, within its limit. Saving a query needs every drain it is on to wait for it, so among
 * the queries sorted by predicted end, the ones saved are those ranked below the smallest "waits for the
 * first L" over the drains they are on. A dynamic programme over the drains from the latest-started down,
 * with that smallest L as its state, finds the best deadlines exactly in O(drains × queries) steps.
 */
export function decideDrainExtensions(drains: readonly ActiveDrain[], running: readonly DrainBlocker[], nowMs: number, s: DrainExtensionSettings): DrainExtension[] {
  return priceDueDrains(drains, running, nowMs, s).decisions;
}

/** Whether a drain is decided on now: its deadline is ahead, within the lead. */
export function isDrainDue(d: Pick<ActiveDrain, 'deadlineAt'>, nowMs: number, leadSeconds: number): boolean {
  return d.deadlineAt > nowMs && d.deadlineAt - nowMs <= leadSeconds * 1000;
}

/**
 * decideDrainExtensions, with the number of distinct queries the due drains' forces would kill (a query
 * on several drains counts once): what `DrainQueriesAtRisk` publishes.
 */
export function priceDueDrains(drains: readonly ActiveDrain[], running: readonly DrainBlocker[], nowMs: number, s: DrainExtensionSettings): { decisions: DrainExtension[]; queriesAtRisk: number } {
  const none = { queriesAtRisk: 0, valueAtRiskInstanceSeconds: 0, extensionCostInstanceSeconds: 0 };
  const isDue = (d: ActiveDrain) => isDrainDue(d, nowMs, s.leadSeconds);
  const out: DrainExtension[] = drains.filter((d) => !isDue(d)).map((d) => ({ instanceId: d.instanceId, rule: 'not-due', ...none }));
  // The due drains by start: each waits for the queries that started before it (and a little after).
  const due = drains.filter(isDue).sort((a, b) => a.waitStartedAt - b.waitStartedAt);
  const n = due.length;
  if (n === 0) return { decisions: out, queriesAtRisk: 0 };
  // A drain past its deadline and not yet forced is forced within the sweep's minute: the queries on it
  // are lost whatever the others do, so no drain waits for them.
  let doomedStartedBy = -Infinity;
  for (const d of drains) if (d.deadlineAt <= nowMs) doomedStartedBy = Math.max(doomedStartedBy, d.waitStartedAt + SCHEDULABLE_AFTER_DRAIN_MS);
  // The queries the earliest of them waits for may end before its deadline but after a later one's, so a
  // query is at risk when it outlasts the earliest deadline of the drains it is on (minDeadlineFrom[j]).
  const minDeadlineFrom = due.map((d) => d.deadlineAt);
  for (let j = n - 2; j >= 0; j--) minDeadlineFrom[j] = Math.min(minDeadlineFrom[j], minDeadlineFrom[j + 1]);
  const risky: { endMs: number; value: number; first: number }[] = [];
  for (const q of running) {
    if (q.survivesWorkerLoss || q.startedAtMs <= doomedStartedBy) continue;
    // The first drain (by start) the query is on; it is on every later one too.
    let first = 0;
    while (first < n && q.startedAtMs > due[first].waitStartedAt + SCHEDULABLE_AFTER_DRAIN_MS) first++;
    if (first === n) continue;
    const endMs = nowMs + q.remainingSeconds * 1000;
    if (endMs <= minDeadlineFrom[first]) continue;
    risky.push({ endMs, value: Math.max(0, q.workInstanceSeconds) * s.killCostWeight + s.killPenaltyInstanceSeconds, first });
  }
  // Soonest predicted end first: a drain that waits until the k-th one ends waits for the first k.
  risky.sort((a, b) => a.endMs - b.endMs);
  const m = risky.length;
  // Waiting for the first k: until the k-th query's predicted end plus the margin.
  const until: number[] = new Array<number>(m + 1).fill(0);
  for (let k = 1; k <= m; k++) until[k] = risky[k - 1].endMs + s.marginSeconds * 1000;
  // Per drain: how many of the sorted queries it waits for without an extension (those ending by its
  // deadline), the latest deadline it may have, and what saving each prefix of its own queries is worth.
  const plain = due.map((d) => {
    let k = 0;
    while (k < m && risky[k].endMs <= d.deadlineAt) k++;
    return k;
  });
  const limits = due.map((d) => Math.min(d.limitAt, d.waitStartedAt + s.maxDrainSeconds * 1000));
  // What saving the first k is worth, over all the queries and (for the general case) per drain they start on.
  const prefix = new Array<number>(m + 1).fill(0);
  for (let k = 1; k <= m; k++) prefix[k] = prefix[k - 1] + risky[k - 1].value;
  const onEvery = risky.every((r) => r.first === 0);
  let waits: number[];
  if (onEvery) waits = uniformWaits(plain, limits, until, due, prefix, m);
  else {
    const gain = due.map(() => new Array<number>(m + 1).fill(0));
    for (let r = 0; r < m; r++) gain[risky[r].first][r + 1] += risky[r].value;
    for (const g of gain) for (let k = 1; k <= m; k++) g[k] += g[k - 1];
    waits = nestedWaits(plain, limits, until, due, gain, m);
  }
  const decisions: DrainExtension[] = [
    ...out,
    ...due.map((d, j): DrainExtension => {
      // The queries this drain is on that its force would kill: those that started before it, ending
      // after its deadline (sorted by end, so the first of them ends soonest).
      let count = m - plain[j];
      let value = prefix[m] - prefix[plain[j]];
      let soonest = plain[j];
      if (!onEvery) {
        count = 0;
        value = 0;
        soonest = -1;
        for (let k = plain[j]; k < m; k++) {
          if (risky[k].first > j) continue;
          if (soonest < 0) soonest = k;
          count++;
          value += risky[k].value;
        }
      }
      const base = { instanceId: d.instanceId, queriesAtRisk: count, valueAtRiskInstanceSeconds: value };
      if (waits[j] > plain[j]) {
        const deadlineAt = until[waits[j]];
        return { ...base, rule: 'extended', deadlineAt, extensionCostInstanceSeconds: (deadlineAt - d.deadlineAt) / 1000 };
      }
      if (count === 0) return { ...base, rule: 'nothing-at-risk', extensionCostInstanceSeconds: 0 };
      const past = risky[soonest].endMs + s.marginSeconds * 1000 > limits[j];
      return { ...base, rule: past ? 'past-limit' : 'not-worth-it', extensionCostInstanceSeconds: 0 };
    }),
  ];
  return { decisions, queriesAtRisk: m };
}

/**
 * Every at-risk query is on every due drain (all started before the earliest): a query is saved when the
 * drain that waits least waits for it, so the best plan has them all wait for the same first L (a drain
 * waiting longer than the others buys nothing), each at least its own plain wait. One pass over L; the
 * common case, as drains due together mostly started together.
 */
function uniformWaits(plain: readonly number[], limits: readonly number[], until: readonly number[], due: readonly ActiveDrain[], gain: readonly number[], m: number): number[] {
  let bestL = -1;
  let bestNet = -Infinity;
  let bestCost = Infinity;
  for (let L = 0; L <= m; L++) {
    let cost = 0;
    let saved = m;
    let feasible = true;
    for (let j = 0; j < due.length; j++) {
      const w = Math.max(L, plain[j]);
      saved = Math.min(saved, w);
      if (w > plain[j]) {
        if (until[w] > limits[j]) {
          feasible = false;
          break;
        }
        cost += (until[w] - due[j].deadlineAt) / 1000;
      }
    }
    // The waits only grow with L, and so do the deadlines they need: past one drain's limit, every larger L is too.
    if (!feasible) break;
    const net = gain[saved] - cost;
    if (net > bestNet + 1e-9 || (net >= bestNet - 1e-9 && cost < bestCost)) {
      bestL = L;
      bestNet = net;
      bestCost = cost;
    }
  }
  return plain.map((p) => Math.max(bestL, p));
}

/**
 * The general case, drains with different queries (see priceDueDrains): a dynamic programme over the
 * drains from the latest-started down.
 */
function nestedWaits(plain: readonly number[], limits: readonly number[], until: readonly number[], due: readonly ActiveDrain[], gain: readonly (readonly number[])[], m: number): number[] {
  const n = due.length;
  // netAt[M] after drains j..n-1: the largest value saved less cost, where M is the smallest prefix those
  // drains all wait for (-Infinity: no such plan). Ties keep the cheaper plan, so a drain is not kept for
  // nothing.
  const better = (netA: number, costA: number, netB: number, costB: number) => netB > netA + 1e-9 || (netB >= netA - 1e-9 && netB > -Infinity && costB < costA);
  let netAt: number[] = new Array<number>(m + 1).fill(-Infinity);
  let costAt: number[] = new Array<number>(m + 1).fill(0);
  netAt[m] = 0;
  const waitOf = due.map(() => new Array<number>(m + 1).fill(0));
  const fromOf = due.map(() => new Array<number>(m + 1).fill(0));
  const aboveFrom: number[] = new Array<number>(m + 2).fill(0);
  for (let j = n - 1; j >= 0; j--) {
    // What waiting for the first x costs this drain: nothing up to its plain wait, then until the x-th
    // query's end plus the margin; past its limit it cannot.
    // The best earlier state above each x, so each new state is one step: O(queries) per drain.
    aboveFrom[m + 1] = -1;
    for (let x = m; x >= 0; x--) {
      const up = aboveFrom[x + 1];
      aboveFrom[x] = up < 0 || better(netAt[up], costAt[up], netAt[x], costAt[x]) ? x : up;
    }
    const nextNet: number[] = new Array<number>(m + 1).fill(-Infinity);
    const nextCost: number[] = new Array<number>(m + 1).fill(0);
    for (let x = 0; x <= m; x++) {
      if (x > plain[j] && until[x] > limits[j]) break;
      const cost = x <= plain[j] ? 0 : (until[x] - due[j].deadlineAt) / 1000;
      // Keep the smallest prefix at x: this drain waits for at least x (cheapest: its plain wait, or x).
      if (netAt[x] > -Infinity) {
        nextNet[x] = netAt[x] - cost + gain[j][x];
        nextCost[x] = costAt[x] + cost;
        waitOf[j][x] = Math.max(x, plain[j]);
        fromOf[j][x] = x;
      }
      // Or lower it to x: this drain waits for exactly x, the later ones for more.
      const up = aboveFrom[x + 1];
      if (x >= plain[j] && up >= 0 && netAt[up] > -Infinity) {
        const net = netAt[up] - cost + gain[j][x];
        if (better(nextNet[x], nextCost[x], net, costAt[up] + cost)) {
          nextNet[x] = net;
          nextCost[x] = costAt[up] + cost;
          waitOf[j][x] = x;
          fromOf[j][x] = up;
        }
      }
    }
    netAt = nextNet;
    costAt = nextCost;
  }
  // The best plan, then each drain's wait, read back from the earliest-started drain.
  let at = 0;
  for (let M = 1; M <= m; M++) if (better(netAt[at], costAt[at], netAt[M], costAt[M])) at = M;
  const waits: number[] = [];
  for (let j = 0; j < n; j++) {
    waits[j] = waitOf[j][at];
    at = fromOf[j][at];
  }
  return waits;
}
