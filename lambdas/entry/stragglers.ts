import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RETRY_SETTINGS } from '../aws/clients';
import { DynamoDrainStore } from '../aws/dynamo-drain-store';
import { DynamoReadingsStore } from '../aws/dynamo-readings-store';
import { pressureOf } from '../../core/worker-readings';
import { AutoScalingStragglerGroups, CloudWatchPressure, publishStragglerMetrics } from '../aws/stragglers';
import { parseStragglerSettings } from '../../core/contract/straggler-settings';
import { makeStragglerHandler } from '../stragglers/handler';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { controllerLog, readEnvironment } from './runtime';

const env = readEnvironment(FUNCTION_ENV.stragglers.required);
const settings = parseStragglerSettings(env.STRAGGLER_SETTINGS);
const cloudwatch = new CloudWatchClient(RETRY_SETTINGS);
const groups = new AutoScalingStragglerGroups(new AutoScalingClient(RETRY_SETTINGS));
const dynamo = new DynamoDBClient(RETRY_SETTINGS);
const store = new DynamoDrainStore(dynamo, env.DRAIN_TABLE_NAME);
const readings = new DynamoReadingsStore(dynamo, env.DRAIN_TABLE_NAME);
const metrics = new CloudWatchPressure(cloudwatch, settings.pressureNamespace, settings.instanceArnPrefix);
// Fleets whose agents send readings through their queue are read from the drain table; the rest (adopted
// groups) from each instance's own CloudWatch namespace.
const inStore = new Set(settings.fleets.filter((f) => f.readingsInStore).map((f) => f.groupName));

export const handler = makeStragglerHandler({
  fleets: settings.fleets,
  groups,
  pressure: {
    read: async (groupName, ids, endMs, minutes) =>
      // A message holds readings up to a minute older than its send: read from a minute before the window.
      inStore.has(groupName) ? pressureOf(await readings.read(groupName, endMs - (minutes + 1) * 60_000), groupName, ids, endMs, minutes) : metrics.read(groupName, ids, endMs, minutes),
  },
  health: groups,
  store,
  publish: (datapoints) => publishStragglerMetrics(cloudwatch, settings.namespace, datapoints, new Date()),
  log: controllerLog,
  now: Date.now,
  // A warm container keeps the peer models it fitted: each minute then fits only the newest one.
  memo: true,
});
