/**
 * Counting work on a Trino/Presto worker from `GET /v1/task` (a list of TaskInfo). Shared by the
 * controller's HTTP task source and the on-instance agent.
 */

/** Task states after which a task holds no work (Trino `TaskState`); any other state, known or not, is active. */
const TERMINAL_TASK_STATES = new Set(['FINISHED', 'CANCELED', 'ABORTED', 'FAILED']);

/** Counts tasks not in a terminal state; throws on anything not shaped like a task list. */
export function countActiveTasks(body: unknown): number {
  if (!Array.isArray(body)) throw new Error('GET /v1/task did not return a list');
  return body.filter((t) => !TERMINAL_TASK_STATES.has(String(t?.taskStatus?.state ?? ''))).length;
}

/** True when a fetch failed because nothing listens on the port: the worker process is gone. */
export function isConnectionRefused(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String((e as Error)?.message ?? ''));
}
