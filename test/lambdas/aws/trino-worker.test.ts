import http from 'node:http';
import { AddressInfo } from 'node:net';
import { TrinoTaskCounts, TrinoWorkerControl } from '../../../lambdas/aws/trino-worker';
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

test.each([302, 307])("a worker answering HTTP %i to another host is neither followed nor read: no reading, not reached, and a log line names where", async (status) => {
  const elsewhereSeen: http.IncomingHttpHeaders[] = [];
  const elsewhere = http.createServer((req, res) => (elsewhereSeen.push(req.headers), res.writeHead(200, { 'content-type': 'application/json' }).end('[]')));
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const to = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  const worker = http.createServer((req, res) => res.writeHead(status, { location: `${to}${req.url}` }).end());
  await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
  try {
    const details = { describe: async (ids: readonly string[]) => new Map(ids.map((id) => [id, { privateIp: '127.0.0.1' }])) };
    const endpoint = { scheme: 'http' as const, port: (worker.address() as AddressInfo).port, user: 'graceful-autoscaler', timeoutMs: 2000 };
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = { warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
    const instances = [{ instanceId: 'i-a', groupName: 'g' }];
    expect((await new TrinoTaskCounts(details, endpoint, Date.now, log).read(instances)).get('i-a')).toBeUndefined();
    expect([...(await new TrinoWorkerControl(details, endpoint, log).requestStop(instances))]).toEqual([]);
    expect(elsewhereSeen).toEqual([]);
    expect(warnings.map((w) => `${w.message}: ${String(w.fields?.error)}`)).toEqual([
      `worker answer refused; no reading: GET /v1/task of i-a answered HTTP ${status} redirecting to ${to}/v1/task: not followed (our headers carry credentials and the request may not be repeated elsewhere)`,
      `worker answer refused; not reached: PUT /v1/info/state of i-a answered HTTP ${status} redirecting to ${to}/v1/info/state: not followed (our headers carry credentials and the request may not be repeated elsewhere)`,
    ]);
  } finally {
    worker.closeAllConnections();
    elsewhere.closeAllConnections();
    await new Promise((resolve) => worker.close(resolve));
    await new Promise((resolve) => elsewhere.close(resolve));
  }
});
