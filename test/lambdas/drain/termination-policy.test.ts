/**
 * The termination policy with the agent's in-service cadence: each agent sends a minute's 10-second
 * readings once a minute (agent/agent.ts, DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS). Read through the real
 * CloudWatch adapter from a stand-in that keeps datapoints and answers GetMetricData as CloudWatch does
 * (only what was sent by then, inside StartTime..EndTime, Maximum per period), every in-service instance
 * is still ranked at any second of the minute: none reads as "no data".
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { AGENT_TASK_METRIC } from '../../../core/contract/lambda-settings';
import { DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS, DEFAULT_AGENT_INTERVAL_SECONDS } from '../../../core/contract/metrics';
import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { CloudWatchTaskCounts } from '../../../lambdas/aws/cloudwatch-task-counts';
import { makeTerminationPolicyHandler } from '../../../lambdas/drain/termination-policy';

const cw = mockClient(CloudWatchClient);
afterAll(() => cw.restore());

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
/** Running tasks each instance's worker holds; `i-none` has no agent publishing. */
const LOAD: Record<string, number> = { 'i-busy': 3, 'i-idle': 0, 'i-light': 1 };

/** What CloudWatch holds at `now`: every reading the agents took, sent at the first round of each minute. */
function sentBy(now: number): { instanceId: string; metric: string; at: number; value: number }[] {
  const out: { instanceId: string; metric: string; at: number; value: number }[] = [];
  const intervalMs = DEFAULT_AGENT_INTERVAL_SECONDS * 1000;
  const publishMs = DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS * 1000;
  // The agents started an hour ago; a reading is visible once the round that sends it has run.
  for (let at = T0 - 60 * MINUTE; at <= now; at += intervalMs) {
    const sentAt = Math.ceil(at / publishMs) * publishMs;
    if (sentAt > now) continue;
    for (const [instanceId, tasks] of Object.entries(LOAD)) {
      out.push({ instanceId, metric: AGENT_TASK_METRIC.metricName, at, value: tasks });
      if (tasks > 0) out.push({ instanceId, metric: AGENT_TASK_METRIC.ageMetricName!, at, value: 300 });
    }
  }
  return out;
}

function answer(now: number) {
  const held = sentBy(now);
  return (input: { MetricDataQueries?: MetricDataQuery[]; StartTime?: Date; EndTime?: Date }) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const stat = q.MetricStat!;
      const instanceId = stat.Metric!.Dimensions!.find((d) => d.Name === 'InstanceId')!.Value!;
      const periodMs = stat.Period! * 1000;
      const byPeriod = new Map<number, number>();
      for (const d of held) {
        if (d.instanceId !== instanceId || d.metric !== stat.Metric!.MetricName) continue;
        if (d.at < input.StartTime!.getTime() || d.at >= input.EndTime!.getTime()) continue;
        const p = Math.floor(d.at / periodMs) * periodMs;
        byPeriod.set(p, Math.max(byPeriod.get(p) ?? -Infinity, d.value));
      }
      const periods = [...byPeriod.keys()].sort((a, b) => b - a);
      return { Id: q.Id, StatusCode: 'Complete', Timestamps: periods.map((p) => new Date(p)), Values: periods.map((p) => byPeriod.get(p)!) };
    }),
  });
}

const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const request = {
  AutoScalingGroupName: 'etl-asg',
  CapacityToTerminate: [{ AvailabilityZone: 'eu-west-1a', Capacity: 2, InstanceMarketOption: 'on-demand' }],
  Instances: ['i-none', 'i-busy', 'i-idle', 'i-light'].map((InstanceId) => ({ AvailabilityZone: 'eu-west-1a', InstanceId, InstanceMarketOption: 'on-demand' })),
};

test.each([0, 1, 15, 30, 45, 59])('an instance publishing once a minute is ranked %i s into the minute, never as "no data"', async (second) => {
  const now = T0 + second * 1000 + 500;
  cw.reset();
  cw.on(GetMetricDataCommand).callsFake(answer(now));
  log.info.mockClear();
  const handler = makeTerminationPolicyHandler({
    taskCounts: new CloudWatchTaskCounts(new CloudWatchClient({ region: 'eu-west-1' }), AGENT_TASK_METRIC),
    instances: { describe: async () => new Map() },
    policy: DEFAULT_DRAIN_POLICY,
    log,
    now: () => now,
    budgetMs: 1500,
  });
  expect(await handler(request)).toEqual({ InstanceIDs: ['i-idle', 'i-light'] });
  const load = log.info.mock.calls.find(([m]) => m === 'termination choice')![1].load;
  // Both offered instances had a fresh reading: their counts, not unknowns ranked last.
  expect(load['i-idle']).toMatchObject({ runningTasks: 0, oldestTaskAgeSeconds: 0 });
  expect(load['i-light'].runningTasks).toBe(1);
  expect(load['i-light'].oldestTaskAgeSeconds).toBeGreaterThan(300);
});

test('the in-service publishing period leaves a reading fresher than the drain policy\'s limit, with a minute to spare', () => {
  // The newest reading is at most one period old plus the round that sends it.
  expect(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS + DEFAULT_AGENT_INTERVAL_SECONDS).toBeLessThan(DEFAULT_DRAIN_POLICY.readingMaxAgeSeconds);
});
