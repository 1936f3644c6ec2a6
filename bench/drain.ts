/**
 * npm run bench:drain — one sweep of the real controller (reconcile, the real adapters, real SDK clients
 * with adaptive retry) over N waiting instances in G groups, against testing/aws-model.ts (the faithful in-memory AWS): every call
 * answers after 50 ms, and each API family throttles bursts above its bucket.
 *
 * The sweep is a representative one: a third of the instances are new (first seen), a third have been
 * idle since their stop (completed now), a third are still busy (wait). Prints one JSON line per case.
 */
import { DRAIN_HOOK_NAME } from '../core/contract/names';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AutoScalingFleet } from '../lambdas/aws/auto-scaling-fleet';
import { RETRY_SETTINGS } from '../lambdas/aws/clients';
import { CloudWatchTaskCounts } from '../lambdas/aws/cloudwatch-task-counts';
import { DynamoDrainStore, shardOf } from '../lambdas/aws/dynamo-drain-store';
import { AgentWorkerControl } from '../lambdas/aws/ssm-worker-control';
import type { SQSEvent } from 'aws-lambda';
import { chunk } from '../core/util/concurrency';
import { reconcile } from '../lambdas/drain/reconcile';
import { TERMINATE_ACTION_DETAIL_TYPE } from '../core/lifecycle-event';
import { makeDrainEventsHandler } from '../lambdas/drain/events';
import { makeDrainSweepHandler } from '../lambdas/drain/sweep';
import { DEFAULT_DRAIN_POLICY } from '../core/drain';
import { AGENT_TASK_METRIC, ControllerSettings, DEFAULT_STOP_CLAIM_SECONDS, DEFAULT_WRITE_CONCURRENCY, EVENT_MAX_RECEIVE_COUNT } from '../core/contract/lambda-settings';
import { MemoryLog, TallyMetrics } from '../sim/memory-ports';
import { AwsModel } from '../testing/aws-model';

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
  // A mass scale-in: 2,000 drains at once, every API family throttling bursts.
  [2000, 20],
  [5000, 20],
];
const TABLE = 'drains';
const sdk = { ...RETRY_SETTINGS, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };

/**
 * The controller as deployed, on the model: real adapters and SDK clients, the agent stopping workers,
 * G groups with a one-hour drain and the given grace period. BENCH_WRITE_CONCURRENCY overrides the default.
 */
function controllerOn(aws: AwsModel, groups: number, shutdownGraceSeconds: number) {
  const groupNames = Array.from({ length: groups }, (_, g) => `fleet-${g}-asg`);
  const settings: ControllerSettings = {
    hookName: DRAIN_HOOK_NAME,
    groups: Object.fromEntries(groupNames.map((g) => [g, { fleet: g, drainTimeoutSeconds: 3600, heartbeatTimeoutSeconds: 3720, shutdownGraceSeconds }])),
    policy: DEFAULT_DRAIN_POLICY,
    writeConcurrency: Number(process.env.BENCH_WRITE_CONCURRENCY ?? DEFAULT_WRITE_CONCURRENCY),
    stopClaimSeconds: DEFAULT_STOP_CLAIM_SECONDS,
    taskSource: AGENT_TASK_METRIC,
    workerControl: { kind: 'agent' },
  };
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
  return { groupNames, settings, deps };
}

const instanceIdOf = (k: number) => `i-${k.toString(16).padStart(17, '0')}`;

async function runCase(instances: number, groups: number) {
  const aws = new AwsModel({ latencyMs: LATENCY_MS, limits: LIMITS });
  const now = Date.now();
  const { groupNames, settings, deps } = controllerOn(aws, groups, 120);
  const startedAt = now - 5 * 60_000;
  for (let k = 0; k < instances; k++) {
    const instanceId = instanceIdOf(k);
    const groupName = groupNames[k % groups];
    aws.addInstance({ instanceId, groupName, state: 'Terminating:Wait', terminationStartedAt: startedAt });
    const kind = k % 3; // 0: first seen now, 1: idle since its stop, 2: busy
    if (kind > 0) {
      const pk = `ACTIVE#${shardOf(instanceId)}`;
      aws.table.set(`${pk}|${instanceId}`, {
        pk: { S: pk }, sk: { S: instanceId }, groupName: { S: groupName }, fleet: { S: groupName },
        waitStartedAt: { N: String(startedAt) }, deadlineAt: { N: String(startedAt + 3_600_000) }, hookExpiresAt: { N: String(startedAt + 3_720_000) },
        heartbeatTimeoutSeconds: { N: '3720' }, heartbeats: { N: '0' }, readings: { S: '[]' }, stopSentAt: { N: String(startedAt) },
      });
      // The agent's 10-second metric over the last 5 minutes.
      aws.metrics.set(instanceId, Array.from({ length: 30 }, (_, p) => ({ at: now - 300_000 + p * 10_000, value: kind === 1 ? 0 : 2 })));
    }
  }

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

/**
 * A mass scale-in through the event path: N instances enter Terminating:Wait at once, their lifecycle
 * events reach the event function in SQS batches of 10 with `EVENT_CONCURRENCY` invocations at a time
 * (the event source's maximum concurrency), while a sweep runs alongside. Failed messages come back with
 * their receive count raised, as SQS redelivers them; past maxReceiveCount they would be dead-lettered.
 * Then the workers go idle and the next sweep completes every drain. Asserts what must hold: every drain
 * recorded once, nothing dead-lettered, no drain recorded twice.
 */
const EVENT_CONCURRENCY = 20;
async function massScaleIn(instances: number, groups: number) {
  const aws = new AwsModel({ latencyMs: LATENCY_MS, limits: LIMITS });
  const { groupNames, settings, deps } = controllerOn(aws, groups, 0);
  const start = Date.now();
  const ids: string[] = [];
  for (let k = 0; k < instances; k++) {
    const instanceId = instanceIdOf(k);
    ids.push(instanceId);
    aws.addInstance({ instanceId, groupName: groupNames[k % groups], state: 'Terminating:Wait', terminationStartedAt: start });
  }
  let deadLettered = 0;
  let redelivered = 0;
  let queue = ids.map((id, k) => ({
    messageId: `m-${k}`,
    receives: 1,
    body: JSON.stringify({
      source: 'aws.autoscaling',
      'detail-type': TERMINATE_ACTION_DETAIL_TYPE,
      time: new Date(start).toISOString(),
      detail: { AutoScalingGroupName: groupNames[k % groups], LifecycleHookName: settings.hookName, EC2InstanceId: id, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
    }),
  }));
  const handler = makeDrainEventsHandler({ ...deps, deadLetters: {
      send: async () => {
        deadLettered++;
      },
    }, });
  const t0 = performance.now();
  const sweep = makeDrainSweepHandler(deps)();
  while (queue.length > 0) {
    const batches = chunk(queue, 10);
    queue = [];
    for (const wave of chunk(batches, EVENT_CONCURRENCY)) {
      await Promise.all(
        wave.map(async (batch) => {
          const event = { Records: batch.map((m) => ({ messageId: m.messageId, body: m.body, attributes: { ApproximateReceiveCount: String(m.receives) } })) } as unknown as SQSEvent;
          const out = await handler(event);
          for (const f of out.batchItemFailures) {
            const m = batch.find((x) => x.messageId === f.itemIdentifier)!;
            redelivered++;
            if (m.receives + 1 > EVENT_MAX_RECEIVE_COUNT) deadLettered++;
            else queue.push({ ...m, receives: m.receives + 1 });
          }
        }),
      );
    }
  }
  await sweep;
  const recordedMs = Math.round(performance.now() - t0);
  const recorded = (await deps.store.listActive()).length;
  // Every worker is idle now: the next sweep completes every drain.
  const now = Date.now();
  for (const id of ids) aws.metrics.set(id, Array.from({ length: 4 }, (_, p) => ({ at: now - 35_000 + p * 10_000, value: 0 })));
  const t1 = performance.now();
  await makeDrainSweepHandler(deps)();
  const completedMs = Math.round(performance.now() - t1);
  const completed = [...aws.instances.values()].filter((i) => i.state === 'Terminating:Proceed').length;
  const history = [...aws.table.values()].filter((i) => i.pk.S!.startsWith('HISTORY#'));
  const partitions = new Set([...aws.table.values()].map((i) => i.pk.S)).size;
  if (recorded !== instances || deadLettered > 0 || completed !== instances || history.length !== instances) {
    throw new Error(`mass scale-in lost work: recorded ${recorded}, dead-lettered ${deadLettered}, completed ${completed}, history ${history.length} of ${instances}`);
  }
  return {
    scenario: 'mass-scale-in',
    instances,
    groups,
    eventConcurrency: EVENT_CONCURRENCY,
    recordedMs,
    completedMs,
    recorded,
    completed,
    redelivered,
    deadLettered,
    throttled: aws.calls.throttled,
    partitions,
    readCalls: aws.calls.read,
    writeCalls: aws.calls.write,
    latencyMs: LATENCY_MS,
    limits: LIMITS,
  };
}

async function main() {
  const only = process.argv[2] ? Number(process.argv[2]) : undefined;
  for (const [n, g] of CASES) {
    if (only !== undefined && n !== only) continue;
    console.log(JSON.stringify(await runCase(n, g)));
  }
  if (only === undefined || only === 2000) console.log(JSON.stringify(await massScaleIn(2000, 20)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
