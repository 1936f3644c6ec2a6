import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoReadingsStore, READINGS_KEPT_MS, readingsItem } from '../../../lambdas/aws/dynamo-readings-store';
import { StoredReadings } from '../../../core/worker-readings';

const ddb = mockClient(DynamoDBClient);
afterEach(() => ddb.reset());
afterAll(() => ddb.restore());

const SENT = Date.UTC(2026, 11, 6, 12, 1, 4);
/** A minute at the default 10 s, every figure present at its widest: what a detecting fleet's agent sends. */
const fullMinute = (instanceId: string, messageId: string): StoredReadings => ({
  instanceId,
  groupName: 'GracefulAutoscaler-prod-FleetetlGroupASG1A2B3C4D-0123456789AB',
  sentAt: SENT,
  messageId: `${messageId}-7f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b`,
  readings: Array.from({ length: 6 }, (_, k) => ({ at: SENT - 64_000 + k * 10_000 + 123, runningTasks: 128, oldestTaskAgeSeconds: 86_399.999, pressure: { cpuSteal: 99.99, cpuPressure: 99.99, memoryPressure: 99.99, ioPressure: 99.99, diskBusy: 99.99 } })),
});

/** DynamoDB's item size: attribute names plus values (developer guide, "Item sizes"); numbers at most 21 bytes. */
function itemBytes(item: Record<string, { S?: string; N?: string }>): number {
  return Object.entries(item).reduce((n, [name, v]) => n + Buffer.byteLength(name) + (v.S !== undefined ? Buffer.byteLength(v.S) : 21), 0);
}

test("a minute's message with every figure is under 1 KB: one write unit, as the cost model counts", () => {
  expect(itemBytes(readingsItem(fullMinute('i-0123456789abcdef0', 'm')) as never)).toBeLessThanOrEqual(1024);
});

test('messages are written 25 to a BatchWriteItem, unprocessed ones again, and read back as they were', async () => {
  const written: any[] = [];
  let throttledOnce = false;
  ddb.on(BatchWriteItemCommand).callsFake((input) => {
    const requests = input.RequestItems.table;
    if (!throttledOnce) {
      throttledOnce = true;
      written.push(...requests.slice(0, 20));
      return { UnprocessedItems: { table: requests.slice(20) } };
    }
    written.push(...requests);
    return {};
  });
  const store = new DynamoReadingsStore(new DynamoDBClient({ region: 'eu-west-1' }), 'table');
  const messages = Array.from({ length: 30 }, (_, k) => fullMinute(`i-0123456789abcde${k.toString(16).padStart(2, '0')}`, `m${k}`));
  await store.save(messages);
  expect(ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems!.table.length)).toEqual([25, 5, 5]);
  expect(written).toHaveLength(30);
  expect(Number(written[0].PutRequest.Item.expiresAt.N)).toBe(Math.floor((SENT + READINGS_KEPT_MS) / 1000));

  const items = written.map((w) => w.PutRequest.Item);
  ddb.on(QueryCommand).callsFakeOnce(() => ({ Items: items.slice(0, 10), LastEvaluatedKey: { pk: items[9].pk, sk: items[9].sk } })).callsFakeOnce(() => ({ Items: items.slice(10) }));
  const read = await store.read(messages[0].groupName, SENT - 60_000);
  expect(read).toEqual(messages);
  const q = ddb.commandCalls(QueryCommand)[0].args[0].input;
  expect(q.KeyConditionExpression).toBe('pk = :pk AND sk >= :since');
  // From the start of the minute: an item's key is its message's minute.
  expect(q.ExpressionAttributeValues![':since']).toEqual({ S: String(Math.floor((SENT - 60_000) / 60_000) * 60_000).padStart(13, '0') });
});

test("a worker flooding its queue overwrites its own minute: one item an instance-minute, the latest sent kept, never two writes of one key in a batch", async () => {
  const written: any[] = [];
  ddb.on(BatchWriteItemCommand).callsFake((input) => {
    const keys = input.RequestItems.table.map((r: any) => `${r.PutRequest.Item.pk.S}|${r.PutRequest.Item.sk.S}`);
    // DynamoDB refuses a batch that names a key twice.
    if (new Set(keys).size !== keys.length) throw Object.assign(new Error('Provided list of item keys contains duplicates'), { name: 'ValidationException' });
    written.push(...input.RequestItems.table);
    return {};
  });
  const store = new DynamoReadingsStore(new DynamoDBClient({ region: 'eu-west-1' }), 'table');
  const flood = Array.from({ length: 40 }, (_, k) => ({ ...fullMinute('i-0123456789abcdef0', `flood${k}`), sentAt: SENT + k * 100 }));
  const honest = fullMinute('i-0fedcba9876543210', 'honest');
  await store.save([...flood, honest]);
  expect(written).toHaveLength(2);
  const kept = written.map((w) => w.PutRequest.Item).find((i) => i.sk.S.endsWith('i-0123456789abcdef0'));
  expect(kept.m.S).toBe(flood[39].messageId);
  expect(kept.sk.S).toBe(`${String(Math.floor(SENT / 60_000) * 60_000).padStart(13, '0')}#i-0123456789abcdef0`);
});

test('a batch that stays unprocessed fails, for SQS to redeliver', async () => {
  ddb.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
  const store = new DynamoReadingsStore(new DynamoDBClient({ region: 'eu-west-1' }), 'table');
  await expect(store.save([fullMinute('i-0123456789abcdef0', 'm')])).rejects.toThrow(/unprocessed/);
});
