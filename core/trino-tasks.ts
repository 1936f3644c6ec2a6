/**
 * Counting work on a Trino/Presto worker from `GET /v1/task` (a list of TaskInfo). Shared by the
 * controller's HTTP task source and the on-instance agent.
 */

/** Task states after which a task holds no work (Trino `TaskState`); any other state, known or not, is active. */
const TERMINAL_TASK_STATES = new Set(['FINISHED', 'CANCELED', 'ABORTED', 'FAILED']);

/** A worker's active tasks: how many, and how long the oldest has run. */
export interface TaskSummary {
  readonly runningTasks: number;
  /**
   * Seconds since the oldest active task was created (TaskInfo `stats.createTime`), 0 with none; undefined
   * when an active task carries no readable createTime: unknown, never taken for young.
   */
  readonly oldestTaskAgeSeconds?: number;
}

/**
 * Counts the tasks not in a terminal state and ages the oldest against `nowMs`; throws on anything not
 * shaped like a task list. Trino serializes `createTime` as an ISO-8601 instant; the worker's clock and
 * the reader's are both NTP-synced on EC2 (Amazon Time Sync), and a task "created in the future" by clock
 * skew counts as age 0.
 */
export function summarizeTasks(body: unknown, nowMs: number): TaskSummary {
  if (!Array.isArray(body)) throw new Error('GET /v1/task did not return a list');
  const active = body.filter((t) => !TERMINAL_TASK_STATES.has(String(t?.taskStatus?.state ?? '')));
  let oldest: number | undefined = 0;
  for (const t of active) {
    const created = typeof t?.stats?.createTime === 'string' ? Date.parse(t.stats.createTime) : NaN;
    if (!Number.isFinite(created)) {
      oldest = undefined;
      break;
    }
    oldest = Math.max(oldest, (nowMs - created) / 1000);
  }
  return { runningTasks: active.length, ...(oldest !== undefined ? { oldestTaskAgeSeconds: oldest } : {}) };
}

/** True when a fetch failed because nothing listens on the port: the worker process is gone. */
export function isConnectionRefused(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String((e as Error)?.message ?? ''));
}
