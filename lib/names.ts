/**
 * Names the stacks, the controller and the agent agree on. Changing one after a deploy orphans
 * resources or hooks, so they live here once.
 */

/** Our termination lifecycle hook on every managed group; the controller acts on this hook only. */
export const DRAIN_HOOK_NAME = 'graceful-autoscaler-drain';

/** CloudWatch namespace for the agent's and the controller's metrics. */
export const METRICS_NAMESPACE = 'GracefulAutoscaler';

/** Tag on every resource naming the environment that owns it. */
export const TAG_ENVIRONMENT = 'graceful-autoscaler:environment';

/** Tag on each group and its instances naming the fleet. */
export const TAG_FLEET = 'graceful-autoscaler:fleet';

/** Stack name of an environment; stable, since renaming a stack replaces everything in it. */
export function stackNameFor(environment: string): string {
  return `GracefulAutoscaler-${environment}`;
}
