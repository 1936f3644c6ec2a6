import {
  AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { TaskReading } from '../../core/drain';
import { DrainedBy } from '../../core/drain-report';
import { DrainRecord, DrainResult, DrainStore, ScaleInHold } from '../../core/ports';
import { errorName } from '../../core/util/errors';
import { ACTIVE_DRAIN_PARTITION_PREFIX } from '../../core/contract/names';

/**
 * Drains spread over this many partitions by instance id. One partition serves at most 1,000 writes a
 * second (DynamoDB developer guide, "Best practices for designing and using partition keys
 * effectively"); a mass scale-in writes each drain several times, so one shared key would be the
 * bottleneck. Reading every drain costs one Query per shard, in parallel.
 */
export const DRAIN_SHARDS = 16;
/** Scale-in holds, a handful at most: one partition, one page. */
const HOLDS = 'HOLDS';
/** Holders that ended (deployment ids): a late START must not recreate their hold. */
const ENDED = 'HOLDS-ENDED';
/** Finished drains are kept this long for operators, then expire by TTL. */
export const HISTORY_RETENTION_DAYS = 30;
/**
 * A finished drain leaves a tombstone this long: Auto Scaling's eventually consistent Describe* may
 * still list the instance as waiting, and a sweep on that stale snapshot must not start a second drain.
 * EC2 never reuses an instance id.
 */
export const TOMBSTONE_DAYS = 7;
/** An ended holder is remembered this long: far past any redelivery of its events. */
const ENDED_HOLDER_DAYS = 7;

/** The shard of an instance id: FNV-1a, stable across runtimes. */
export function shardOf(instanceId: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < instanceId.length; k++) h = Math.imul(h ^ instanceId.charCodeAt(k), 0x01000193);
  return (h >>> 0) % DRAIN_SHARDS;
}
const activeKey = (instanceId: string) => ({ pk: s(`${ACTIVE_DRAIN_PARTITION_PREFIX}${shardOf(instanceId)}`), sk: s(instanceId) });
const tombstoneKey = (instanceId: string) => ({ pk: s(`DONE#${shardOf(instanceId)}`), sk: s(instanceId) });

type Item = Record<string, AttributeValue>;

const n = (v: number): AttributeValue => ({ N: String(v) });
const s = (v: string): AttributeValue => ({ S: v });
const num = (a: AttributeValue | undefined): number | undefined => (a?.N === undefined ? undefined : Number(a.N));

function toItem(r: DrainRecord): Item {
  const item: Item = {
    ...activeKey(r.instanceId),
    groupName: s(r.groupName),
    fleet: s(r.fleet),
    waitStartedAt: n(r.waitStartedAt),
    deadlineAt: n(r.deadlineAt),
    hookExpiresAt: n(r.hookExpiresAt),
    heartbeatTimeoutSeconds: n(r.heartbeatTimeoutSeconds),
    heartbeats: n(r.heartbeats),
    readings: s(JSON.stringify(r.readings)),
  };
  if (r.stopSentAt !== undefined) item.stopSentAt = n(r.stopSentAt);
  if (r.drainedAt !== undefined) item.drainedAt = n(r.drainedAt);
  if (r.drainedBy !== undefined) item.drainedBy = s(r.drainedBy);
  return item;
}

function fromItem(i: Item): DrainRecord {
  return {
    instanceId: i.sk.S!,
    groupName: i.groupName.S!,
    fleet: i.fleet.S!,
    waitStartedAt: num(i.waitStartedAt)!,
    deadlineAt: num(i.deadlineAt)!,
    hookExpiresAt: num(i.hookExpiresAt)!,
    heartbeatTimeoutSeconds: num(i.heartbeatTimeoutSeconds)!,
    stopSentAt: num(i.stopSentAt),
    stopClaimUntil: num(i.stopClaimUntil),
    heartbeats: num(i.heartbeats) ?? 0,
    readings: i.readings?.S ? (JSON.parse(i.readings.S) as TaskReading[]) : [],
    drainedAt: num(i.drainedAt),
    drainedBy: i.drainedBy?.S as DrainedBy | undefined,
  };
}

/**
 * The cancellation reason of action `index` when a TransactWriteItems was cancelled because that
 * action's condition failed (DynamoDB API reference, TransactWriteItems: CancellationReasons, one per
 * action, in order; `Item` when that action asked for ALL_OLD); undefined otherwise.
 */
function failedCondition(e: unknown, index: number): { Code?: string; Item?: Item } | undefined {
  if (errorName(e) !== 'TransactionCanceledException') return undefined;
  const reason = (e as { CancellationReasons?: { Code?: string; Item?: Item }[] }).CancellationReasons?.[index];
  return reason?.Code === 'ConditionalCheckFailed' ? reason : undefined;
}

/** The history key of a finished drain: per UTC day, spread over the instance's shard. */
export function historyKey(completedAt: number, instanceId: string): { pk: string; sk: string } {
  return { pk: `HISTORY#${new Date(completedAt).toISOString().slice(0, 10)}#${shardOf(instanceId)}`, sk: `${new Date(completedAt).toISOString()}#${instanceId}` };
}

/** DrainStore on DynamoDB; every write is conditional so racing invocations never double-apply. */
export class DynamoDrainStore implements DrainStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async listActive(): Promise<DrainRecord[]> {
    const shards = await Promise.all(Array.from({ length: DRAIN_SHARDS }, (_, k) => this.queryAll(`${ACTIVE_DRAIN_PARTITION_PREFIX}${k}`)));
    return shards.flat().map(fromItem);
  }

  private async queryAll(pk: string): Promise<Item[]> {
    const out: Item[] = [];
    let key: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(pk) }, ConsistentRead: true, ExclusiveStartKey: key }),
      );
      out.push(...(page.Items ?? []));
      key = page.LastEvaluatedKey;
    } while (key);
    return out;
  }

  /** Creates the record unless one exists or the instance's drain already finished (its tombstone). */
  async claimFirstSeen(record: DrainRecord): Promise<DrainRecord | undefined> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ConditionCheck: { TableName: this.tableName, Key: tombstoneKey(record.instanceId), ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
          ],
        }),
      );
      return record;
    } catch (e) {
      if (failedCondition(e, 0)) return undefined;
      const existing = failedCondition(e, 1);
      if (existing?.Item) return fromItem(existing.Item);
      throw e;
    }
  }

  async claimStop(instanceId: string, now: number, until: number): Promise<boolean> {
    return this.conditional({
      UpdateExpression: 'SET stopClaimUntil = :until',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(stopSentAt) AND (attribute_not_exists(stopClaimUntil) OR stopClaimUntil < :now)',
      values: { ':until': n(until), ':now': n(now) },
      instanceId,
    });
  }

  async markStopSent(instanceId: string, at: number): Promise<void> {
    await this.conditional({ UpdateExpression: 'SET stopSentAt = :at REMOVE stopClaimUntil', ConditionExpression: 'attribute_exists(pk)', values: { ':at': n(at) }, instanceId });
  }

  async recordHeartbeat(instanceId: string, at: number, hookExpiresAt: number): Promise<void> {
    await this.conditional({
      UpdateExpression: 'SET hookExpiresAt = :exp, lastHeartbeatAt = :at ADD heartbeats :one',
      ConditionExpression: 'attribute_exists(pk)',
      values: { ':exp': n(hookExpiresAt), ':at': n(at), ':one': n(1) },
      instanceId,
    });
  }

  async saveReadings(instanceId: string, readings: readonly TaskReading[]): Promise<void> {
    await this.conditional({ UpdateExpression: 'SET readings = :r', ConditionExpression: 'attribute_exists(pk)', values: { ':r': s(JSON.stringify(readings)) }, instanceId });
  }

  async markDrained(instanceId: string, at: number, drainedBy: DrainedBy): Promise<boolean> {
    return this.conditional({
      UpdateExpression: 'SET drainedAt = :at, drainedBy = :by',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(drainedAt)',
      values: { ':at': n(at), ':by': s(drainedBy) },
      instanceId,
    });
  }

  async finish(record: DrainRecord, result: DrainResult): Promise<boolean> {
    const history: Item = {
      ...toItem(record),
      ...Object.fromEntries(Object.entries(historyKey(result.completedAt, record.instanceId)).map(([k, v]) => [k, s(v)])),
      outcome: s(result.outcome),
      completedAt: n(result.completedAt),
      expiresAt: n(Math.floor(result.completedAt / 1000) + HISTORY_RETENTION_DAYS * 86_400),
    };
    if (result.runningTasksAtEnd !== undefined) history.runningTasksAtEnd = n(result.runningTasksAtEnd);
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: activeKey(record.instanceId), ConditionExpression: 'attribute_exists(pk)' } },
            { Put: { TableName: this.tableName, Item: history } },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...tombstoneKey(record.instanceId), outcome: s(result.outcome), completedAt: n(result.completedAt), expiresAt: n(Math.floor(result.completedAt / 1000) + TOMBSTONE_DAYS * 86_400) },
              },
            },
          ],
        }),
      );
      return true;
    } catch (e) {
      // Another invocation finished it first: its history record stands.
      if (failedCondition(e, 0)) return false;
      throw e;
    }
  }

  async setDeadline(instanceId: string, deadlineAt: number, onlyLater = false): Promise<boolean> {
    const condition = onlyLater ? 'attribute_exists(pk) AND deadlineAt < :d' : 'attribute_exists(pk)';
    return this.conditional({ UpdateExpression: 'SET deadlineAt = :d', ConditionExpression: condition, values: { ':d': n(deadlineAt) }, instanceId });
  }

  async putHold(hold: ScaleInHold): Promise<boolean> {
    const key = `${hold.groupName}|${hold.holder}`;
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ConditionCheck: { TableName: this.tableName, Key: { pk: s(ENDED), sk: s(key) }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: s(HOLDS),
                  sk: s(key),
                  groupName: s(hold.groupName),
                  holder: s(hold.holder),
                  reason: s(hold.reason),
                  requestedBy: s(hold.requestedBy),
                  since: n(hold.since),
                  until: n(hold.until),
                  // Kept a day past its end for the record, then removed by TTL.
                  expiresAt: n(Math.floor(hold.until / 1000) + 86_400),
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (e) {
      if (failedCondition(e, 0)) return false;
      throw e;
    }
  }

  async removeHold(groupName: string, holder: string, ended = false): Promise<boolean> {
    const key = { pk: s(HOLDS), sk: s(`${groupName}|${holder}`) };
    if (ended) {
      // The holder is remembered before its hold goes, so a START redelivered after this END finds the
      // marker and holds nothing; a START that committed before the marker is removed by the delete below.
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: s(ENDED), sk: key.sk, expiresAt: n(Math.floor(Date.now() / 1000) + ENDED_HOLDER_DAYS * 86_400) } }));
    }
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' }));
      return true;
    } catch (e) {
      if (errorName(e) === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  async listHolds(): Promise<ScaleInHold[]> {
    const page = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(HOLDS) }, ConsistentRead: true }),
    );
    return (page.Items ?? []).map((i) => ({
      groupName: i.groupName.S!,
      holder: i.holder.S!,
      reason: i.reason.S!,
      requestedBy: i.requestedBy.S!,
      since: num(i.since)!,
      until: num(i.until)!,
    }));
  }

  /** An UpdateItem on the active record; false when its condition did not hold. */
  private async conditional(u: { instanceId: string; UpdateExpression: string; ConditionExpression: string; values: Item }): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: activeKey(u.instanceId),
          UpdateExpression: u.UpdateExpression,
          ConditionExpression: u.ConditionExpression,
          ExpressionAttributeValues: u.values,
        }),
      );
      return true;
    } catch (e) {
      if (errorName(e) === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}
