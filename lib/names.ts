/**
 * Names the stacks, the controller and the agent agree on. Changing one after a deploy orphans
 * resources or hooks, so they live here once.
 */

/** Our termination lifecycle hook on every managed group (defined with the names the runtimes read). */
export { DRAIN_HOOK_NAME } from '../core/contract/names';

/** CloudWatch namespace for the agent's and the controller's metrics. */
export const METRICS_NAMESPACE = 'GracefulAutoscaler';

/**
 * The namespace an environment's workers publish RunningTasks to, and the only one their role may write:
 * one environment's workers cannot publish the metric that drives another environment's drains
 * (PutMetricData is scoped by the cloudwatch:namespace condition alone).
 */
export function agentNamespace(environment: string): string {
  return `${METRICS_NAMESPACE}/${environment}`;
}

/**
 * The namespace of an environment's scaling signals and the ratio its second target tracking policy
 * follows. Apart from the agent's: the workers' role may write only `agentNamespace`, so no worker can
 * publish a ratio that scales its fleet.
 */
export function signalsNamespace(environment: string): string {
  return `${METRICS_NAMESPACE}/${environment}/signals`;
}

/** Tag on every resource naming the environment that owns it. */
export const TAG_ENVIRONMENT = 'graceful-autoscaler:environment';

/** Tag on each group and its instances naming the fleet. */
export const TAG_FLEET = 'graceful-autoscaler:fleet';

/** Stack name of an environment; stable, since renaming a stack replaces everything in it. */
export function stackNameFor(environment: string): string {
  return `GracefulAutoscaler-${environment}`;
}

/**
 * Prefix of the EventBridge rules and CloudWatch alarms an environment owns: `ga.<env>.`. The dots keep
 * environments apart (environment names have no dots, so `ga.prod.*` never matches `ga.prod-eu.*`), and
 * the environment's key, topic and queue admit only sources under this prefix (aws:SourceArn).
 * Rule names are at most 64 characters (EventBridge API reference, PutRule): 3 + 24 + 30 fits.
 */
export function sourcePrefix(environment: string): string {
  return `ga.${environment}.`;
}
