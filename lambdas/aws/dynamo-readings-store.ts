/**
 * The agents' verified readings in the drain table (core/ports.ts ReadingsStore): one item per instance and
 * minute, `pk = READINGS#<group>`, `sk = <sent minute, 13 digits>#<instance id>`, so one Query reads a
 * group's messages since a time, a redelivered message overwrites itself, and a worker flooding its queue
 * only overwrites its own minute. Items expire by the table's
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
const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;

/** The item a message is kept as: exported so the cost test can weigh it. */
export function readingsItem(m: StoredReadings): Item {
  return {
    pk: s(pkOf(m.groupName)),
    // One item an instance-minute: a worker flooding its queue overwrites its own minute instead of
    // growing the range every reader queries (the agent sends one message a minute; a redelivery or a
    // retry of the same minute replaces it). The message's own id and time ride along.
    sk: s(`${time(minuteOf(m.sentAt))}#${m.instanceId}`),
    m: s(m.messageId),
    sentAt: n(m.sentAt),
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
  const [sent, instanceId] = (i.sk?.S ?? '').split('#');
  const groupName = i.pk?.S?.slice('READINGS#'.length);
  let rows: unknown;
  try {
    rows = JSON.parse(i.r?.S ?? '');
  } catch {
    return undefined;
  }
  if (!groupName || !instanceId || !Array.isArray(rows)) return undefined;
  const readings = rows.map(expand).filter((r): r is WorkerReading => r !== undefined);
  const sentAt = i.sentAt?.N !== undefined ? Number(i.sentAt.N) : Number(sent);
  return { groupName, instanceId, sentAt, messageId: i.m?.S ?? '', readings };
}

export class DynamoReadingsStore implements ReadingsStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async save(messages: readonly StoredReadings[]): Promise<void> {
    // One write an item: BatchWriteItem refuses a batch that names a key twice (DynamoDB API reference,
    // "Provided list of item keys contains duplicates"), so of two messages for one instance-minute the
    // later sent is kept.
    const byKey = new Map<string, StoredReadings>();
    for (const m of messages) {
      const key = `${m.groupName}#${minuteOf(m.sentAt)}#${m.instanceId}`;
      const kept = byKey.get(key);
      if (!kept || kept.sentAt <= m.sentAt) byKey.set(key, m);
    }
    for (const batch of chunk([...byKey.values()], WRITES_PER_CALL)) {
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
          // From the start of the minute: an item's key is its message's minute.
          ExpressionAttributeValues: { ':pk': s(pkOf(groupName)), ':since': s(time(minuteOf(sinceMs))) },
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
