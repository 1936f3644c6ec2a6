import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDrainStore } from '../aws/dynamo-drain-store';
import { DynamoRuntimeHistory } from '../aws/dynamo-runtimes';
import { signatureOf } from '../../workload/signature';
import { RETRY_SETTINGS } from '../aws/clients';
import { AutoScalingGroupStates, CloudWatchSignalHistory, coordinatorQueries, publishSignals } from '../aws/scaling-signals';
import { makeScalingSignalsHandler } from '../signals/handler';
import { parseSignalsSettings } from '../../core/contract/signals-settings';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { controllerLog, optionalEnvironment, readEnvironment, withMetrics } from './runtime';

const env = readEnvironment(FUNCTION_ENV['scaling-signals'].required);
const settings = parseSignalsSettings(env.SIGNALS_SETTINGS);
const cloudwatch = new CloudWatchClient(RETRY_SETTINGS);
// The drain table, when some fleet prices its drains (the stack then sets it).
const table = optionalEnvironment(FUNCTION_ENV['scaling-signals'].optional).DRAIN_TABLE_NAME;
const dynamo = table ? new DynamoDBClient(RETRY_SETTINGS) : undefined;

export const handler = withMetrics(
  makeScalingSignalsHandler({
    fleets: settings.fleets,
    coordinator: { queries: coordinatorQueries(settings.user, settings.timeoutMs) },
    groups: new AutoScalingGroupStates(new AutoScalingClient(RETRY_SETTINGS)),
    history: new CloudWatchSignalHistory(cloudwatch, settings.namespace),
    publish: (datapoints) => publishSignals(cloudwatch, settings.namespace, datapoints, new Date()),
    log: controllerLog,
    now: Date.now,
    ...(table && dynamo
      ? {
          drainPricing: {
            drains: new DynamoDrainStore(dynamo, table),
            runtimes: new DynamoRuntimeHistory(dynamo, table),
            // Trino's dialect: the statements come from a Trino coordinator.
            signatureOf: (sql: string) => signatureOf(sql, 'trino').id,
          },
        }
      : {}),
  }),
);
