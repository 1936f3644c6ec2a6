/**
 * How long a running query has left, from the fleet's own history of finished queries. Pure: no clock, no
 * SDK; the signals function keeps the history durable per fleet and the simulator keeps it in memory.
 *
 * The prediction is a conditional quantile: of the finished queries that ran longer than this one has
 * already run, how much longer they ran. A query 20 minutes in is compared only with queries that lasted
 * over 20 minutes, which is what makes elapsed time informative for heavy-tailed run times (most queries
 * take seconds, a few hours: a query that has run long is likely to run longer). Queries with the same
 * signature (workload/signature.ts: the SQL with its values taken out) are the better evidence when the
 * fleet has seen enough of them; otherwise the fleet's queries as a whole; with neither, a conservative
 * prior. Every answer names its basis, for the decision log.
 */

/**
 * The finished durations kept per fleet, of all queries and of long ones each: enough for a stable 90th
 * percentile of the tail, and with the signatures' about 3,000 numbers, some 15 KB as one DynamoDB item.
 */
export const MAX_FLEET_DURATIONS = 512;
/**
 * Queries that ran longer than this are also kept apart, MAX_FLEET_DURATIONS of them: most of a fleet's
 * queries take seconds, so its recent history holds too few long ones to say how a long query goes on,
 * which is the only question a drain asks. A query that has run this long is compared with them alone
 * (the same condition, d > elapsed, over a longer window of the tail).
 */
export const LONG_QUERY_SECONDS = 60;
/**
 * Per signature: the recent runs of one statement shape. Only long queries are kept by signature: a
 * short one is never what a drain waits for, and the fleet's own history predicts it well enough.
 */
export const MAX_SIGNATURE_DURATIONS = 16;
/** Signatures kept, least recently finished dropped first. */
export const MAX_SIGNATURES = 128;
/**
 * The quantile the gate predicts with: a query counts as ending within the drain only when 9 in 10 of its
 * like did. Conservative on purpose: a wrong "it will end in time" costs a kill, a wrong "it will not" a
 * few minutes of surplus.
 */
export const DEFAULT_REMAINING_QUANTILE = 0.9;
/** Fewer longer-running samples than this and the basis falls back (signature → fleet → prior). */
export const MIN_SAMPLES = 5;
/** The prior never predicts less than this: a query with no history is not assumed to be nearly done. */
export const PRIOR_MIN_SECONDS = 60;
/**
 * The prior's tail. For a Pareto run time of index α a query that has run e seconds ends by e·(1−q)^(−1/α)
 * with probability q. Index 1 (the Lindy effect: median remaining time equal to the time run) is too heavy
 * for query run times, which Trino bounds (`query.max-execution-time`) and which fall off faster in every
 * log we have: at q = 0.9 it gives a 2-hour query 18 more hours. Index 2 gives it 4.3.
 */
export const PRIOR_PARETO_INDEX = 2;

/** One class of durations: in arrival order (oldest first, for eviction) and sorted (for quantiles). */
interface Durations {
  readonly order: number[];
  readonly sorted: number[];
}

/** A fleet's history of finished queries' run times, in seconds. */
export class DurationHistory {
  private readonly all: Durations = { order: [], sorted: [] };
  private readonly long: Durations = { order: [], sorted: [] };
  /** Insertion order is recency: a signature that finishes again moves to the end. */
  private readonly bySignature = new Map<string, Durations>();

  /** Records a finished query's run time (its execution, not its time queued). Non-finite or negative values are ignored. */
  record(seconds: number, signature?: string): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    push(this.all, seconds, MAX_FLEET_DURATIONS);
    if (seconds <= LONG_QUERY_SECONDS) return;
    push(this.long, seconds, MAX_FLEET_DURATIONS);
    if (signature === undefined) return;
    let d = this.bySignature.get(signature);
    if (d) this.bySignature.delete(signature);
    else d = { order: [], sorted: [] };
    this.bySignature.set(signature, d);
    push(d, seconds, MAX_SIGNATURE_DURATIONS);
    if (this.bySignature.size > MAX_SIGNATURES) this.bySignature.delete(this.bySignature.keys().next().value!);
  }

  /** Queries recorded (up to MAX_FLEET_DURATIONS). */
  get size(): number {
    return this.all.order.length;
  }

  /**
   * The `quantile` of the remaining run time of a query that has run `elapsedSeconds`: a value it ends
   * within with that probability, by the history's evidence.
   */
  predict(elapsedSeconds: number, quantile: number, signature?: string): RemainingTime {
    const e = Math.max(0, elapsedSeconds);
    const own = signature === undefined ? undefined : this.bySignature.get(signature);
    const fromOwn = own && conditionalQuantile(own.sorted, e, quantile);
    if (fromOwn !== undefined) return { seconds: fromOwn, basis: 'signature' };
    const fromFleet = conditionalQuantile(e >= LONG_QUERY_SECONDS ? this.long.sorted : this.all.sorted, e, quantile);
    if (fromFleet !== undefined) return { seconds: fromFleet, basis: 'fleet' };
    return { seconds: priorRemaining(e, quantile), basis: 'prior' };
  }

  /** The history as JSON-safe data, newest last, what the signals function stores: whole seconds, tenths under 100 s. */
  toJSON(): StoredHistory {
    const tenths = (list: readonly number[]) => list.map((x) => (x < 100 ? Math.round(x * 10) / 10 : Math.round(x)));
    return { v: 1, all: tenths(this.all.order), long: tenths(this.long.order), sig: Object.fromEntries([...this.bySignature].map(([k, d]) => [k, tenths(d.order)])) };
  }

  /** Reads stored history back; anything malformed is dropped, never guessed at, and the limits apply again. */
  static fromJSON(data: unknown): DurationHistory {
    const h = new DurationHistory();
    if (typeof data !== 'object' || data === null || (data as StoredHistory).v !== 1) return h;
    const { all, long, sig } = data as StoredHistory;
    load(h.all, all, MAX_FLEET_DURATIONS);
    load(h.long, long, MAX_FLEET_DURATIONS, LONG_QUERY_SECONDS);
    if (typeof sig === 'object' && sig !== null) {
      for (const [k, list] of Object.entries(sig).slice(-MAX_SIGNATURES)) {
        if (k.length > 128) continue;
        const d: Durations = { order: [], sorted: [] };
        load(d, list, MAX_SIGNATURE_DURATIONS, LONG_QUERY_SECONDS);
        if (d.order.length > 0) h.bySignature.set(k, d);
      }
    }
    return h;
  }
}

export interface StoredHistory {
  readonly v: 1;
  readonly all: number[];
  readonly long: number[];
  readonly sig: Record<string, number[]>;
}

export interface RemainingTime {
  readonly seconds: number;
  readonly basis: 'signature' | 'fleet' | 'prior';
}

/** Fills an empty class from a stored list in one sort (a stored history is read every minute). */
function load(d: Durations, list: unknown, limit: number, above = -1): void {
  if (!Array.isArray(list)) return;
  for (const s of list.slice(-limit)) if (typeof s === 'number' && Number.isFinite(s) && s >= 0 && s > above) d.order.push(s);
  d.sorted.push(...d.order);
  d.sorted.sort((a, b) => a - b);
}

function push(d: Durations, seconds: number, limit: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) return;
  d.order.push(seconds);
  d.sorted.splice(upperBound(d.sorted, seconds), 0, seconds);
  if (d.order.length > limit) {
    const old = d.order.shift()!;
    d.sorted.splice(lowerBound(d.sorted, old), 1);
  }
}

/** Of the durations above `elapsed`, the `quantile` of how far above; undefined with fewer than MIN_SAMPLES. */
function conditionalQuantile(sorted: readonly number[], elapsed: number, quantile: number): number | undefined {
  const from = upperBound(sorted, elapsed);
  const n = sorted.length - from;
  if (n < MIN_SAMPLES) return undefined;
  // Nearest rank: the smallest value with at least `quantile` of the samples at or below it.
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(quantile * n) - 1));
  return sorted[from + rank] - elapsed;
}

/** The prior: Pareto with index PRIOR_PARETO_INDEX, so e·((1−q)^(−1/α) − 1), at least PRIOR_MIN_SECONDS. */
export function priorRemaining(elapsedSeconds: number, quantile: number): number {
  const q = Math.min(0.999, Math.max(0, quantile));
  return Math.max(PRIOR_MIN_SECONDS, Math.max(elapsedSeconds, 1) * ((1 - q) ** (-1 / PRIOR_PARETO_INDEX) - 1));
}

/** First index whose value is above x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is at or above x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
