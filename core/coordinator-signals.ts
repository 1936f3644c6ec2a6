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
  /** Queries of the last minute whose `totalCpuTime` was present but not a real duration: their CPU is not counted. */
  readonly unreadableCpuTimes: number;
  /** Every entry the list held, readable or not. */
  readonly listed: number;
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * The most CPU one query can report: 100 days (Trino's `query.max-execution-time` default) on a million
 * cores. Anything above is not a query's CPU time but a broken or hostile coordinator's number.
 */
export const MAX_QUERY_CPU_SECONDS = 100 * 86_400 * 1e6;

/**
 * Trino's airlift Duration text, `12.34s`, `1.50m`, `250.00ms`, in seconds; undefined when unreadable.
 * airlift prints two decimals of the most succinct unit, so up to 15 integer and 9 decimal digits read
 * every real duration; longer digit strings (a 400-digit number is Infinity, 121 decimals is 1e-121) do not.
 */
export function durationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = /^(\d{1,15}(?:\.\d{1,9})?)\s*(ns|us|ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

/** A query's CPU seconds, or undefined when not a real duration: unreadable, or above MAX_QUERY_CPU_SECONDS. */
export function queryCpuSeconds(text: unknown): number | undefined {
  const s = durationSeconds(text);
  return s !== undefined && Number.isFinite(s) && s <= MAX_QUERY_CPU_SECONDS ? s : undefined;
}

/** Counts the coordinator's queries at `nowMs`. Throws on a body that is not a list: the coordinator did not answer. */
export function countCoordinatorQueries(body: unknown, nowMs: number): CoordinatorSignals {
  if (!Array.isArray(body)) throw new Error(`the coordinator's /v1/query answered ${body === null ? 'null' : typeof body}, not a list of queries`);
  let queued = 0;
  let running = 0;
  let finished = 0;
  let cpu = 0;
  let unreadable = 0;
  let unreadableCpuTimes = 0;
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
        const seconds = queryCpuSeconds(stats?.totalCpuTime);
        if (seconds !== undefined) cpu += seconds;
        else if (stats?.totalCpuTime !== undefined) unreadableCpuTimes++;
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
    unreadableCpuTimes,
    listed: body.length,
  };
}

/**
 * Average CPU at or above which a fleet is working. An idle Trino worker's JVM uses a few percent; a
 * fleet under CPU target tracking at its default 40% sits far above this whenever it runs queries.
 */
export const WORKING_CPU_PERCENT = 10;

/**
 * The coordinator lists no query at all while the fleet's CPU says it works: the list is not this
 * fleet's work. Trino's GET /v1/query lists only the queries the caller may view (QueryResource
 * getAllQueryInfo filters through AccessControlUtil.filterQueries), so under query rules that let our
 * user view only its own it is empty however long the queue. A working fleet we can see always lists
 * something: Trino keeps a finished query for `query.min-expire-age` (15 minutes by default), so the
 * queries that ran in the last minute are still there. The other cause is a `coordinatorUrl` that names
 * another cluster's coordinator.
 */
export function queriesInvisible(seen: CoordinatorSignals, cpuPercent: number | undefined): boolean {
  return seen.listed === 0 && cpuPercent !== undefined && cpuPercent >= WORKING_CPU_PERCENT;
}

/** Trino's `query.max-history` default. */
export const TRINO_DEFAULT_MAX_HISTORY = 100;

/** The most SQL text read from one query for its signature: longer statements are predicted by the fleet's history. */
export const MAX_SIGNATURE_SQL_CHARS = 65_536;

/** A query in flight, as the drain's price check and the scale-in gate read it. */
export interface InFlightQuery {
  readonly queryId: string;
  /** When it left the queue and could place tasks (createTime + queuedTime), epoch ms. */
  readonly startedAtMs: number;
  /** Its run so far (`executionTime`: elapsed less queued), the same measure the history records. */
  readonly runSeconds: number;
  /** `totalCpuTime`; 0 when unreadable. */
  readonly cpuSeconds: number;
  /** `retryPolicy` TASK: fault-tolerant execution redoes a lost task elsewhere, so a worker's loss does not fail it. */
  readonly survivesWorkerLoss: boolean;
  /** Its SQL, when at most MAX_SIGNATURE_SQL_CHARS. */
  readonly sql?: string;
}

/** A query that finished: its run time (`executionTime`) and SQL. Failed queries are not run times and are left out. */
export interface FinishedQuery {
  readonly queryId: string;
  readonly endedAtMs: number;
  readonly runSeconds: number;
  readonly sql?: string;
}

/**
 * The running queries, and those FINISHED after `sinceMs` (and by `nowMs`), from the same `GET /v1/query`
 * body (BasicQueryInfo: queryId, state, query, retryPolicy; BasicQueryStats: createTime, endTime,
 * queuedTime, executionTime, totalCpuTime: trinodb/trino core/trino-main/src/main/java/io/trino/server/).
 * An entry missing what it needs is skipped, never guessed at.
 */
export function queriesInFlight(body: unknown, nowMs: number, sinceMs: number): { running: InFlightQuery[]; finished: FinishedQuery[] } {
  const running: InFlightQuery[] = [];
  const finished: FinishedQuery[] = [];
  if (!Array.isArray(body)) return { running, finished };
  for (const q of body) {
    if (typeof q !== 'object' || q === null) continue;
    const info = q as { queryId?: unknown; state?: unknown; query?: unknown; retryPolicy?: unknown; queryStats?: Record<string, unknown> };
    if (typeof info.queryId !== 'string' || typeof info.state !== 'string' || typeof info.queryStats !== 'object' || info.queryStats === null) continue;
    const stats = info.queryStats;
    const runSeconds = queryCpuSeconds(stats.executionTime);
    if (runSeconds === undefined) continue;
    const sql = typeof info.query === 'string' && info.query.length <= MAX_SIGNATURE_SQL_CHARS ? info.query : undefined;
    if (RUNNING_STATES.has(info.state)) {
      const created = typeof stats.createTime === 'string' ? Date.parse(stats.createTime) : NaN;
      const queued = durationSeconds(stats.queuedTime) ?? 0;
      if (!Number.isFinite(created)) continue;
      running.push({ queryId: info.queryId, startedAtMs: created + queued * 1000, runSeconds, cpuSeconds: queryCpuSeconds(stats.totalCpuTime) ?? 0, survivesWorkerLoss: info.retryPolicy === 'TASK', ...(sql === undefined ? {} : { sql }) });
    } else if (info.state === 'FINISHED') {
      const end = typeof stats.endTime === 'string' ? Date.parse(stats.endTime) : NaN;
      if (Number.isFinite(end) && end > sinceMs && end <= nowMs) finished.push({ queryId: info.queryId, endedAtMs: end, runSeconds, ...(sql === undefined ? {} : { sql }) });
    }
  }
  return { running, finished };
}
