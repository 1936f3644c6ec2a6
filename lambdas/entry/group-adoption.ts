import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { RETRY_SETTINGS } from '../aws/clients';
import { AutoScalingGroupSettings, respondToCloudFormation } from '../aws/group-settings';
import { makeGroupAdoptionHandler, parseAdoptionSettings } from '../adoption/handler';
import { FUNCTION_ENV } from '../../core/contract/function-env';
import { controllerLog, readEnvironment } from './runtime';

const env = readEnvironment(FUNCTION_ENV['group-adoption'].required);

export const handler = makeGroupAdoptionHandler({
  groups: new AutoScalingGroupSettings(new AutoScalingClient(RETRY_SETTINGS)),
  respond: respondToCloudFormation,
  log: controllerLog,
  hookName: env.DRAIN_HOOK_NAME,
  settings: parseAdoptionSettings(env.STACK_ID, env.TERMINATION_POLICY_ARN, env.ADOPTED_GROUPS),
});
