/**
 * Every runbook function runs this bundle; RUNBOOK_NAME picks the runbook, and the function's own IAM
 * role allows only what that runbook does.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AutoScalingAdmin } from '../aws/auto-scaling-admin';
import { AutoScalingFleet } from '../aws/auto-scaling-fleet';
import { RETRY_SETTINGS } from '../aws/clients';
import { CodeDeployDeployments } from '../aws/codedeploy-deployments';
import { DynamoDrainStore } from '../aws/dynamo-drain-store';
import { parseTerminationPolicySettings } from '../../core/contract/lambda-settings';
import { parseRunbookSettings } from '../runbooks/common';
import { RUNBOOKS, RunbookDeps, RunbookName, makeDeploymentGuard } from '../runbooks/runbooks';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { buildTaskCounts, controllerLog, ec2Details, readEnvironment, withMetrics } from './runtime';

const env = readEnvironment(FUNCTION_ENV.runbook.required);
const name = env.RUNBOOK_NAME;
if (name !== 'deployment-guard' && !(name in RUNBOOKS)) throw new Error(`RUNBOOK_NAME (${name}) is not a runbook: ${Object.keys(RUNBOOKS).join(', ')}, deployment-guard`);
const settings = parseRunbookSettings(env.RUNBOOK_SETTINGS, parseTerminationPolicySettings);
const autoscaling = new AutoScalingClient(RETRY_SETTINGS);

let ssmClient: import('@aws-sdk/client-ssm').SSMClient | undefined;
/** One SSM client per container, loaded on first use: a direct invocation never pays for it. */
function ssm() {
  if (!ssmClient) {
    const { SSMClient } = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    ssmClient = new SSMClient(RETRY_SETTINGS);
  }
  return ssmClient;
}

const deps: RunbookDeps = {
  settings,
  admin: new AutoScalingAdmin(autoscaling),
  fleet: new AutoScalingFleet(autoscaling),
  store: new DynamoDrainStore(new DynamoDBClient(RETRY_SETTINGS), env.DRAIN_TABLE_NAME),
  taskCounts: buildTaskCounts(settings, ec2Details),
  deployments: new CodeDeployDeployments(new CodeDeployClient(RETRY_SETTINGS)),
  log: controllerLog,
  now: Date.now,
  whoStarted: async (executionId) => {
    const { GetAutomationExecutionCommand } = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    const out = await ssm().send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }));
    return out.AutomationExecution?.ExecutedBy;
  },
};

export const handler = withMetrics<[unknown], unknown>(name === 'deployment-guard' ? (makeDeploymentGuard(deps) as (e: unknown) => Promise<unknown>) : RUNBOOKS[name as RunbookName](deps));
