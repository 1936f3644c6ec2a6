import { TERMINATION_POLICY_LIMIT_MS, makeTerminationPolicyHandler } from '../handlers/termination-policy';
import { parseTerminationPolicySettings } from '../domain/settings';
import { buildTaskCounts, controllerLog, ec2Details, readEnvironment } from './runtime';

const env = readEnvironment(['TERMINATION_POLICY_SETTINGS'] as const);
const settings = parseTerminationPolicySettings(env.TERMINATION_POLICY_SETTINGS);

export const handler = makeTerminationPolicyHandler({
  taskCounts: buildTaskCounts(settings, ec2Details),
  instances: ec2Details(),
  policy: settings.policy,
  log: controllerLog,
  now: Date.now,
  // Leave a quarter of Auto Scaling's 2 s for the round trip and a cold start's init.
  budgetMs: TERMINATION_POLICY_LIMIT_MS * 0.6,
});
