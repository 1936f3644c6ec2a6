/**
 * The readings path end to end over memory ports: agents' messages as SQS delivers them (SenderId,
 * SentTimestamp, the queue's ARN) → the readings function → the store → the termination policy's ranking
 * and the straggler detector's minutes. A worker can never make another instance's reading reach either.
 */
import type { SQSRecord } from 'aws-lambda';
import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { ReadingsSettings } from '../../../core/contract/readings-settings';
import { LOG_TEXT_MAX } from '../../../core/util/log-text';
import { ReadingsMessage, formatReadingsMessage, pressureOf } from '../../../core/worker-readings';
import { makeTerminationPolicyHandler } from '../../../lambdas/drain/termination-policy';
import { makeReadingsHandler } from '../../../lambdas/readings/handler';
import { MemoryLog } from '../../../sim/memory-ports';
import { MemoryReadingsStore } from '../../../sim/memory-readings-store';

const ROLE = 'AROAWORKERROLEETL0001';
const ADHOC_ROLE = 'AROAWORKERROLEADHOC01';
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:readings-etl';
const ADHOC_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:readings-adhoc';
const GROUP = 'etl-workers';
const [A, B, C] = ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2', 'i-0ccccccccccccccc3'];
const NOW = Date.UTC(2026, 11, 6, 12, 0, 30);
const settings: ReadingsSettings = { groups: Object.assign(Object.create(null), { [GROUP]: { workerRoleId: ROLE, queueArn: QUEUE }, 'adhoc-workers': { workerRoleId: ADHOC_ROLE, queueArn: ADHOC_QUEUE } }) };

let n = 0;
function record(message: ReadingsMessage | string, senderId: string | undefined, sentAt = NOW - 25_000, queueArn = QUEUE): SQSRecord {
  return {
    messageId: `m-${++n}`,
    body: typeof message === 'string' ? message : formatReadingsMessage(message),
    attributes: { ...(senderId ? { SenderId: senderId } : {}), SentTimestamp: String(sentAt), ApproximateReceiveCount: '1' },
    eventSourceARN: queueArn,
  } as unknown as SQSRecord;
}
/** A minute of one instance's readings, the newest `newestAgoMs` before NOW. */
const minute = (instanceId: string, tasks: number, newestAgoMs = 30_000, group = GROUP): ReadingsMessage => ({
  instanceId,
  groupName: group,
  readings: Array.from({ length: 6 }, (_, k) => ({ at: NOW - newestAgoMs - (5 - k) * 10_000, runningTasks: tasks, ...(tasks > 0 ? { oldestTaskAgeSeconds: 100 } : {}), pressure: { cpuSteal: tasks === 0 ? 0 : 90 } })),
});

function setup() {
  const store = new MemoryReadingsStore();
  const log = new MemoryLog();
  const consume = makeReadingsHandler({ settings, store, log, now: () => NOW });
  const choose = makeTerminationPolicyHandler({
    // CloudWatch holds nothing for in-service instances now: the agent sends their readings through SQS.
    taskCounts: { keepsHistory: true, read: async () => new Map() },
    readings: store,
    instances: { describe: async (ids) => new Map(ids.map((id) => [id, { launchedAt: NOW - 3600_000 }])) },
    policy: DEFAULT_DRAIN_POLICY,
    log: new MemoryLog(),
    now: () => NOW,
    budgetMs: 1200,
  });
  const ask = (ids: string[], capacity = 1) =>
    choose({ AutoScalingGroupName: GROUP, CapacityToTerminate: [{ AvailabilityZone: 'z', Capacity: capacity, InstanceMarketOption: 'on-demand' }], Instances: ids.map((InstanceId) => ({ AvailabilityZone: 'z', InstanceId, InstanceMarketOption: 'on-demand' })) });
  return { store, log, consume, ask };
}

test('genuine readings rank the idle instance first', async () => {
  const { consume, ask } = setup();
  await consume({ Records: [record(minute(A, 5), `${ROLE}:${A}`), record(minute(B, 0), `${ROLE}:${B}`)] });
  expect((await ask([A, B])).InstanceIDs[0]).toBe(B);
});

describe('a forged reading never reaches the ranking or the detector', () => {
  const forgeries: [string, SQSRecord][] = [
    ['B claiming A is idle (wrong SenderId)', record(minute(A, 0), `${ROLE}:${B}`)],
    ['another fleet\'s worker claiming A is idle (its own role)', record(minute(A, 0), `${ADHOC_ROLE}:${A}`)],
    ['another fleet\'s worker, on its own queue, naming our group', record(minute(A, 0), `${ADHOC_ROLE}:${A}`, NOW - 25_000, ADHOC_QUEUE)],
    ['A\'s own credentials on another fleet\'s queue', record(minute(A, 0), `${ROLE}:${A}`, NOW - 25_000, ADHOC_QUEUE)],
    ['no SenderId', record(minute(A, 0), undefined)],
    ['a malformed body', record('{"source":"graceful-autoscaler.agent","detail-type":"Worker Readings","detail":{"instanceId":"i-0aaaaaaaaaaaaaaa1","groupName":"etl-workers","readings":[{"at":1,"runningTasks":"0"}]}}', `${ROLE}:${A}`)],
    ['an oversized body', record(`${'x'.repeat(300_000)}`, `${ROLE}:${A}`)],
  ];

  test.each(forgeries)('%s: dropped, logged capped, and A stays ranked on its own word', async (_name, forged) => {
    const { consume, ask, log, store } = setup();
    const out = await consume({ Records: [record(minute(A, 5), `${ROLE}:${A}`), record(minute(B, 2), `${ROLE}:${B}`), forged] });
    // Dropped, not retried: a forgery is never redelivered.
    expect(out.batchItemFailures).toEqual([]);
    const warning = log.lines.find((l) => l.message === 'readings rejected');
    expect(warning).toBeDefined();
    expect(JSON.stringify(warning).length).toBeLessThan(6 * LOG_TEXT_MAX);
    // B (2 tasks) goes before A (5): the forged idle A never reached the ranking.
    expect((await ask([A, B])).InstanceIDs[0]).toBe(B);
    const pressure = pressureOf(await store.read(GROUP, NOW - 3600_000), GROUP, [A, B], NOW - 30_000 + 60_000, 2).get(A)!;
    expect(Array.from(pressure.cpuSteal!).filter((v) => v !== null).every((v) => v === 90)).toBe(true);
  });

  test('an instance the group does not hold is never read: the readers ask only for the group\'s own instances', async () => {
    const { consume, ask } = setup();
    // C runs under the group's role but is not one of the group's instances (a leftover, or detached).
    await consume({ Records: [record(minute(C, 0), `${ROLE}:${C}`), record(minute(A, 5), `${ROLE}:${A}`), record(minute(B, 2), `${ROLE}:${B}`)] });
    const chosen = (await ask([A, B], 2)).InstanceIDs;
    expect(chosen).not.toContain(C);
  });

  test('a flood of forgeries on one fleet\'s queue drops them all and keeps that batch\'s genuine readings', async () => {
    const { consume, store } = setup();
    const flood = Array.from({ length: 99 }, () => record(minute(A, 0), `${ROLE}:${B}`));
    await consume({ Records: [...flood, record(minute(A, 5), `${ROLE}:${A}`)] });
    const kept = await store.read(GROUP, 0);
    expect(kept.map((m) => m.instanceId)).toEqual([A]);
    expect(kept[0].readings.every((r) => r.runningTasks === 5)).toBe(true);
  });
});

describe('a missing or late message is no data, never zero', () => {
  test('an instance with no message is unread, and ranked after one read busy', async () => {
    const { consume, ask } = setup();
    await consume({ Records: [record(minute(A, 5), `${ROLE}:${A}`)] });
    // The default policy ranks unread instances last: "no data" never reads as idle.
    expect((await ask([A, B])).InstanceIDs[0]).toBe(A);
  });

  test('a message SQS stamped past the freshness limit is not read, whatever times its readings claim', async () => {
    const { consume, ask } = setup();
    const late = minute(B, 0, 0);
    await consume({ Records: [record(minute(A, 5), `${ROLE}:${A}`), record(late, `${ROLE}:${B}`, NOW - (DEFAULT_DRAIN_POLICY.readingMaxAgeSeconds + 61) * 1000)] });
    expect((await ask([A, B])).InstanceIDs[0]).toBe(A);
  });
});

test('a store that cannot be written sends back only the accepted messages; a rejected one is never retried', async () => {
  const log = new MemoryLog();
  const consume = makeReadingsHandler({ settings, store: { save: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')), read: async () => [] }, log, now: () => NOW });
  const good = record(minute(A, 5), `${ROLE}:${A}`);
  const forged = record(minute(A, 0), `${ROLE}:${B}`);
  expect(await consume({ Records: [good, forged] })).toEqual({ batchItemFailures: [{ itemIdentifier: good.messageId }] });
});

test('the termination policy answers within its 2 s when the store is slow: Auto Scaling\'s own suggestion', async () => {
  const choose = makeTerminationPolicyHandler({
    taskCounts: { keepsHistory: true, read: async () => new Map() },
    readings: { read: () => new Promise(() => undefined) },
    instances: { describe: async () => new Map() },
    policy: DEFAULT_DRAIN_POLICY,
    log: new MemoryLog(),
    now: Date.now,
    budgetMs: 1200,
  });
  const started = Date.now();
  const out = await choose({ AutoScalingGroupName: GROUP, CapacityToTerminate: [{ AvailabilityZone: 'z', Capacity: 1, InstanceMarketOption: 'on-demand' }], Instances: [A, B].map((InstanceId) => ({ AvailabilityZone: 'z', InstanceId, InstanceMarketOption: 'on-demand' })) });
  expect(Date.now() - started).toBeLessThan(2000 - 300);
  expect(out.InstanceIDs).toEqual([A, B]);
});
