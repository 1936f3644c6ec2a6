import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { RETRY_SETTINGS } from '../aws/clients';
import { AutoScalingGroupSettings, respondToCloudFormation } from '../aws/group-settings';
import { makeGroupAdoptionHandler } from '../adoption/handler';
import { controllerLog, readEnvironment } from './runtime';

const env = readEnvironment(['DRAIN_HOOK_NAME'] as const);

export const handler = makeGroupAdoptionHandler({
  groups: new AutoScalingGroupSettings(new AutoScalingClient(RETRY_SETTINGS)),
  respond: respondToCloudFormation,
  log: controllerLog,
  hookName: env.DRAIN_HOOK_NAME,
});
