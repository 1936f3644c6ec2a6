import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RETRY_SETTINGS } from '../aws/clients';
import { DynamoReadingsStore } from '../aws/dynamo-readings-store';
import { parseReadingsSettings } from '../../core/contract/readings-settings';
import { makeReadingsHandler } from '../readings/handler';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { controllerLog, readEnvironment } from './runtime';

const env = readEnvironment(FUNCTION_ENV.readings.required);

export const handler = makeReadingsHandler({
  settings: parseReadingsSettings(env.READINGS_SETTINGS),
  store: new DynamoReadingsStore(new DynamoDBClient(RETRY_SETTINGS), env.DRAIN_TABLE_NAME),
  log: controllerLog,
  now: Date.now,
});
