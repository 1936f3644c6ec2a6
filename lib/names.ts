import { callerInstanceNamespace } from '../core/instance-namespace';

/**
 * Names the stacks, the controller and the agent agree on. Changing one after a deploy orphans
 * resources or hooks, so they live here once.
 */

/** Our termination lifecycle hook on every managed group (defined with the names the runtimes read). */
export { DRAIN_HOOK_NAME } from '../core/contract/names';

/** CloudWatch namespace for the agent's and the controller's metrics. */
export const METRICS_NAMESPACE = 'GracefulAutoscaler';

/**
 * An environment's agent namespace. Each worker publishes its own metrics (RunningTasks, its age, pressure)
 * under it, in `<agentNamespace>/<instance ARN>` (core/instance-namespace.ts), the one
 * per-instance namespace its credentials may write; the namespace itself holds only fleet-level reports
 * (InstallFailures by Fleet) that no decision reads. Workers of one environment cannot write another's.
 */
export function agentNamespace(environment: string): string {
  return `${METRICS_NAMESPACE}/${environment}`;
}

/**
 * The `cloudwatch:namespace` values a worker's role may PutMetricData to: `<agentNamespace>/${ec2:SourceInstanceARN}`,
 * which IAM resolves to the caller's own instance, and the shared agent namespace for the boot steps'
 * InstallFailures. PutMetricData has no resource-level permissions and no condition key on dimensions, so
 * the namespace is the only thing IAM can hold to the caller (docs/security.md).
 */
export function workerMetricNamespaces(agentMetricsNamespace: string): string[] {
  return [callerInstanceNamespace(agentMetricsNamespace), agentMetricsNamespace];
}

/**
 * The namespace of an environment's scaling signals and the ratio its second target tracking policy
 * follows. Apart from the agent's: the workers' role may write only `workerMetricNamespaces`, so no worker
 * can publish a ratio that scales its fleet.
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

/**
 * The stack output key of an adopted fleet's worker policy ARN, `<fleet>WorkerPolicyArn` (dashes dropped,
 * as CloudFormation output keys are alphanumeric), the same shape as FleetStack's `<fleet>GroupName` and
 * `<fleet>AgentConfig`. Operators' scripts look it up by this key.
 */
export function workerPolicyOutputKey(fleetName: string): string {
  return `${fleetName.replace(/[^A-Za-z0-9]/g, '')}WorkerPolicyArn`;
}

/** The EMF `service` dimension of the controller's metrics in an environment (alarms and dashboards use it). */
export function metricsServiceName(environmentName: string): string {
  return `graceful-autoscaler-${environmentName}`;
}
