/**
 * Names the stack writes and the instances' runtimes read, defined once. Changing one after a deploy
 * orphans what the old name pointed at.
 */

/** Our termination lifecycle hook on every managed group; the controller acts on this hook only. */
export const DRAIN_HOOK_NAME = 'graceful-autoscaler-drain';

/** The agent's systemd unit (lib/worker-agent.ts writes it; the worker's own unit may not be it). */
export const AGENT_SERVICE = 'graceful-autoscaler-agent.service';
/** The worker's start gate's systemd unit (agent/in-service.ts). */
export const GATE_SERVICE = 'graceful-autoscaler-in-service.service';

/**
 * The drain table's partitions (lambdas/aws/dynamo-drain-store.ts, dynamo-runtimes.ts), named here because
 * the stack scopes IAM to them with dynamodb:LeadingKeys: an active drain's partition starts with
 * ACTIVE_DRAIN_PARTITION_PREFIX (then its shard), the fleets' run-time histories are RUNTIMES_PARTITION.
 */
export const ACTIVE_DRAIN_PARTITION_PREFIX = 'ACTIVE#';
export const RUNTIMES_PARTITION = 'RUNTIMES';

/**
 * How long before a forecast hour predictive scaling launches its instances (`SchedulingBufferTime`; the
 * API's default, under the 3,600 s forecast interval): about a launch and the agent's boot steps. The
 * stacks set it and the simulator's model uses it.
 */
export const PREDICTIVE_SCHEDULING_BUFFER_SECONDS = 300;
