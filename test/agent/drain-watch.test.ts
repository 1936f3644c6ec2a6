/**
 * The agent's lifecycle loop against loopback stand-ins: Trino's shutdown protocol respected (a zero
 * count inside the unsafe window is not "drained"), the report sent once, and no endpoint that hangs
 * able to hold up the shutdown.
 */
import { COORDINATOR_CONFIRM_MS, TRINO_NODE_MAP_MEMO_MS } from '../../core/drain-report';
import { getEventListeners } from 'node:events';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Agent, DrainReporter } from '../../agent/agent';
import { parseAgentConfig } from '../../agent/config';
import { ImdsClient } from '../../agent/imds';
import { AGENT_SDK_SETTINGS, MetricPublisher } from '../../agent/publisher';
import { DrainReport } from '../../core/drain-report';
import { ListLog, startCloudWatch, startCoordinator, startHung, startImds, startTrino } from './stand-ins';

const META = { instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', groupName: 'GracefulAutoscaler-dev-FleetadhocGroupASG-1' };
const PRIVATE_IP = '10.40.3.17'; // what the IMDS stand-in gives as local-ipv4
const RUNNING = { taskStatus: { state: 'RUNNING' } };

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup(override: Record<string, unknown> = {}, cloudwatchUrl?: string) {
  const imds = await startImds(META);
  const trino = await startTrino();
  const coordinator = await startCoordinator();
  const cloudwatch = await startCloudWatch();
  closers.push(imds.close, trino.close, coordinator.close, cloudwatch.close);
  coordinator.state.nodes = [
    { node_id: 'coordinator', http_uri: 'http://10.40.0.5:8080', state: 'active' },
    { node_id: 'w-17', http_uri: `http://${PRIVATE_IP}:8080`, state: 'active' },
  ];
  const config = parseAgentConfig(
    JSON.stringify({
      tasks: { kind: 'trino', url: trino.url },
      shutdown: { kind: 'trino', url: trino.url },
      coordinator: { url: coordinator.url },
      drainReport: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/drain' },
      ...override,
    }),
  );
  const log = new ListLog();
  let now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const reports: DrainReport[] = [];
  const reporter = { fail: false, send: async (r: DrainReport) => { if (reporter.fail) throw new Error('SQS unavailable'); reports.push(r); } };
  const client = new CloudWatchClient({ ...AGENT_SDK_SETTINGS, region: 'eu-west-1', endpoint: cloudwatchUrl ?? cloudwatch.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  const agent = new Agent(config, new ImdsClient(imds.url), () => new MetricPublisher(client, config.namespace, config.bufferMax, () => now), log, () => now, (): DrainReporter => reporter);
  return { imds, trino, coordinator, cloudwatch, agent, log, reports, reporter, advance: (ms: number) => (now += ms) };
}

test('a zero count right after SHUTTING_DOWN is not drained while the coordinator still schedules to the worker', async () => {
  const env = await setup();
  env.imds.state.lifecycle = 'Terminated';
  expect(await env.agent.tickLifecycle()).toMatchObject({ shutdownStartedNow: true, drainedBy: undefined });
  env.advance(5000);
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
  expect(env.reports).toEqual([]);
  // The coordinator asked for exactly its own view of the nodes, as our user.
  expect(env.coordinator.state.queries[0]).toEqual({ sql: 'SELECT node_id, http_uri, state FROM system.runtime.nodes', user: 'graceful-autoscaler' });
});

test('coordinator sees the node shutting down and a later count is zero: drained, reported once', async () => {
  const env = await setup();
  env.trino.state.tasks = [RUNNING];
  env.imds.state.lifecycle = 'Terminated';
  await env.agent.tickLifecycle();
  env.coordinator.state.nodes[1].state = 'shutting_down';
  env.advance(1000);
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined(); // still running a task
  env.trino.state.tasks = [];
  // Not yet: Trino's node selector may still place a task for its 5 s memo (COORDINATOR_CONFIRM_MS).
  env.advance(COORDINATOR_CONFIRM_MS - 1000);
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
  env.advance(1000);
  const drained = await env.agent.tickLifecycle();
  expect(drained).toMatchObject({ drainedBy: 'coordinator', reported: true });
  env.advance(1000);
  await env.agent.tickLifecycle();
  expect(env.reports).toEqual([expect.objectContaining({ instanceId: META.instanceId, groupName: META.groupName, drainedBy: 'coordinator' })]);
  expect(env.reports[0].drainedAt).toBeGreaterThanOrEqual(env.reports[0].stoppedAt);
});

test("the first zero after the coordinator is seen is confirmed only past the node selector's 5 s memo", async () => {
  const env = await setup();
  env.imds.state.lifecycle = 'Terminated';
  env.coordinator.state.nodes[1].state = 'shutting_down'; // already seen on the stop's own round
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
  env.advance(TRINO_NODE_MAP_MEMO_MS);
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
  env.advance(COORDINATOR_CONFIRM_MS - TRINO_NODE_MAP_MEMO_MS);
  expect((await env.agent.tickLifecycle()).drainedBy).toBe('coordinator');
});

test('a node the coordinator does not list is never drained on its word', async () => {
  const env = await setup();
  env.coordinator.state.nodes = [{ node_id: 'other', http_uri: 'http://10.40.9.9:8080', state: 'shutting_down' }];
  env.imds.state.lifecycle = 'Terminated';
  for (let k = 0; k < 3; k++) {
    expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
    env.advance(1000);
  }
  expect(env.log.lines.some((l) => /does not list this node/.test(l.message))).toBe(true);
});

test('nodeId, when configured, picks the node instead of the private address', async () => {
  const env = await setup({ coordinator: { url: 'http://placeholder:1', nodeId: 'w-17' } });
  // Re-point at the real stand-in: the URL above only proves nodeId is accepted.
  const config = parseAgentConfig(JSON.stringify({ tasks: { kind: 'trino', url: env.trino.url }, shutdown: { kind: 'trino', url: env.trino.url }, coordinator: { url: env.coordinator.url, nodeId: 'w-17' } }));
  env.coordinator.state.nodes[1] = { node_id: 'w-17', http_uri: 'http://ip-10-40-3-17.internal:8080', state: 'draining' };
  let now = Date.now();
  const agent = new Agent(config, new ImdsClient(env.imds.url), () => new MetricPublisher(new CloudWatchClient({ region: 'eu-west-1' }), 'x', 10), new ListLog(), () => now);
  env.imds.state.lifecycle = 'Terminated';
  await agent.tickLifecycle();
  now += COORDINATOR_CONFIRM_MS;
  expect((await agent.tickLifecycle()).drainedBy).toBe('coordinator');
});

test('without a coordinator view, a zero count counts only after the grace period', async () => {
  const env = await setup({ coordinator: undefined, shutdownGraceSeconds: 30 });
  env.imds.state.lifecycle = 'Terminated';
  await env.agent.tickLifecycle();
  env.advance(29_000);
  expect((await env.agent.tickLifecycle()).drainedBy).toBeUndefined();
  env.advance(1000);
  expect((await env.agent.tickLifecycle()).drainedBy).toBe('grace');
});

test('a worker that exited after our shutdown is drained', async () => {
  const env = await setup();
  env.trino.state.tasks = [RUNNING];
  env.imds.state.lifecycle = 'Terminated';
  await env.agent.tickLifecycle();
  await env.trino.close();
  const seen: (string | undefined)[] = [];
  for (let k = 0; k < 3 && !seen.includes('exited'); k++) seen.push((await env.agent.tickLifecycle()).drainedBy);
  expect(seen).toContain('exited');
});

test('a failed report is retried next round and sent once it goes through', async () => {
  const env = await setup({ coordinator: undefined, shutdownGraceSeconds: 0 });
  env.reporter.fail = true;
  env.imds.state.lifecycle = 'Terminated';
  expect(await env.agent.tickLifecycle()).toMatchObject({ drainedBy: 'grace', reported: false });
  env.reporter.fail = false;
  expect(await env.agent.tickLifecycle()).toMatchObject({ reported: true });
  await env.agent.tickLifecycle();
  expect(env.reports).toHaveLength(1);
});

test('no report without a drainReport queue, and none when the controller stops the worker', async () => {
  const none = await setup({ drainReport: undefined, coordinator: undefined, shutdownGraceSeconds: 0 });
  none.imds.state.lifecycle = 'Terminated';
  await none.agent.tickLifecycle();
  await none.agent.tickLifecycle();
  expect(none.reports).toEqual([]);
  const controllerStops = await setup({ shutdown: { kind: 'none' }, coordinator: undefined, shutdownGraceSeconds: 0 });
  controllerStops.imds.state.lifecycle = 'Terminated';
  await controllerStops.agent.tickLifecycle();
  await controllerStops.agent.tickLifecycle();
  expect(controllerStops.reports).toEqual([]);
});

describe('never freezes', () => {
  async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /**
   * Runs the real loops (real clock): the metrics loop every 300 s (its maximum), the lifecycle loop
   * every second. The shutdown must start within a few lifecycle rounds of IMDS saying Terminated,
   * which no design that waits on the metrics path could do.
   */
  async function runUntilShutdown(env: Awaited<ReturnType<typeof setup>>) {
    const stop = new AbortController();
    const running = env.agent.run(stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    env.imds.state.lifecycle = 'Terminated';
    const started = await until(() => env.trino.state.shutdownCalls.length === 1, 4000);
    stop.abort();
    // The agent's last flush outlives the test otherwise; afterEach closes the stand-ins, which ends it.
    closers.push(() => running);
    return { started, running };
  }

  test('a CloudWatch endpoint that accepts connections and never answers', async () => {
    const hung = await startHung();
    closers.push(hung.close);
    const env = await setup({ intervalSeconds: 300, coordinator: undefined }, hung.url);
    const { started } = await runUntilShutdown(env);
    expect(started).toBe(true);
    expect(hung.state.requests).toBeGreaterThan(0); // it really was asked, and never answered
  }, 60_000);

  test('a worker whose task API never answers', async () => {
    const env = await setup({ intervalSeconds: 300, coordinator: undefined });
    // tasks stays the hung endpoint; the shutdown goes to the same worker's state API, which answers.
    env.trino.state.hangTasks = true;
    const { started } = await runUntilShutdown(env);
    expect(started).toBe(true);
  }, 60_000);

  test('rounds do not pile up abort listeners: one pending sleep per loop, however long it runs', async () => {
    const env = await setup({ coordinator: undefined });
    const stop = new AbortController();
    const running = env.agent.run(stop.signal);
    await new Promise((r) => setTimeout(r, 3500)); // three or four lifecycle rounds
    const listeners = getEventListeners(stop.signal, 'abort').length;
    stop.abort();
    await running;
    expect(listeners).toBeLessThanOrEqual(2);
  }, 30_000);

  test('an IMDS that hangs, then answers Terminated', async () => {
    const env = await setup({ intervalSeconds: 300, coordinator: undefined });
    env.imds.state.hang = true;
    const stop = new AbortController();
    closers.push(() => running);
    const running = env.agent.run(stop.signal);
    await new Promise((r) => setTimeout(r, 2500)); // IMDS reads time out (2 s) while it hangs
    env.imds.state.hang = false;
    env.imds.state.lifecycle = 'Terminated';
    const started = await until(() => env.trino.state.shutdownCalls.length === 1, 5000);
    stop.abort();
    expect(started).toBe(true);
    expect(env.log.lines.some((l) => /lifecycle state unavailable/.test(l.message))).toBe(true);
  }, 60_000);
});
