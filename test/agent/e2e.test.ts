import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAgent } from '../../lib/agent-bundle';
import { startCloudWatch, startImds, startTrino } from './stand-ins';

// The shipped artifact itself: the esbuild bundle run by Node as systemd would run it, pointed at
// loopback stand-ins only through the standard variables the AWS SDKs honour.
const dir = mkdtempSync(join(tmpdir(), 'ga-agent-'));
const bundle = join(dir, 'agent.js');
beforeAll(() => bundleAgent(bundle));

const META = { instanceId: 'i-0fedcba9876543210', region: 'eu-west-1', groupName: 'GracefulAutoscaler-prod-FleetetlGroupASG-2' };

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bundle, ...args], {
    env: { PATH: process.env.PATH!, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let children: ChildProcess[] = [];
afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

test('node agent.js --config runs against local endpoints from AWS_EC2_METADATA_SERVICE_ENDPOINT and AWS_ENDPOINT_URL_CLOUDWATCH', async () => {
  const imds = await startImds(META);
  const trino = await startTrino();
  const cloudwatch = await startCloudWatch();
  try {
    trino.state.tasks = [{ taskStatus: { state: 'RUNNING' } }, { taskStatus: { state: 'PLANNED' } }];
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ intervalSeconds: 1, tasks: { kind: 'trino', url: trino.url }, shutdown: { kind: 'trino', url: trino.url } }));
    const agent = run(['--config', config], { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url });
    children.push(agent.child);

    await until(() => cloudwatch.datapoints('RunningTasks').length >= 2);
    expect(cloudwatch.datapoints('RunningTasks')[0]).toMatchObject({
      Value: 2,
      StorageResolution: 1,
      Dimensions: [{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: META.groupName }],
    });

    imds.state.lifecycle = 'Terminated';
    await until(() => cloudwatch.datapoints('ShutdownStarted').length === 1);
    const calls = cloudwatch.state.calls.length;
    await until(() => cloudwatch.state.calls.length >= calls + 2);
    expect(trino.state.shutdownCalls).toHaveLength(1);

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toMatch(/"message":"agent stopped"/);
  } finally {
    await Promise.all([imds.close(), trino.close(), cloudwatch.close()]);
  }
}, 30_000);

test('an invalid config is one clear message and a non-zero exit', async () => {
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ tasks: { kind: 'trino', url: 'ftp://worker' } }));
  const agent = run(['--config', config]);
  expect(await agent.exited).toBe(2);
  expect(agent.output().trim()).toBe(`graceful-autoscaler agent: invalid configuration: ${config}: tasks.url ("ftp://worker") must be http(s)://host:port`);
});

test('a missing config file, or no --config at all, is refused the same way', async () => {
  const missing = run(['--config', join(dir, 'nope.json')]);
  expect(await missing.exited).toBe(2);
  expect(missing.output()).toMatch(/nope\.json: cannot be read \(ENOENT\)/);
  const none = run([]);
  expect(await none.exited).toBe(2);
  expect(none.output()).toMatch(/usage: agent --config/);
});
