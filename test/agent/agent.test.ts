import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Agent } from '../../agent/agent';
import { AgentConfig, parseAgentConfig } from '../../agent/config';
import { ImdsClient } from '../../agent/imds';
import { MetricPublisher } from '../../agent/publisher';
import { internalBearer } from '../../agent/worker';
import { IMDS_ACCOUNT, ListLog, startCloudWatch, startImds, startTrino } from './stand-ins';

const META = { instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', groupName: 'GracefulAutoscaler-dev-FleetadhocGroupASG-1' };
const RUNNING = { taskStatus: { state: 'RUNNING' } };
const FINISHED = { taskStatus: { state: 'FINISHED' } };

async function setup(configOverride: Record<string, unknown> = {}, meta: Parameters<typeof startImds>[0] = META) {
  const imds = await startImds(meta);
  const trino = await startTrino();
  const cloudwatch = await startCloudWatch();
  const config: AgentConfig = parseAgentConfig(
    JSON.stringify({ tasks: { kind: 'trino', url: trino.url }, shutdown: { kind: 'trino', url: trino.url }, ...configOverride }),
  );
  const log = new ListLog();
  let now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const client = new CloudWatchClient({ region: 'eu-west-1', endpoint: cloudwatch.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  // As bin/agent.ts wires it: the publisher writes the namespace the agent names.
  const agent = new Agent(config, new ImdsClient(imds.url), (_identity, namespace) => new MetricPublisher(client, namespace, config.bufferMax, () => now), log, () => now);
  return {
    imds, trino, cloudwatch, agent, log,
    advance: (ms: number) => (now += ms),
    close: async () => Promise.all([imds.close(), trino.close(), cloudwatch.close()]),
  };
}

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

test('publishes the running-task count as a high-resolution metric with instance and group dimensions', async () => {
  env = await setup();
  env.trino.state.tasks = [RUNNING, RUNNING, FINISHED, { taskStatus: { state: 'SOMETHING_NEW' } }];
  const result = await env.agent.tick();
  expect(result).toMatchObject({ runningTasks: 3, lifecycleState: 'InService', published: true });
  expect(env.cloudwatch.state.calls[0]).toMatchObject({
    Namespace: `GracefulAutoscaler/arn:aws:ec2:eu-west-1:${IMDS_ACCOUNT}:instance/${META.instanceId}`,
    MetricData: [{ MetricName: 'RunningTasks', Value: 3, Unit: 'Count', StorageResolution: 1, Dimensions: [{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: META.groupName }] }],
  });
  // Every metadata read went through the token flow; nothing was asked without one.
  expect(env.imds.state.tokenRequests).toBe(1);
  expect(env.imds.state.rejectedWithoutToken).toBe(0);
});

describe('its own namespace: the only one its role may write (docs/security.md)', () => {
  test.each([
    ['the partition IMDS names', { ...META, region: 'cn-north-1', account: '210987654321', partition: 'aws-cn' }, 'GracefulAutoscaler/qa/arn:aws-cn:ec2:cn-north-1:210987654321:instance/i-0123456789abcdef0'],
    ["the region's partition when IMDS has none", { ...META, region: 'us-gov-west-1', account: '210987654321' }, 'GracefulAutoscaler/qa/arn:aws-us-gov:ec2:us-gov-west-1:210987654321:instance/i-0123456789abcdef0'],
  ])('every metric (count, age, shutdown) goes to <namespace>/<instance ARN>, from %s', async (_from, meta, namespace) => {
    env = await setup({ namespace: 'GracefulAutoscaler/qa' }, meta);
    env.trino.state.tasks = [{ ...RUNNING, stats: { createTime: new Date(Date.UTC(2026, 10, 21, 11, 59, 0)).toISOString() } }];
    await env.agent.tick();
    env.imds.state.lifecycle = 'Terminated';
    await env.agent.tick();
    const calls = env.cloudwatch.state.calls;
    expect(new Set(calls.flatMap((c) => c.MetricData.map((d) => d.MetricName)))).toEqual(new Set(['RunningTasks', 'OldestTaskAgeSeconds', 'ShutdownStarted']));
    expect(calls.map((c) => c.Namespace)).toEqual(calls.map(() => namespace));
    // Dimensions stay as they were: the readers query them the same way, in the instance's namespace.
    expect(calls[0].MetricData[0].Dimensions).toEqual([{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: META.groupName }]);
  });

  test('without an account in the identity document it publishes nothing rather than guess a namespace', async () => {
    env = await setup({}, { ...META, account: 'not-an-account' });
    env.trino.state.tasks = [RUNNING];
    expect(await env.agent.tick()).toMatchObject({ published: false });
    expect(env.cloudwatch.state.calls).toEqual([]);
    expect(env.log.lines.some((l) => /identity unavailable/.test(l.message) && /account id/.test(String(l.fields?.error)))).toBe(true);
  });
});

test('beside the count it publishes how long the oldest running task has run, from its createTime; an idle worker publishes no age', async () => {
  env = await setup();
  const at = (secondsAgo: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, 0) - secondsAgo * 1000).toISOString();
  env.trino.state.tasks = [{ ...RUNNING, stats: { createTime: at(42) } }, { ...RUNNING, stats: { createTime: at(7.5) } }, { ...FINISHED, stats: { createTime: at(3600) } }];
  await env.agent.tick();
  expect(env.cloudwatch.state.calls[0].MetricData).toEqual([
    expect.objectContaining({ MetricName: 'RunningTasks', Value: 2 }),
    expect.objectContaining({ MetricName: 'OldestTaskAgeSeconds', Value: 42, Unit: 'Seconds', StorageResolution: 1, Dimensions: [{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: META.groupName }] }),
  ]);
  env.trino.state.tasks = [{ ...FINISHED, stats: { createTime: at(3600) } }];
  env.advance(60_000);
  await env.agent.tick();
  expect(env.cloudwatch.state.calls[1].MetricData.map((d) => d.MetricName)).toEqual(['RunningTasks']);
});

describe('cadence: once a minute in service, every interval once terminating (the drain reads it)', () => {
  const names = (call: { MetricData: { MetricName?: string }[] }) => call.MetricData.map((d) => d.MetricName);
  // The JSON protocol carries timestamps as epoch seconds.
  const times = (call: { MetricData: { Timestamp: number }[] }) => call.MetricData.map((d) => new Date(d.Timestamp * 1000).toISOString().slice(11, 19));

  test('in service it counts every interval and sends a minute\'s readings in one request, early in the next minute', async () => {
    env = await setup();
    env.trino.state.tasks = [RUNNING];
    // The first round publishes at once: a new instance is ranked from its first seconds.
    expect(await env.agent.tick()).toMatchObject({ runningTasks: 1, published: true });
    for (let k = 1; k <= 5; k++) {
      env.advance(10_000);
      expect(await env.agent.tick()).toMatchObject({ runningTasks: 1, published: false });
    }
    expect(env.cloudwatch.state.calls).toHaveLength(1);
    expect(env.agent.stats.pending).toBe(5);
    env.advance(10_000);
    expect(await env.agent.tick()).toMatchObject({ published: true });
    expect(env.cloudwatch.state.calls).toHaveLength(2);
    // Every reading of the minute that ended, at its own time: the straggler function's 1-minute average
    // of RunningTasks is what it was at one request every 10 s.
    expect(names(env.cloudwatch.state.calls[1])).toEqual(Array(6).fill('RunningTasks'));
    expect(times(env.cloudwatch.state.calls[1])).toEqual(['12:00:10', '12:00:20', '12:00:30', '12:00:40', '12:00:50', '12:01:00']);
    expect(env.cloudwatch.state.calls[1].MetricData.every((d) => d.StorageResolution === 1)).toBe(true);
  });

  test('from the round the lifecycle loop sees Terminated, every metrics round publishes', async () => {
    env = await setup({ shutdown: { kind: 'none' } });
    env.trino.state.tasks = [RUNNING];
    await env.agent.tick();
    env.advance(10_000);
    expect(await env.agent.tickMetrics()).toMatchObject({ published: false });
    env.imds.state.lifecycle = 'Terminated';
    await env.agent.tickLifecycle();
    for (let k = 0; k < 3; k++) {
      env.advance(10_000);
      expect(await env.agent.tickMetrics()).toMatchObject({ runningTasks: 1, published: true });
    }
    // The buffered in-service reading goes with the first terminating round; then one request a round.
    expect(env.cloudwatch.state.calls.map(times)).toEqual([['12:00:00'], ['12:00:10', '12:00:20'], ['12:00:30'], ['12:00:40']]);
  });

  test('a longer interval than the in-service period publishes every round', async () => {
    env = await setup({ intervalSeconds: 120 });
    await env.agent.tick();
    env.advance(120_000);
    expect(await env.agent.tick()).toMatchObject({ published: true });
    expect(env.cloudwatch.state.calls).toHaveLength(2);
  });
});

test('a task command may print the oldest task\'s age after the count', async () => {
  env = await setup({ tasks: { kind: 'command', command: 'echo "3 412.5"' } });
  expect((await env.agent.tick()).runningTasks).toBe(3);
  expect(env.cloudwatch.state.calls[0].MetricData.map((d) => [d.MetricName, d.Value])).toEqual([['RunningTasks', 3], ['OldestTaskAgeSeconds', 412.5]]);
  await env.close();
  env = await setup({ tasks: { kind: 'command', command: 'echo "3 old"' } });
  expect((await env.agent.tick()).runningTasks).toBeUndefined();
  expect(env.log.lines.some((l) => /task count failed/.test(l.message) && /not a whole number/.test(JSON.stringify(l.fields)))).toBe(true);
});

test('on a group we adopt, without instance tags in metadata, the configured group names the datapoints', async () => {
  // Tags in IMDS are off unless the launch template turns them on; an adopted group's owner may not have.
  env = await setup({}, { ...META, groupName: undefined });
  await env.agent.tick();
  expect(env.cloudwatch.state.calls).toHaveLength(0);
  expect(env.log.lines.some((l) => /instance identity unavailable/.test(l.message))).toBe(true);
  await env.close();

  env = await setup({ groupName: 'trino-legacy-workers' }, { ...META, groupName: undefined });
  env.trino.state.tasks = [RUNNING];
  await env.agent.tick();
  expect(env.cloudwatch.state.calls[0].MetricData[0].Dimensions).toEqual([{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: 'trino-legacy-workers' }]);
});

test('an expired IMDS token is replaced and the read retried', async () => {
  env = await setup();
  await env.agent.tick();
  env.imds.expireTokens();
  const result = await env.agent.tick();
  expect(result.lifecycleState).toBe('InService');
  expect(env.imds.state.tokenRequests).toBe(2);
});

test('marked for termination: one SHUTTING_DOWN call however many ticks, reported as a metric and a log line', async () => {
  env = await setup();
  env.trino.state.tasks = [RUNNING];
  await env.agent.tick();
  env.imds.state.lifecycle = 'Terminated';
  const first = await env.agent.tick();
  await env.agent.tick();
  await env.agent.tick();
  expect(first.shutdownStartedNow).toBe(true);
  expect(env.trino.state.shutdownCalls).toEqual([{ body: '"SHUTTING_DOWN"', user: 'graceful-autoscaler', bearer: undefined }]);
  expect(env.cloudwatch.datapoints('ShutdownStarted')).toEqual([expect.objectContaining({ Value: 1 })]);
  expect(env.log.lines.filter((l) => l.message.includes('graceful shutdown started'))).toHaveLength(1);
});

test('worker unreachable: no datapoint at all, never a made-up zero', async () => {
  env = await setup();
  env.trino.state.status = 503;
  const result = await env.agent.tick();
  expect(result.runningTasks).toBeUndefined();
  expect(env.cloudwatch.datapoints('RunningTasks')).toEqual([]);
  await env.trino.close(); // nothing listening, and no shutdown started by us
  expect((await env.agent.tick()).runningTasks).toBeUndefined();
  expect(env.cloudwatch.datapoints('RunningTasks')).toEqual([]);
});

test('after our graceful shutdown, a worker that stopped listening has exited: zero tasks', async () => {
  env = await setup();
  env.trino.state.tasks = [RUNNING];
  env.imds.state.lifecycle = 'Terminated';
  await env.agent.tick();
  await env.trino.close();
  // The first read may hit the pooled connection the exiting worker closed (no datapoint); a fresh
  // connection is then refused, which after our shutdown means the process is gone.
  const after = [(await env.agent.tick()).runningTasks, (await env.agent.tick()).runningTasks];
  expect(after).toContain(0);
  expect(env.cloudwatch.datapoints('RunningTasks').map((d) => d.Value)).toEqual([1, ...after.filter((v) => v !== undefined)]);
});

test('CloudWatch throttling or down: datapoints are kept, backed off, and delivered in order once it answers', async () => {
  env = await setup();
  env.trino.state.tasks = [RUNNING];
  env.cloudwatch.state.fail = { status: 400, type: 'ThrottlingException' };
  for (let k = 0; k < 3; k++) {
    const r = await env.agent.tick();
    expect(r.published).toBe(false);
    env.advance(10_000);
  }
  env.cloudwatch.state.fail = { status: 500, type: 'InternalServiceError' };
  await env.agent.tick();
  env.cloudwatch.state.fail = undefined;
  env.advance(10 * 60_000); // past any backoff
  const r = await env.agent.tick();
  expect(r.published).toBe(true);
  const delivered = env.cloudwatch.datapoints('RunningTasks');
  expect(delivered).toHaveLength(5);
  expect(delivered.map((d) => d.Timestamp)).toEqual(delivered.map((d) => d.Timestamp).sort((a, b) => a - b));
  expect(env.log.lines.some((l) => l.message.startsWith('publishing metrics failed'))).toBe(true);
});

test('the buffer is bounded: the oldest datapoints are dropped and counted', async () => {
  env = await setup({ bufferMax: 10 });
  env.cloudwatch.state.fail = { status: 500, type: 'InternalServiceError' };
  for (let k = 0; k < 14; k++) {
    await env.agent.tick();
    env.advance(10_000);
  }
  expect(env.agent.stats).toEqual({ pending: 10, dropped: 4 });
  env.cloudwatch.state.fail = undefined;
  env.advance(10 * 60_000);
  await env.agent.tick();
  // The newest ten survived (the last tick's own datapoint pushed a fifth out): the first five are gone.
  const delivered = env.cloudwatch.datapoints('RunningTasks');
  expect(delivered).toHaveLength(10);
  expect(Math.min(...delivered.map((d) => d.Timestamp))).toBe(Date.UTC(2026, 10, 21, 12, 0, 0) / 1000 + 50);
  expect(env.agent.stats).toEqual({ pending: 0, dropped: 5 });
});

test('IMDS unreachable: the agent keeps running and starts once IMDS answers', async () => {
  env = await setup();
  env.imds.state.down = true;
  expect(await env.agent.tick()).toMatchObject({ published: false });
  expect(env.log.lines.some((l) => /identity unavailable/.test(l.message))).toBe(true);
  env.imds.state.down = false;
  expect(await env.agent.tick()).toMatchObject({ runningTasks: 0, published: true });
});

test('a shell command can count tasks and start the shutdown', async () => {
  env = await setup({ tasks: { kind: 'command', command: 'echo 7' }, shutdown: { kind: 'command', command: 'true' } });
  env.imds.state.lifecycle = 'Terminated';
  expect(await env.agent.tick()).toMatchObject({ runningTasks: 7, shutdownStartedNow: true });
});

test('a command printing something other than a number gives no datapoint', async () => {
  env = await setup({ tasks: { kind: 'command', command: 'echo lots' } });
  expect((await env.agent.tick()).runningTasks).toBeUndefined();
  expect(env.log.lines.some((l) => /not a whole number/.test(String(l.fields?.error)))).toBe(true);
});

test('with a shared secret, requests carry Trino internal authentication', async () => {
  env = await setup();
  const secretConfig = parseAgentConfig(JSON.stringify({ tasks: { kind: 'trino', url: env.trino.url, sharedSecret: 'cluster-secret' } }));
  const client = new CloudWatchClient({ region: 'eu-west-1', endpoint: env.cloudwatch.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  const agent = new Agent(secretConfig, new ImdsClient(env.imds.url), () => new MetricPublisher(client, 'GracefulAutoscaler', 100), new ListLog());
  await agent.tick();
  const bearer = env.trino.state.taskCalls[0].bearer!;
  const [header, payload] = bearer.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
  expect(payload.sub).toBe(META.instanceId);
});

test('the internal bearer is an HS256 JWT keyed by SHA-256 of the secret (a known vector)', () => {
  const jwt = internalBearer('secret', 'node-1', 0);
  // Recomputed independently: HMAC-SHA256 with key sha256("secret") over header.payload.
  const crypto = require('node:crypto');
  const [h, p, s] = jwt.split('.');
  const key = crypto.createHash('sha256').update('secret').digest();
  expect(crypto.createHmac('sha256', key).update(`${h}.${p}`).digest('base64url')).toBe(s);
  expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ sub: 'node-1', exp: 300 });
});

describe('configuration', () => {
  test.each([
    ['not JSON', '{', /not valid JSON/],
    ['no task source', '{}', /tasks\.kind \(undefined\) must be "trino" or "command"/],
    ['bad URL', JSON.stringify({ tasks: { kind: 'trino', url: 'localhost:8080' } }), /tasks\.url \("localhost:8080"\) must be http\(s\):\/\/host:port/],
    ['zero interval', JSON.stringify({ intervalSeconds: 0, tasks: { kind: 'command', command: 'echo 1' } }), /intervalSeconds \(0\) must be a whole number from 1 to 300/],
    ['empty command', JSON.stringify({ tasks: { kind: 'command', command: ' ' } }), /tasks\.command \(" "\) must be a non-empty string/],
    ['in-service publishing rarer than a minute', JSON.stringify({ inServicePublishSeconds: 120, tasks: { kind: 'command', command: 'echo 1' } }), /inServicePublishSeconds \(120\) must be a whole number from 1 to 60/],
    ['unknown shutdown', JSON.stringify({ tasks: { kind: 'command', command: 'echo 1' }, shutdown: { kind: 'kill' } }), /shutdown\.kind \("kill"\) must be "trino", "command" or "none"/],
  ])('%s is one clear error', (_name, text, message) => {
    expect(() => parseAgentConfig(text, '/etc/graceful-autoscaler/agent.json')).toThrow(message);
  });

  test('defaults: 10 s interval, published once a minute in service, our namespace and metric names, one day of buffer, no shutdown', () => {
    expect(parseAgentConfig(JSON.stringify({ tasks: { kind: 'command', command: 'echo 1' } }))).toMatchObject({
      intervalSeconds: 10,
      inServicePublishSeconds: 60,
      namespace: 'GracefulAutoscaler',
      runningTasksMetric: 'RunningTasks',
      bufferMax: 8640,
      shutdown: { kind: 'none' },
    });
  });
});
