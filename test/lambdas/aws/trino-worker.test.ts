import { TrinoTaskCounts } from '../../../lambdas/aws/trino-worker';
import { startTrino } from '../../agent/stand-ins';

// The controller's own task source: GET /v1/task on each worker's private address, over real HTTP.
test("each reading carries the oldest active task's age beside the count, aged at the reading's time", async () => {
  const trino = await startTrino();
  try {
    const now = Date.UTC(2026, 10, 22, 10, 0, 0);
    trino.state.tasks = [
      { taskStatus: { state: 'RUNNING' }, stats: { createTime: new Date(now - 95_000).toISOString() } },
      { taskStatus: { state: 'RUNNING' }, stats: { createTime: new Date(now - 4_000).toISOString() } },
      { taskStatus: { state: 'FINISHED' }, stats: { createTime: new Date(now - 3_600_000).toISOString() } },
    ];
    const details = { describe: async (ids: readonly string[]) => new Map(ids.map((id) => [id, { privateIp: '127.0.0.1' }])) };
    const counts = new TrinoTaskCounts(details, { scheme: 'http', port: trino.port, user: 'graceful-autoscaler', timeoutMs: 2000 }, () => now);
    const readings = await counts.read([{ instanceId: 'i-a', groupName: 'g' }]);
    expect(readings.get('i-a')).toEqual({ readings: [{ at: now, runningTasks: 2, oldestTaskAgeSeconds: 95 }] });
    // A worker whose tasks carry no createTime still counts; its age is left unknown.
    trino.state.tasks = [{ taskStatus: { state: 'RUNNING' } }];
    expect((await counts.read([{ instanceId: 'i-a', groupName: 'g' }])).get('i-a')).toEqual({ readings: [{ at: now, runningTasks: 1 }] });
  } finally {
    await trino.close();
  }
});
