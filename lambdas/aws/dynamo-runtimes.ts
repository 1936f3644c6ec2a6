/**
 * The fleets' run-time histories (core/remaining-time.ts), one item per fleet in the environment's drain
 * table: `pk` RUNTIMES, `sk` the fleet, the history as JSON. The signals function is the only writer, once
 * a minute at most, so a plain PutItem (last writer wins) is enough; the item stays well under DynamoDB's
 * 400 KB item limit (the history is bounded: MAX_FLEET_DURATIONS and friends).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { RuntimeHistoryStore, StoredRuntimes } from '../../core/ports';
import { RUNTIMES_PARTITION } from '../../core/contract/names';

/** The partition of the histories: a handful of items, one per fleet with the drain price check. */
export const RUNTIMES_KEY = RUNTIMES_PARTITION;
/** A stored item larger than this is not a history we wrote: it is dropped, not parsed. */
const MAX_ITEM_CHARS = 350_000;

export class DynamoRuntimeHistory implements RuntimeHistoryStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async load(fleet: string): Promise<StoredRuntimes | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: RUNTIMES_KEY }, sk: { S: fleet } }, ConsistentRead: true }));
    const data = Item?.data?.S;
    const readUntilMs = Number(Item?.readUntilMs?.N);
    if (data === undefined || data.length > MAX_ITEM_CHARS || !Number.isFinite(readUntilMs)) return undefined;
    try {
      return { history: JSON.parse(data) as unknown, readUntilMs };
    } catch {
      return undefined;
    }
  }

  async save(fleet: string, value: StoredRuntimes): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: { S: RUNTIMES_KEY }, sk: { S: fleet }, data: { S: JSON.stringify(value.history) }, readUntilMs: { N: String(value.readUntilMs) } },
      }),
    );
  }
}
