import { performance } from 'node:perf_hooks';
import { TERMINATION_POLICY_LIMIT_MS, makeTerminationPolicyHandler } from '../drain/termination-policy';
import { parseTerminationPolicySettings } from '../../core/contract/lambda-settings';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RETRY_SETTINGS } from '../aws/clients';
import { CloudWatchStragglerFindings } from '../aws/stragglers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoReadingsStore } from '../aws/dynamo-readings-store';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { buildTaskCounts, controllerLog, ec2Details, readEnvironment } from './runtime';

const env = readEnvironment(FUNCTION_ENV['termination-policy'].required);
const settings = parseTerminationPolicySettings(env.TERMINATION_POLICY_SETTINGS);
// The table is named only when some fleet's readings are in it; then a missing name fails at load.
const readings = settings.readingsInStore ? new DynamoReadingsStore(new DynamoDBClient(RETRY_SETTINGS), readEnvironment(FUNCTION_ENV['termination-policy'].optional).DRAIN_TABLE_NAME) : undefined;

export const handler = makeTerminationPolicyHandler({
  ...(settings.stragglersNamespace ? { stragglers: new CloudWatchStragglerFindings(new CloudWatchClient(RETRY_SETTINGS), settings.stragglersNamespace) } : {}),
  taskCounts: buildTaskCounts(settings, ec2Details),
  ...(readings ? { readings } : {}),
  instances: ec2Details(),
  policy: settings.policy,
  log: controllerLog,
  now: Date.now,
  // 1.2 s of Auto Scaling's 2 s to read task counts, less whatever a cold start's init took.
  budgetMs: TERMINATION_POLICY_LIMIT_MS * 0.6,
  // On demand, Lambda usually starts the runtime process for the invocation that waits on it, so the time
  // since the process began is the init that invocation waited for (the handler ignores more than 2 s: an
  // environment initialized ahead of its first call). A provisioned environment started earlier.
  initMs: () => (process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand' ? performance.now() : 0),
});
