/**
 * A fleet's backlog, read from its Trino coordinator's query list (`GET /v1/query`, BasicQueryInfo per
 * query). Pure: the handler fetches, this counts. Field names are Trino's; PrestoDB differs and is not read.
 *
 * The list keeps finished queries for `query.min-expire-age` (15 minutes by default) but at most
 * `query.max-history` of them (100 by default: Trino's "Query management properties"). A fleet finishing
 * more than that a minute has its throughput undercounted, so its backlog time reads long and it scales
 * out sooner than it needs: the safe direction, flagged as `throughputCapped` for the decision log.
 */

/** Waiting for a slot: the coordinator's queue (resource groups) or the cluster's minimum workers. */
const QUEUED_STATES = new Set(['QUEUED', 'WAITING_FOR_RESOURCES']);
/** Admitted and not done. */
const RUNNING_STATES = new Set(['DISPATCHING', 'PLANNING', 'STARTING', 'RUNNING', 'FINISHING']);
const DONE_STATES = new Set(['FINISHED', 'FAILED']);

export interface CoordinatorSignals {
  readonly queued: number;
  readonly running: number;
  /** Queries that ended within the last minute. */
  readonly finishedLastMinute: number;
  /** CPU seconds of those queries (`queryStats.totalCpuTime`), where the coordinator reported it. */
  readonly finishedCpuSecondsLastMinute: number;
  /** The retained history may have dropped queries that ended within the minute (see above). */
  readonly throughputCapped: boolean;
  /** Entries skipped as unreadable (no state); counted, never guessed at. */
  readonly unreadable: number;
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86_400 };

/** Trino's airlift Duration text, `12.34s`, `1.50m`, `250.00ms`, in seconds; undefined when unreadable. */
export function durationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

/** Counts the coordinator's queries at `nowMs`. Throws on a body that is not a list: the coordinator did not answer. */
export function countCoordinatorQueries(body: unknown, nowMs: number): CoordinatorSignals {
  if (!Array.isArray(body)) throw new Error(`the coordinator's /v1/query answered ${body === null ? 'null' : typeof body}, not a list of queries`);
  let queued = 0;
  let running = 0;
  let finished = 0;
  let cpu = 0;
  let unreadable = 0;
  let doneRetained = 0;
  let oldestEnd = Infinity;
  for (const q of body) {
    const state = typeof q === 'object' && q !== null ? (q as { state?: unknown }).state : undefined;
    if (typeof state !== 'string') {
      unreadable++;
      continue;
    }
    if (QUEUED_STATES.has(state)) queued++;
    else if (RUNNING_STATES.has(state)) running++;
    else if (DONE_STATES.has(state)) {
      doneRetained++;
      const stats = (q as { queryStats?: { endTime?: unknown; totalCpuTime?: unknown } }).queryStats;
      const end = typeof stats?.endTime === 'string' ? Date.parse(stats.endTime) : NaN;
      if (!Number.isFinite(end)) continue;
      oldestEnd = Math.min(oldestEnd, end);
      if (end > nowMs - 60_000 && end <= nowMs) {
        finished++;
        cpu += durationSeconds(stats?.totalCpuTime) ?? 0;
      }
    }
    // Any other state (a new one in a later Trino) is neither backlog nor throughput.
  }
  return {
    queued,
    running,
    finishedLastMinute: finished,
    finishedCpuSecondsLastMinute: cpu,
    throughputCapped: doneRetained >= TRINO_DEFAULT_MAX_HISTORY && oldestEnd > nowMs - 60_000,
    unreadable,
  };
}

/** Trino's `query.max-history` default. */
export const TRINO_DEFAULT_MAX_HISTORY = 100;
