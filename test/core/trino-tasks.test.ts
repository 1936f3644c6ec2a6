import { summarizeTasks } from '../../core/trino-tasks';

// TaskInfo as a worker's GET /v1/task lists it: taskStatus.state, and stats.createTime as an ISO-8601 instant.
const task = (state: string, createTime?: string) => ({ taskStatus: { state }, ...(createTime !== undefined ? { stats: { createTime } } : {}) });
const now = Date.parse('2026-11-22T10:00:00.000Z');

test('the oldest active task is aged from its createTime; finished tasks count for neither', () => {
  const body = [task('RUNNING', '2026-11-22T09:55:00.000Z'), task('FLUSHING', '2026-11-22T09:59:30.500Z'), task('FINISHED', '2026-11-22T08:00:00.000Z'), task('PLANNED', '2026-11-22T09:59:59.000Z')];
  expect(summarizeTasks(body, now)).toEqual({ runningTasks: 3, oldestTaskAgeSeconds: 300 });
});

test('no active task is age 0; an active task without a readable createTime leaves the age unknown, not young', () => {
  expect(summarizeTasks([task('FINISHED', '2026-11-22T08:00:00.000Z')], now)).toEqual({ runningTasks: 0, oldestTaskAgeSeconds: 0 });
  expect(summarizeTasks([task('RUNNING', '2026-11-22T09:59:00.000Z'), task('RUNNING')], now)).toEqual({ runningTasks: 2 });
  expect(summarizeTasks([task('RUNNING', 'yesterday-ish')], now)).toEqual({ runningTasks: 1 });
});

test('a createTime ahead of the reader (clock skew) is age 0, never negative', () => {
  expect(summarizeTasks([task('RUNNING', '2026-11-22T10:00:02.000Z')], now)).toEqual({ runningTasks: 1, oldestTaskAgeSeconds: 0 });
});

test('anything but a list is refused', () => {
  expect(() => summarizeTasks({ tasks: [] }, now)).toThrow('did not return a list');
});
