/**
 * The agents' verified readings in the drain table (core/ports.ts ReadingsStore): one item per message,
 * `pk = READINGS#<group>`, `sk = <sent time, 13 digits>#<instance id>#<message id>`, so one Query reads a
 * group's messages since a time, and a redelivered message overwrites itself. Items expire by the table's
 * TTL (`expiresAt`) after READINGS_KEPT_MS; until DynamoDB removes them, the Query's range leaves them out.
 * A message of a minute's readings is under 1 KB: one write unit (test/lambdas/aws/dynamo-readings-store.test.ts).
 */
import { AttributeValue, BatchWriteItemCommand, DynamoDBClient, QueryCommand, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ReadingsStore } from '../../core/ports';
import { StoredReadings, WorkerReading } from '../../core/worker-readings';
import { chunk } from '../../core/util/concurrency';
import { PRESSURE_RESOURCES } from '../../core/stragglers';

/** What the straggler function's 60-minute window needs, and a margin. */
export const READINGS_KEPT_MS = 2 * 3600_000;
/** BatchWriteItem takes at most 25 requests (DynamoDB API reference). */
const WRITES_PER_CALL = 25;
/** Unprocessed items (throttling) are tried again this many times, then the batch fails for redelivery. */
const UNPROCESSED_ATTEMPTS = 4;

type Item = Record<string, AttributeValue>;
const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });
const pkOf = (groupName: string) => `READINGS#${groupName}`;
const time = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

/** The item a message is kept as: exported so the cost test can weigh it. */
export function readingsItem(m: StoredReadings): Item {
  return {
    pk: s(pkOf(m.groupName)),
    sk: s(`${time(m.sentAt)}#${m.instanceId}#${m.messageId}`),
    // Compact: [at, tasks, age, [pressure…]] per reading, null where absent.
    r: s(JSON.stringify(m.readings.map(compact))),
    expiresAt: n(Math.floor((m.sentAt + READINGS_KEPT_MS) / 1000)),
  };
}

/** Pressure figures by position, in the detector's own order. */
const PRESSURE_ORDER = PRESSURE_RESOURCES;

function compact(r: WorkerReading): unknown[] {
  const row: unknown[] = [r.at, r.runningTasks ?? null, r.oldestTaskAgeSeconds ?? null];
  if (r.pressure) row.push(PRESSURE_ORDER.map((p) => r.pressure?.[p] ?? null));
  return row;
}

function expand(row: unknown): WorkerReading | undefined {
  if (!Array.isArray(row) || typeof row[0] !== 'number') return undefined;
  const [at, tasks, age, pressure] = row;
  const p = Array.isArray(pressure) ? Object.fromEntries(PRESSURE_ORDER.flatMap((name, k) => (typeof pressure[k] === 'number' ? [[name, pressure[k]]] : []))) : undefined;
  return { at, ...(typeof tasks === 'number' ? { runningTasks: tasks } : {}), ...(typeof age === 'number' ? { oldestTaskAgeSeconds: age } : {}), ...(p && Object.keys(p).length > 0 ? { pressure: p } : {}) };
}

function fromItem(i: Item): StoredReadings | undefined {
  const [sent, instanceId, ...rest] = (i.sk?.S ?? '').split('#');
  const groupName = i.pk?.S?.slice('READINGS#'.length);
  let rows: unknown;
  try {
    rows = JSON.parse(i.r?.S ?? '');
  } catch {
    return undefined;
  }
  if (!groupName || !instanceId || !Array.isArray(rows)) return undefined;
  const readings = rows.map(expand).filter((r): r is WorkerReading => r !== undefined);
  return { groupName, instanceId, sentAt: Number(sent), messageId: rest.join('#'), readings };
}

export class DynamoReadingsStore implements ReadingsStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async save(messages: readonly StoredReadings[]): Promise<void> {
    for (const batch of chunk(messages, WRITES_PER_CALL)) {
      let requests: WriteRequest[] = batch.map((m) => ({ PutRequest: { Item: readingsItem(m) } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt === UNPROCESSED_ATTEMPTS) throw new Error(`${requests.length} readings unprocessed after ${UNPROCESSED_ATTEMPTS} attempts`);
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  async read(groupName: string, sinceMs: number): Promise<StoredReadings[]> {
    const out: StoredReadings[] = [];
    let key: Item | undefined;
    do {
      // Eventually consistent: half the read units, and a message written a second ago is at most that late.
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': s(pkOf(groupName)), ':since': s(time(sinceMs)) },
          ExclusiveStartKey: key,
        }),
      );
      for (const item of page.Items ?? []) {
        const m = fromItem(item);
        if (m) out.push(m);
      }
      key = page.LastEvaluatedKey;
    } while (key);
    return out;
  }
}
