import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RETRY_SETTINGS } from '../aws/clients';
import { DynamoDrainStore } from '../aws/dynamo-drain-store';
import { AutoScalingStragglerGroups, CloudWatchPressure, publishStragglerMetrics } from '../aws/stragglers';
import { parseStragglerSettings } from '../../core/contract/lambda-settings';
import { makeStragglerHandler } from '../stragglers/handler';
import { controllerLog, readEnvironment } from './runtime';

const env = readEnvironment(['STRAGGLER_SETTINGS', 'DRAIN_TABLE_NAME'] as const);
const settings = parseStragglerSettings(env.STRAGGLER_SETTINGS);
const cloudwatch = new CloudWatchClient(RETRY_SETTINGS);
const groups = new AutoScalingStragglerGroups(new AutoScalingClient(RETRY_SETTINGS));
const store = new DynamoDrainStore(new DynamoDBClient(RETRY_SETTINGS), env.DRAIN_TABLE_NAME);

export const handler = makeStragglerHandler({
  fleets: settings.fleets,
  groups,
  pressure: new CloudWatchPressure(cloudwatch, settings.pressureNamespace, settings.instanceArnPrefix),
  health: groups,
  store,
  publish: (datapoints) => publishStragglerMetrics(cloudwatch, settings.namespace, datapoints, new Date()),
  log: controllerLog,
  now: Date.now,
  // A warm container keeps the peer models it fitted: each minute then fits only the newest one.
  memo: true,
});
