/**
 * DynamoDB's table operations on the model's one table (pk, sk): Query pages, conditional Put/Update/Delete,
 * TransactWriteItems, and each partition key's write throughput.
 */
import { applyUpdate, evaluateCondition } from './dynamo-expressions';
import { awsError, TokenBucket } from './throttling';
import type { Item, ModelState } from './types';

/** DynamoDB Query pages stop at 1 MB of items read (DynamoDB developer guide, "Paginating table query results"). */
const QUERY_PAGE_BYTES = 1024 * 1024;
/**
 * A partition serves at most 1,000 write units a second (DynamoDB developer guide, "Best practices for
 * designing and using partition keys effectively"); past it writes fail with
 * ProvisionedThroughputExceededException, on-demand tables included.
 */
const PARTITION_WRITES_PER_SECOND = 1000;

export class DynamoTable {
  private readonly partitionBuckets = new Map<string, TokenBucket>();

  constructor(private readonly m: ModelState) {}

  /** Answers a DynamoDB operation, or undefined when the operation is not DynamoDB's. */
  handle(operation: string, input: any): Record<string, unknown> | undefined {
    switch (operation) {
      case 'Query':
        return this.query(input);
      case 'PutItem':
        return this.putItem(input);
      case 'UpdateItem':
        return this.updateItem(input);
      case 'DeleteItem':
        return this.deleteItem(input);
      case 'TransactWriteItems':
        return this.transact(input);
      default:
        return undefined;
    }
  }

  private query(input: any) {
    const pk = input.ExpressionAttributeValues[':pk'].S;
    const items = [...this.m.table.values()].filter((i) => i.pk.S === pk).sort((a, b) => a.sk.S!.localeCompare(b.sk.S!));
    const startAfter = input.ExclusiveStartKey?.sk?.S;
    const out: Item[] = [];
    let bytes = 0;
    let last: Item | undefined;
    for (const item of items) {
      if (startAfter !== undefined && item.sk.S! <= startAfter) continue;
      bytes += JSON.stringify(item).length;
      if (bytes > QUERY_PAGE_BYTES) break;
      out.push(item);
      last = item;
    }
    const more = last !== undefined && items[items.length - 1] !== last;
    return { Items: out, LastEvaluatedKey: more ? { pk: last!.pk, sk: last!.sk } : undefined };
  }

  private key(k: Item): string {
    return `${k.pk.S}|${k.sk.S}`;
  }

  /** Each write takes one unit from its partition key's bucket; a hot key is throttled as DynamoDB throttles it. */
  private writeTo(pk: string): void {
    let bucket = this.partitionBuckets.get(pk);
    if (!bucket) this.partitionBuckets.set(pk, (bucket = new TokenBucket(PARTITION_WRITES_PER_SECOND, PARTITION_WRITES_PER_SECOND, () => this.m.now())));
    if (!bucket.take()) {
      this.m.calls.throttled++;
      throw awsError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.');
    }
  }

  /**
   * A single-item write: takes a unit from its partition, then checks its ConditionExpression against the
   * item stored under its key, answering ConditionalCheckFailedException (with the old item when the write
   * asks for ALL_OLD and `oldOnFailure` allows it). Returns the key and the stored item.
   */
  private conditionalWrite(input: any, keyed: Item, oldOnFailure: boolean): { key: string; existing: Item | undefined } {
    this.writeTo(keyed.pk.S!);
    const key = this.key(keyed);
    const existing = this.m.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed', 400, oldOnFailure && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {});
    }
    return { key, existing };
  }

  private putItem(input: any) {
    const { key } = this.conditionalWrite(input, input.Item, true);
    this.m.table.set(key, { ...input.Item });
    return {};
  }

  private updateItem(input: any) {
    const { key, existing } = this.conditionalWrite(input, input.Key, true);
    this.m.table.set(key, applyUpdate(input.UpdateExpression, { ...(existing ?? input.Key) }, input.ExpressionAttributeValues));
    return {};
  }

  /** DeleteItem's refusal carries no item here, whatever ReturnValuesOnConditionCheckFailure asks (as the model always answered). */
  private deleteItem(input: any) {
    const { key } = this.conditionalWrite(input, input.Key, false);
    this.m.table.delete(key);
    return {};
  }

  /** All or nothing, at most 100 actions, each item at most once (DynamoDB API reference, TransactWriteItems). */
  private transact(input: any) {
    const items: any[] = input.TransactItems;
    if (items.length > 100) throw awsError('ValidationException', 'Member must have length less than or equal to 100');
    const ops = items.map((t) => t.Delete ?? t.Put ?? t.Update ?? t.ConditionCheck);
    const keys = ops.map((op) => this.key(op.Key ?? op.Item));
    if (new Set(keys).size !== keys.length) throw awsError('ValidationException', 'Transaction request cannot include multiple operations on one item');
    for (const op of ops) this.writeTo((op.Key ?? op.Item).pk.S);
    const reasons = ops.map((op, k) => {
      const existing = this.m.table.get(keys[k]);
      return op.ConditionExpression && !evaluateCondition(op.ConditionExpression, existing, op.ExpressionAttributeValues) ? 'ConditionalCheckFailed' : 'None';
    });
    if (reasons.some((r) => r !== 'None')) {
      throw awsError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`, 400, {
        CancellationReasons: reasons.map((Code, k) => (Code === 'ConditionalCheckFailed' && ops[k].ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Code, Item: this.m.table.get(keys[k]) } : { Code })),
      });
    }
    items.forEach((t, k) => {
      if (t.Delete) this.m.table.delete(keys[k]);
      if (t.Put) this.m.table.set(keys[k], { ...t.Put.Item });
      if (t.Update) this.m.table.set(keys[k], applyUpdate(t.Update.UpdateExpression, { ...(this.m.table.get(keys[k]) ?? t.Update.Key) }, t.Update.ExpressionAttributeValues));
    });
    return {};
  }
}
