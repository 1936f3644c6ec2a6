/** Dependencies of the event and sweep functions, built once per container. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AutoScalingFleet } from '../aws/auto-scaling-fleet';
import { RETRY_SETTINGS } from '../aws/clients';
import { DynamoDrainStore } from '../aws/dynamo-drain-store';
import { AgentWorkerControl, SsmWorkerControl } from '../aws/ssm-worker-control';
import { TrinoWorkerControl } from '../aws/trino-worker';
import { ControllerDeps } from '../drain/reconcile';
import { CONTROLLER_FUNCTION_ENV } from '../../core/contract/function-env';
import { parseControllerSettings } from '../../core/contract/lambda-settings';
import { WorkerControl } from '../../core/ports';
import { buildTaskCounts, controllerLog, controllerMetrics, ec2Details, readEnvironment } from './runtime';

export const env = readEnvironment(CONTROLLER_FUNCTION_ENV.required);
const settings = parseControllerSettings(env.CONTROLLER_SETTINGS);

function buildWorkerControl(): WorkerControl {
  const control = settings.workerControl;
  if (control.kind === 'agent') return new AgentWorkerControl();
  if (control.kind === 'ssm') {
    // Required where used (see runtime.ec2Details): the SSM client loads only when SSM stops the workers.
    const { SSMClient } = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    return new SsmWorkerControl(new SSMClient(RETRY_SETTINGS), control.commands);
  }
  return new TrinoWorkerControl(ec2Details(), control, controllerLog);
}

export const controllerDeps: ControllerDeps = {
  fleet: new AutoScalingFleet(new AutoScalingClient(RETRY_SETTINGS)),
  taskCounts: buildTaskCounts(settings, ec2Details),
  workerControl: buildWorkerControl(),
  store: new DynamoDrainStore(new DynamoDBClient(RETRY_SETTINGS), env.DRAIN_TABLE_NAME),
  metrics: controllerMetrics,
  log: controllerLog,
  settings,
  now: Date.now,
};
