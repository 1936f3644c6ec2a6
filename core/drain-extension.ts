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
  /** No query it waits for would be killed by a force now. */
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
  readonly queriesAtRisk: number;
  readonly valueAtRiskInstanceSeconds: number;
  /** Instance-seconds the extension keeps: the due drains sharing these queries, times the extension. */
  readonly extensionCostInstanceSeconds: number;
}

/**
 * One fleet's due drains, decided together: they wait for the same long queries (under Trino those run on
 * every worker), so extending them costs each drain's instance, while a force kills the queries once.
 */
export function decideDrainExtensions(drains: readonly ActiveDrain[], running: readonly DrainBlocker[], nowMs: number, s: DrainExtensionSettings): DrainExtension[] {
  const none = { queriesAtRisk: 0, valueAtRiskInstanceSeconds: 0, extensionCostInstanceSeconds: 0 };
  const due = drains.filter((d) => d.deadlineAt > nowMs && d.deadlineAt - nowMs <= s.leadSeconds * 1000);
  const out: DrainExtension[] = drains.filter((d) => !due.includes(d)).map((d) => ({ instanceId: d.instanceId, rule: 'not-due', ...none }));
  if (due.length === 0) return out;
  // The queries the due drains wait for, and among them those a force at the earliest deadline would kill.
  const startedBy = Math.max(...due.map((d) => d.waitStartedAt)) + SCHEDULABLE_AFTER_DRAIN_MS;
  const firstDeadline = Math.min(...due.map((d) => d.deadlineAt));
  // The queries a force at the first deadline would kill, soonest predicted end first.
  const risky: { endMs: number; value: number }[] = [];
  for (const q of running) {
    if (q.survivesWorkerLoss || q.startedAtMs > startedBy) continue;
    const endMs = nowMs + q.remainingSeconds * 1000;
    if (endMs <= firstDeadline) continue;
    risky.push({ endMs, value: Math.max(0, q.workInstanceSeconds) * s.killCostWeight + s.killPenaltyInstanceSeconds });
  }
  if (risky.length === 0) return [...out, ...due.map((d) => ({ instanceId: d.instanceId, rule: 'nothing-at-risk' as const, ...none }))];
  risky.sort((a, b) => a.endMs - b.endMs);
  const value = risky.reduce((sum, r) => sum + r.value, 0);
  // The latest deadline every due drain may have.
  const limit = Math.min(...due.map((d) => Math.min(d.limitAt, d.waitStartedAt + s.maxDrainSeconds * 1000)));
  // The best new deadline: waiting until the k soonest at-risk queries are predicted to end saves their
  // value and costs the due drains' instances until then; the rest are killed then instead. The k with
  // the largest saving less cost wins, if any is positive.
  let best: { until: number; net: number; saved: number } | undefined;
  let saved = 0;
  for (const r of risky) {
    saved += r.value;
    const until = r.endMs + s.marginSeconds * 1000;
    if (until > limit) break;
    const cost = due.reduce((sum, d) => sum + Math.max(0, until - d.deadlineAt) / 1000, 0);
    if (saved - cost > (best?.net ?? 0)) best = { until, net: saved - cost, saved };
  }
  const base = { queriesAtRisk: risky.length, valueAtRiskInstanceSeconds: value };
  if (!best) {
    const past = risky[0].endMs + s.marginSeconds * 1000 > limit;
    return [...out, ...due.map((d) => ({ instanceId: d.instanceId, rule: past ? ('past-limit' as const) : ('not-worth-it' as const), ...base, extensionCostInstanceSeconds: 0 }))];
  }
  const cost = best.saved - best.net;
  return [...out, ...due.map((d) => ({ instanceId: d.instanceId, rule: 'extended' as const, deadlineAt: Math.max(d.deadlineAt, best.until), ...base, extensionCostInstanceSeconds: cost }))];
}
