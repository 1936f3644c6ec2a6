import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAgent } from '../../lib/agent-bundle';
import { parseDrainReport } from '../../core/drain-report';
import { startCloudWatch, startCoordinator, startImds, startSqs, startTrino, IMDS_ACCOUNT } from './stand-ins';

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
    writeFileSync(config, JSON.stringify({ intervalSeconds: 1, inServicePublishSeconds: 1, tasks: { kind: 'trino', url: trino.url }, shutdown: { kind: 'trino', url: trino.url } }));
    const agent = run(['--config', config], { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url });
    children.push(agent.child);

    await until(() => cloudwatch.datapoints('RunningTasks').length >= 2);
    expect(cloudwatch.datapoints('RunningTasks')[0]).toMatchObject({
      Value: 2,
      StorageResolution: 1,
      Dimensions: [{ Name: 'InstanceId', Value: META.instanceId }, { Name: 'AutoScalingGroupName', Value: META.groupName }],
    });
    // Into the instance's own namespace, the only one its role may write (docs/security.md).
    expect(cloudwatch.state.calls[0].Namespace).toBe(`GracefulAutoscaler/arn:aws:ec2:${META.region}:${IMDS_ACCOUNT}:instance/${META.instanceId}`);

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

test('the bundle reads its Trino secret from the systemd credential and reports the drain to SQS, once', async () => {
  const imds = await startImds(META);
  const trino = await startTrino();
  const cloudwatch = await startCloudWatch();
  const coordinator = await startCoordinator();
  const sqs = await startSqs();
  try {
    coordinator.state.nodes = [{ node_id: 'w1', http_uri: 'http://10.40.3.17:8080', state: 'active' }];
    const credentials = mkdtempSync(join(tmpdir(), 'ga-cred-'));
    writeFileSync(join(credentials, 'trino-shared-secret'), 'node.environment=prod\ninternal-communication.shared-secret=s3cr3t\n');
    const config = join(dir, 'agent-report.json');
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/GracefulAutoscaler-prod-EventQueue';
    writeFileSync(
      config,
      JSON.stringify({
        intervalSeconds: 300,
        tasks: { kind: 'trino', url: trino.url, sharedSecretCredential: 'trino-shared-secret' },
        shutdown: { kind: 'trino', url: trino.url, sharedSecretCredential: 'trino-shared-secret' },
        coordinator: { url: coordinator.url },
        drainReport: { queueUrl },
      }),
    );
    const agent = run(['--config', config], {
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      CREDENTIALS_DIRECTORY: credentials,
    });
    children.push(agent.child);
    imds.state.lifecycle = 'Terminated';
    await until(() => trino.state.shutdownCalls.length === 1).catch((e) => {
      throw new Error(`${e.message}; agent output: ${agent.output().slice(-3000)}`);
    });
    expect(trino.state.shutdownCalls[0].bearer).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    coordinator.state.nodes[0].state = 'shutting_down';
    await until(() => sqs.state.messages.length === 1).catch((e) => {
      throw new Error(`${e.message}; agent output: ${agent.output().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(sqs.state.messages).toHaveLength(1);
    expect(sqs.state.messages[0].QueueUrl).toBe(queueUrl);
    // What the controller will make of it, given SQS's stamp for this instance under its role.
    const parsed = parseDrainReport(sqs.state.messages[0].MessageBody, `AROAEXAMPLEROLE12345:${META.instanceId}`, () => 'AROAEXAMPLEROLE12345');
    expect(parsed).toMatchObject({ ok: true, report: { instanceId: META.instanceId, groupName: META.groupName, drainedBy: 'coordinator' } });
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  } finally {
    await Promise.all([imds.close(), trino.close(), cloudwatch.close(), coordinator.close(), sqs.close()]);
  }
}, 30_000);

test('a properties file without the shared-secret key is a configuration error, not the secret', async () => {
  const credentials = mkdtempSync(join(tmpdir(), 'ga-cred-'));
  writeFileSync(join(credentials, 'trino-shared-secret'), 'node.environment=prod\nhttp-server.http.port=8080\n');
  const config = join(dir, 'agent-nokey.json');
  writeFileSync(config, JSON.stringify({ tasks: { kind: 'trino', url: 'http://127.0.0.1:8080', sharedSecretCredential: 'trino-shared-secret' } }));
  const agent = run(['--config', config], { CREDENTIALS_DIRECTORY: credentials });
  expect(await agent.exited).toBe(2);
  expect(agent.output()).toMatch(/properties file without internal-communication\.shared-secret/);
});
