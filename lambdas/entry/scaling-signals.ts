import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RETRY_SETTINGS } from '../aws/clients';
import { AutoScalingGroupStates, CloudWatchSignalHistory, coordinatorQueries, publishSignals } from '../aws/scaling-signals';
import { makeScalingSignalsHandler } from '../signals/handler';
import { parseSignalsSettings } from '../../core/contract/lambda-settings';
import { controllerLog, readEnvironment, withMetrics } from './runtime';

const env = readEnvironment(['SIGNALS_SETTINGS'] as const);
const settings = parseSignalsSettings(env.SIGNALS_SETTINGS);
const cloudwatch = new CloudWatchClient(RETRY_SETTINGS);

export const handler = withMetrics(
  makeScalingSignalsHandler({
    fleets: settings.fleets,
    coordinator: { queries: coordinatorQueries(settings.user, settings.timeoutMs) },
    groups: new AutoScalingGroupStates(new AutoScalingClient(RETRY_SETTINGS)),
    history: new CloudWatchSignalHistory(cloudwatch, settings.namespace),
    publish: (datapoints) => publishSignals(cloudwatch, settings.namespace, datapoints, new Date()),
    log: controllerLog,
    now: Date.now,
  }),
);
