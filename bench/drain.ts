/**
 * npm run bench:drain — one sweep of the real controller (reconcile, the real adapters, real SDK clients
 * with adaptive retry) over N waiting instances in G groups, against sim/aws-model.ts (the faithful in-memory AWS): every call
 * answers after 50 ms, and each API family throttles bursts above its bucket.
 *
 * The sweep is a representative one: a third of the instances are new (first seen), a third have been
 * idle since their stop (completed now), a third are still busy (wait). Prints one JSON line per case.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AutoScalingFleet } from '../lambdas/aws/auto-scaling-fleet';
import { RETRY_SETTINGS } from '../lambdas/aws/clients';
import { CloudWatchTaskCounts } from '../lambdas/aws/cloudwatch-task-counts';
import { DynamoDrainStore } from '../lambdas/aws/dynamo-drain-store';
import { AgentWorkerControl } from '../lambdas/aws/ssm-worker-control';
import { reconcile } from '../lambdas/controller/reconcile';
import { DEFAULT_DRAIN_POLICY } from '../lambdas/domain/drain';
import { AGENT_TASK_METRIC, ControllerSettings, DEFAULT_STOP_CLAIM_SECONDS, DEFAULT_WRITE_CONCURRENCY } from '../lambdas/domain/settings';
import { MemoryLog, TallyMetrics } from '../sim/memory-ports';
import { AwsModel } from '../sim/aws-model';

const LATENCY_MS = 50;
/**
 * Buckets per API family. CloudWatch documents GetMetricData at 50 TPS (CloudWatch quotas). Auto Scaling
 * and DynamoDB publish no per-API call rates; these are assumptions, printed with every result.
 */
const LIMITS = {
  'autoscaling-read': { rate: 20, burst: 40 },
  'autoscaling-write': { rate: 50, burst: 100 },
  cloudwatch: { rate: 50, burst: 50 },
  dynamodb: { rate: 1000, burst: 2000 },
} as const;
const CASES: [number, number][] = [
  [10, 1],
  [100, 1],
  [100, 5],
  [1000, 1],
  [1000, 10],
  [1000, 20],
  [5000, 20],
];
const TABLE = 'drains';
const sdk = { ...RETRY_SETTINGS, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };

async function runCase(instances: number, groups: number) {
  const aws = new AwsModel({ latencyMs: LATENCY_MS, limits: LIMITS });
  const now = Date.now();
  const groupNames = Array.from({ length: groups }, (_, g) => `fleet-${g}-asg`);
  const settings: ControllerSettings = {
    hookName: 'graceful-autoscaler-drain',
    groups: Object.fromEntries(groupNames.map((g) => [g, { fleet: g, drainTimeoutSeconds: 3600, heartbeatTimeoutSeconds: 3720, shutdownGraceSeconds: 120 }])),
    policy: DEFAULT_DRAIN_POLICY,
    writeConcurrency: Number(process.env.BENCH_WRITE_CONCURRENCY ?? DEFAULT_WRITE_CONCURRENCY),
    stopClaimSeconds: DEFAULT_STOP_CLAIM_SECONDS,
    taskSource: AGENT_TASK_METRIC,
    workerControl: { kind: 'agent' },
  };
  const startedAt = now - 5 * 60_000;
  for (let k = 0; k < instances; k++) {
    const instanceId = `i-${k.toString(16).padStart(17, '0')}`;
    const groupName = groupNames[k % groups];
    aws.addInstance({ instanceId, groupName, state: 'Terminating:Wait', terminationStartedAt: startedAt });
    const kind = k % 3; // 0: first seen now, 1: idle since its stop, 2: busy
    if (kind > 0) {
      aws.table.set(`ACTIVE|${instanceId}`, {
        pk: { S: 'ACTIVE' }, sk: { S: instanceId }, groupName: { S: groupName }, fleet: { S: groupName },
        waitStartedAt: { N: String(startedAt) }, deadlineAt: { N: String(startedAt + 3_600_000) }, hookExpiresAt: { N: String(startedAt + 3_720_000) },
        heartbeatTimeoutSeconds: { N: '3720' }, heartbeats: { N: '0' }, readings: { S: '[]' }, stopSentAt: { N: String(startedAt) },
      });
      // The agent's 10-second metric over the last 5 minutes.
      aws.metrics.set(instanceId, Array.from({ length: 30 }, (_, p) => ({ at: now - 300_000 + p * 10_000, value: kind === 1 ? 0 : 2 })));
    }
  }
  const deps = {
    fleet: new AutoScalingFleet(aws.attach(new AutoScalingClient(sdk))),
    taskCounts: new CloudWatchTaskCounts(aws.attach(new CloudWatchClient(sdk)), AGENT_TASK_METRIC),
    workerControl: new AgentWorkerControl(),
    store: new DynamoDrainStore(aws.attach(new DynamoDBClient(sdk)), TABLE),
    metrics: new TallyMetrics(),
    log: new MemoryLog(true),
    settings,
    now: Date.now,
  };

  const t0 = performance.now();
  const waiting = await deps.fleet.listWaitingInstances(groupNames);
  const summary = await reconcile(deps, waiting, { sweep: true });
  const wallMs = Math.round(performance.now() - t0);

  const completed = [...aws.instances.values()].filter((i) => i.state === 'Terminating:Proceed').length;
  const expectedCompleted = Math.floor((instances + 1) / 3);
  if (completed !== expectedCompleted || summary.errors > 0) {
    throw new Error(`sweep did not do its work: completed ${completed} of ${expectedCompleted}, ${summary.errors} errors`);
  }
  return {
    instances,
    groups,
    readCalls: aws.calls.read,
    writeCalls: aws.calls.write,
    wallMs,
    completed,
    throttled: aws.calls.throttled,
    latencyMs: LATENCY_MS,
    writeConcurrency: settings.writeConcurrency,
  };
}

async function main() {
  const only = process.argv[2] ? Number(process.argv[2]) : undefined;
  for (const [n, g] of CASES) {
    if (only !== undefined && n !== only) continue;
    console.log(JSON.stringify(await runCase(n, g)));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
