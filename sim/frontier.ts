/**
 * The drain-timeout frontier (issue 38 item 3): `graceful-cpu` (our drain under CPU target tracking alone)
 * run at a ladder of drain timeouts, so the operator sees the trade in money: queries killed against
 * instance-hours and dollars, what each kill avoided costs, where our full policy sits against it, and
 * the timeout a stated tolerance asks for. Pure: figures in, figures out.
 */
import { formatDuration } from '../core/util/duration';
import { SimPricing, fleetCostUsd } from './cost';
import { PolicyName, SimResult } from './fleet-sim';

/** The frontier's drain timeouts when none are named: from a cut-short drain to one that outlasts the trace's long tail. */
export const DEFAULT_FRONTIER_TIMEOUTS = '2m,10m,30m,2h,6h';

/** The policy the frontier runs: our drain with nothing else moving, so the timeout is the only difference. */
export const FRONTIER_POLICY: PolicyName = 'graceful-cpu';

/** One drain timeout's run of FRONTIER_POLICY. */
export interface FrontierPoint {
  readonly timeout: string;
  readonly timeoutSeconds: number;
  readonly instanceHours: number;
  readonly queriesKilled: number;
  /** The fleet's EC2 and root volumes for the run's instance-hours, at the scenario's prices. */
  readonly costUsd: number;
  /** Slot-seconds of work the kills lost. */
  readonly killedSeconds: number;
  /** The shortest killed query's duration in seconds; absent when the run killed none. */
  readonly shortestKilledS?: number;
  /**
   * At 90%, the most kills per day another replay of the same fleet, as long as this run, would make
   * (killsPerDayBound): what a kills-per-day tolerance is held to. Absent on a hand-made point, which is
   * then held to its own count.
   */
  readonly killsPerDayBound?: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The kills of a run are counted in blocks this long to measure how much their count varies. */
export const KILL_BLOCK_SECONDS = 3600;

/** The one-sided confidence of killsPerDayBound, and its standard normal quantile. */
export const KILLS_BOUND_CONFIDENCE = 0.9;
const Z_KILLS_BOUND = 1.2815515655446004;

/**
 * At 90%, the most kills per day another replay of the same fleet, as long as this run, would make: the
 * figure a kills-per-day tolerance is held to. The run's own count is a sample; a replay of the same
 * fleet exceeds it about half the time, and on the generated fleets a timeout recommended from one seed's
 * count missed the tolerance on other seeds (bench/timeout-holdout.ts, docs/simulator.md).
 *
 * Kills come in clusters (a forced termination fails every query with a task on that worker, and a
 * scale-in drains several workers at once), so their count varies more than a Poisson count of the same
 * mean. The run is cut into blocks of an hour; resampling the blocks with replacement (a block bootstrap)
 * gives the total a variance of n·s², n blocks of variance s² about their mean, computed exactly here
 * with no random draws, and taken no lower than the Poisson variance K. A replay's count and this run's
 * each vary that much about the fleet's mean, so their difference has twice the variance:
 * bound = (K + z·√(2v)) ÷ days, z = 1.28 for 90%. A run that killed nothing has no spread to measure: its
 * bound is the Poisson one, the largest mean that still leaves no kill a 10% chance (−ln 0.1 ≈ 2.3 kills
 * over the run). Bounding it at 0 accepted any tolerance, and an hourly-ETL history with no kill at 30m
 * missed 1 a day on two held-out seeds.
 */
export function killsPerDayBound(killedAt: readonly number[], spanSeconds: number): number {
  const days = spanSeconds / 86_400;
  if (!(days > 0)) return 0;
  if (killedAt.length === 0) return -Math.log(1 - KILLS_BOUND_CONFIDENCE) / days;
  const blocks = new Array<number>(Math.max(1, Math.ceil(spanSeconds / KILL_BLOCK_SECONDS))).fill(0);
  for (const t of killedAt) blocks[Math.min(blocks.length - 1, Math.max(0, Math.floor(t / KILL_BLOCK_SECONDS)))]++;
  const kills = killedAt.length;
  const mean = kills / blocks.length;
  const blockVariance = blocks.reduce((v, b) => v + (b - mean) ** 2, 0) / blocks.length;
  const variance = Math.max(blocks.length * blockVariance, kills);
  return (kills + Z_KILLS_BOUND * Math.sqrt(2 * variance)) / days;
}

/** A frontier point from one run over a trace of `spanSeconds` (its first arrival to its last end). */
export function frontierPointFrom(r: SimResult, pricing: SimPricing, spanSeconds: number): FrontierPoint {
  const shortest = r.killedDurations.reduce((m, d) => Math.min(m, d), Infinity);
  return {
    timeout: formatDuration(r.drainTimeoutSeconds),
    timeoutSeconds: r.drainTimeoutSeconds,
    instanceHours: round(r.instanceHours),
    queriesKilled: r.queriesKilled,
    costUsd: round(fleetCostUsd(r.instanceHours, pricing), 2),
    killedSeconds: round(r.killedSeconds),
    ...(Number.isFinite(shortest) ? { shortestKilledS: round(shortest) } : {}),
    killsPerDayBound: round(killsPerDayBound(r.killedAt, spanSeconds), 2),
  };
}

/** The frontier's kills at some instance-hours, and whether they lie within its span or are its nearest end's. */
export interface FrontierKills {
  readonly queriesKilled: number;
  /** `below`: fewer instance-hours than the cheapest point, whose kills are given; `above`: more than the dearest. */
  readonly where: 'within' | 'below' | 'above';
}

/**
 * The frontier's queries killed at `instanceHours`: piecewise linear between its points sorted by
 * instance-hours. Points at the same instance-hours count as the one with fewer kills (the better of
 * two equal spends). Outside the frontier's span, the nearest end's kills, marked `below` or `above`:
 * no extrapolation. Undefined for an empty frontier.
 */
export function frontierKillsAt(frontier: readonly FrontierPoint[], instanceHours: number): FrontierKills | undefined {
  if (frontier.length === 0) return undefined;
  // Sorted by instance-hours, then kills: the first of equal spends is the one kept.
  const points = [...frontier].sort((a, b) => a.instanceHours - b.instanceHours || a.queriesKilled - b.queriesKilled).filter((p, k, all) => k === 0 || p.instanceHours !== all[k - 1].instanceHours);
  const first = points[0];
  const last = points[points.length - 1];
  if (instanceHours < first.instanceHours) return { queriesKilled: first.queriesKilled, where: 'below' };
  if (instanceHours > last.instanceHours) return { queriesKilled: last.queriesKilled, where: 'above' };
  const exact = points.find((p) => p.instanceHours === instanceHours);
  if (exact) return { queriesKilled: exact.queriesKilled, where: 'within' };
  const k = points.findIndex((p) => p.instanceHours > instanceHours);
  const [a, b] = [points[k - 1], points[k]];
  const share = (instanceHours - a.instanceHours) / (b.instanceHours - a.instanceHours);
  return { queriesKilled: a.queriesKilled + share * (b.queriesKilled - a.queriesKilled), where: 'within' };
}

/** What a step to the next longer timeout buys: the kills it avoids and what it costs. */
export interface KillPrice {
  readonly from: string;
  readonly to: string;
  /** Kills at `from` minus kills at `to`; negative when the longer timeout killed more. */
  readonly killsAvoided: number;
  /** Dollars at `to` minus dollars at `from`; negative when the longer timeout was cheaper. */
  readonly extraCostUsd: number;
  /** extraCostUsd ÷ killsAvoided; null when the step avoided no kill, so no price per kill exists. */
  readonly usdPerKillAvoided: number | null;
}

/** The marginal price of a kill avoided between each pair of neighbouring timeouts (Δ cost ÷ Δ kills). */
export function killPrices(frontier: readonly FrontierPoint[]): KillPrice[] {
  const points = [...frontier].sort((a, b) => a.timeoutSeconds - b.timeoutSeconds);
  return points.slice(1).map((to, k) => {
    const from = points[k];
    const killsAvoided = from.queriesKilled - to.queriesKilled;
    const extraCostUsd = round(to.costUsd - from.costUsd, 2);
    return { from: from.timeout, to: to.timeout, killsAvoided, extraCostUsd, usdPerKillAvoided: killsAvoided > 0 ? round(extraCostUsd / killsAvoided, 2) : null };
  });
}

/** A run of ours placed against the frontier: its kills beside the frontier's at the same instance-hours. */
export interface FrontierPosition {
  readonly policy: PolicyName;
  readonly drainTimeout: string;
  readonly instanceHours: number;
  readonly queriesKilled: number;
  readonly frontierKills: number;
  readonly where: FrontierKills['where'];
}

/** Where a run sits against the frontier; undefined for an empty frontier. */
export function frontierPosition(frontier: readonly FrontierPoint[], run: { readonly policy: PolicyName; readonly instanceHours: number; readonly queriesKilled: number }, drainTimeout: string): FrontierPosition | undefined {
  const at = frontierKillsAt(frontier, run.instanceHours);
  if (!at) return undefined;
  return { policy: run.policy, drainTimeout, instanceHours: run.instanceHours, queriesKilled: run.queriesKilled, frontierKills: round(at.queriesKilled), where: at.where };
}

/**
 * The operator's tolerance. `killsPerDay`: at most this many queries killed per simulated day.
 * `killNothingYoungerThanS`: no query killed before it has run this long, so every query of at most this
 * length completes.
 */
export interface Tolerance {
  readonly killsPerDay?: number;
  readonly killNothingYoungerThanS?: number;
}

/** The timeout a tolerance asks for, what it costs over the frontier's cheapest point, or why none fits. */
export interface Recommendation {
  readonly tolerance: Tolerance;
  /** The recommended point; absent when no frontier timeout meets the tolerance (`reason` says why). */
  readonly point?: FrontierPoint;
  /** The point's own kills per day, and the bound the tolerance was held to (killsPerDayBound) when it has one. */
  readonly killsPerDay?: number;
  readonly killsPerDayBound?: number;
  /** Dollars over the frontier's cheapest point. */
  readonly extraCostUsd?: number;
  readonly cheapest: FrontierPoint;
  readonly reason?: string;
}

/**
 * The shortest frontier timeout that meets every stated tolerance; undefined when none is stated or the
 * frontier is empty.
 *
 * - kills per day: the point's 90% bound on another replay's kills per day (killsPerDayBound) is at most
 *   the tolerance; a point without one, its queries killed ÷ the run's simulated days.
 * - kill nothing younger than D: a forced termination comes a full timeout T after the drain began, and
 *   a draining worker takes no new task once Trino's coordinator has seen it shutting down, so a killed
 *   query has run nearly T. The simulator's tests hold the bound with Trino's shutdown grace as the
 *   margin (no query shorter than T − grace is killed), so the point needs T ≥ D + `graceSeconds`, and
 *   its run must have killed no query shorter than D (`shortestKilledS`), the trace's own check.
 */
export function recommendTimeout(frontier: readonly FrontierPoint[], tolerance: Tolerance, days: number, graceSeconds: number): Recommendation | undefined {
  if (frontier.length === 0 || (tolerance.killsPerDay === undefined && tolerance.killNothingYoungerThanS === undefined)) return undefined;
  const points = [...frontier].sort((a, b) => a.timeoutSeconds - b.timeoutSeconds);
  const cheapest = points.reduce((a, b) => (b.costUsd < a.costUsd ? b : a));
  const perDay = (p: FrontierPoint) => (days > 0 ? p.queriesKilled / days : p.queriesKilled);
  const held = (p: FrontierPoint) => p.killsPerDayBound ?? perDay(p);
  const young = tolerance.killNothingYoungerThanS;
  const fits = (p: FrontierPoint) =>
    (tolerance.killsPerDay === undefined || held(p) <= tolerance.killsPerDay) &&
    (young === undefined || (p.timeoutSeconds >= young + graceSeconds && (p.shortestKilledS === undefined || p.shortestKilledS >= young)));
  const point = points.find(fits);
  if (!point) {
    const fewest = points.reduce((a, b) => (held(b) < held(a) ? b : a));
    const bounded = fewest.killsPerDayBound === undefined ? '' : ` (at most ${round(held(fewest))} on another replay, at ${KILLS_BOUND_CONFIDENCE * 100}%)`;
    const why = [
      tolerance.killsPerDay === undefined ? '' : `the fewest kills per day on the frontier are ${round(perDay(fewest))}${bounded} (${fewest.timeout}), over ${tolerance.killsPerDay}`,
      young === undefined || points.some((p) => p.timeoutSeconds >= young + graceSeconds) ? '' : `no frontier timeout reaches ${formatDuration(young)} plus Trino's ${graceSeconds} s shutdown grace`,
    ].filter(Boolean);
    return { tolerance, cheapest, reason: `no frontier timeout meets it: ${why.length > 0 ? why.join('; ') : 'each one that is long enough killed a query shorter than that'}; try longer timeouts with --frontier` };
  }
  return { tolerance, point, killsPerDay: round(perDay(point), 2), ...(point.killsPerDayBound === undefined ? {} : { killsPerDayBound: point.killsPerDayBound }), extraCostUsd: round(point.costUsd - cheapest.costUsd, 2), cheapest };
}

/** Everything the frontier says, as `--json` carries it beside `frontier`. */
export interface FrontierAnalysis {
  readonly frontier: readonly FrontierPoint[];
  readonly killPrices: readonly KillPrice[];
  /** Ours (`signals`) and `graceful-cpu` at the configured drain timeout, against the frontier. */
  readonly againstFrontier: readonly FrontierPosition[];
  /** Present when a tolerance was stated. */
  readonly recommendation?: Recommendation;
}

/** The frontier's prices, our runs' positions against it, and the recommendation for a stated tolerance. */
export function analyseFrontier(
  frontier: readonly FrontierPoint[],
  runs: readonly { readonly policy: PolicyName; readonly instanceHours: number; readonly queriesKilled: number }[],
  o: { readonly drainTimeout: string; readonly tolerance: Tolerance; readonly days: number; readonly graceSeconds: number },
): FrontierAnalysis {
  const ordered = [...frontier].sort((a, b) => a.timeoutSeconds - b.timeoutSeconds);
  const ours = (['signals', FRONTIER_POLICY] as const).map((p) => runs.find((r) => r.policy === p)).filter((r) => r !== undefined);
  const recommendation = recommendTimeout(ordered, o.tolerance, o.days, o.graceSeconds);
  return {
    frontier: ordered,
    killPrices: killPrices(ordered),
    againstFrontier: ours.map((r) => frontierPosition(ordered, r, o.drainTimeout)).filter((p) => p !== undefined),
    ...(recommendation ? { recommendation } : {}),
  };
}
