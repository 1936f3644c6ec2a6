/**
 * The agent with a readings queue (agent.json `readings`): in service, one SQS message a minute and no
 * CloudWatch at all; from the round it sees Terminated, CloudWatch every round as the drain reads it.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Agent, ReadingsSender } from '../../agent/agent';
import { AgentConfig, parseAgentConfig } from '../../agent/config';
import { ImdsClient } from '../../agent/imds';
import { CounterReading, PressureReader } from '../../agent/pressure';
import { MetricPublisher } from '../../agent/publisher';
import { ReadingsMessage, formatReadingsMessage, parseReadingsMessage } from '../../core/worker-readings';
import { ListLog, startCloudWatch, startImds, startTrino } from './stand-ins';

const META = { instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', groupName: 'GracefulAutoscaler-dev-FleetadhocGroupASG-1' };
const RUNNING = { taskStatus: { state: 'RUNNING' } };
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/readings';

/** Kernel counters that move by the same amount every call: a steady 10% steal. */
class SteadyPressure extends PressureReader {
  private k = 0;
  override async sample(now: number): Promise<CounterReading> {
    this.k++;
    return { at: now, cpu: { steal: 10 * this.k, total: 100 * this.k }, psi: {} };
  }
}

async function setup(config: Record<string, unknown> = {}) {
  const imds = await startImds(META);
  const trino = await startTrino();
  const cloudwatch = await startCloudWatch();
  const parsed: AgentConfig = parseAgentConfig(JSON.stringify({ tasks: { kind: 'trino', url: trino.url }, readings: { queueUrl: QUEUE_URL }, pressure: true, ...config }));
  let now = Date.UTC(2026, 10, 21, 12, 0, 0);
  const sent: ReadingsMessage[] = [];
  let failing = false;
  let gate: Promise<void> | undefined;
  const sender: ReadingsSender = {
    send: async (m) => {
      const copy = JSON.parse(JSON.stringify(m));
      if (gate) await gate;
      if (failing) throw new Error('AWS.SimpleQueueService.NonExistentQueue');
      sent.push(copy);
    },
  };
  const client = new CloudWatchClient({ region: 'eu-west-1', endpoint: cloudwatch.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const agent = new Agent(parsed, new ImdsClient(imds.url), (_i, ns) => new MetricPublisher(client, ns, parsed.bufferMax, () => now), new ListLog(), () => now, undefined, new SteadyPressure(), () => sender);
  return {
    imds, trino, cloudwatch, agent, sent,
    fail: (on: boolean) => (failing = on),
    /** Holds every send until the returned function is called. */
    hold: () => {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    advance: (ms: number) => (now += ms),
    close: async () => Promise.all([imds.close(), trino.close(), cloudwatch.close()]),
  };
}

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

test('in service: one message a minute with every reading and pressure figure, and nothing to CloudWatch', async () => {
  env = await setup();
  env.trino.state.tasks = [RUNNING, RUNNING];
  for (let k = 0; k < 13; k++) {
    await env.agent.tick();
    env.advance(10_000);
  }
  // Rounds at 12:00:00 … 12:02:00: the first at once, then one at the first round of each minute.
  expect(env.sent).toHaveLength(3);
  expect(env.sent[1].readings.map((r) => new Date(r.at).toISOString().slice(14, 19))).toEqual(['00:10', '00:20', '00:30', '00:40', '00:50', '01:00']);
  expect(env.sent[1].readings[1]).toEqual({ at: expect.any(Number), runningTasks: 2, pressure: { cpuSteal: 10 } });
  expect(env.sent[1]).toMatchObject({ instanceId: META.instanceId, groupName: META.groupName });
  expect(env.cloudwatch.state.calls).toEqual([]);
  // What it sends is what the readings function accepts from it.
  const body = formatReadingsMessage(env.sent[1]);
  expect(parseReadingsMessage(body, { senderId: `AROAROLE0000000000001:${META.instanceId}`, sentAt: Date.UTC(2026, 10, 21, 12, 1, 0), messageId: 'm', queueArn: 'q' }, () => ({ workerRoleId: 'AROAROLE0000000000001', queueArn: 'q' })).ok).toBe(true);
});

test('a round that runs while a send is in flight keeps its reading for the next message', async () => {
  env = await setup({ pressure: false });
  env.trino.state.tasks = [RUNNING];
  await env.agent.tick(); // 12:00:00, sent at once
  env.advance(60_000);
  const release = env.hold();
  const slow = env.agent.tick(); // 12:01:00: its send is held
  await new Promise((r) => setTimeout(r, 50));
  env.advance(10_000);
  await env.agent.tick(); // 12:01:10, while the send is in flight
  release();
  await slow;
  env.advance(50_000);
  await env.agent.tick(); // 12:02:00: sends the 12:01:10 and 12:02:00 readings
  const minutes = env.sent.map((m) => m.readings.map((r) => new Date(r.at).toISOString().slice(14, 19)));
  expect(minutes).toEqual([['00:00'], ['01:00'], ['01:10', '02:00']]);
});

test('a worker that cannot be read is no count in the message, never a zero', async () => {
  env = await setup({ pressure: false });
  await env.trino.close();
  await env.agent.tick();
  env.advance(60_000);
  await env.agent.tick();
  expect(env.sent.flatMap((m) => m.readings).some((r) => r.runningTasks !== undefined)).toBe(false);
});

test('a failed send keeps the readings for the next minute, bounded', async () => {
  env = await setup({ pressure: false });
  env.trino.state.tasks = [RUNNING];
  env.fail(true);
  for (let k = 0; k < 13; k++) {
    await env.agent.tick();
    env.advance(10_000);
  }
  expect(env.sent).toEqual([]);
  env.fail(false);
  await env.agent.tick();
  // At 12:02:10 the next period has not started: what was kept goes at the next minute's first round.
  for (let k = 0; k < 5; k++) {
    env.advance(10_000);
    await env.agent.tick();
  }
  expect(env.sent).toHaveLength(1);
  expect(env.sent[0].readings.length).toBe(19);
});

test('from the round it sees Terminated, RunningTasks goes to CloudWatch every round and nothing more to the queue', async () => {
  env = await setup({ pressure: false });
  env.trino.state.tasks = [RUNNING];
  await env.agent.tick();
  expect(env.sent).toHaveLength(1);
  env.imds.state.lifecycle = 'Terminated';
  await env.agent.tickLifecycle();
  for (let k = 0; k < 3; k++) {
    env.advance(10_000);
    expect(await env.agent.tickMetrics()).toMatchObject({ runningTasks: 1, published: true });
  }
  expect(env.sent).toHaveLength(1);
  expect(env.cloudwatch.state.calls.map((c) => c.MetricData.map((d: { MetricName?: string }) => d.MetricName))).toEqual([['RunningTasks'], ['RunningTasks'], ['RunningTasks']]);
});

test('the queue URL is checked like the drain report\'s', () => {
  expect(() => parseAgentConfig(JSON.stringify({ tasks: { kind: 'command', command: 'echo 1' }, readings: { queueUrl: 'http://evil.example/q' } }))).toThrow(/readings.queueUrl .* must be an SQS queue URL/);
});
