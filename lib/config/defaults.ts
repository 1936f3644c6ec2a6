/** Every default the config applies, one named constant each, and the limits it checks against. */
import { formatDuration } from '../../core/util/duration';
import { AGENT_TASK_METRIC } from '../../core/contract/lambda-settings';
import { NamedDeploymentConfig, PredictiveScalingMode } from './input';
import { TrinoEndpointConfig } from './resolved';

/**
 * Fleet defaults, in plain numbers so config needs no construct: the WorkerFleet construct's props
 * contract (lib/worker-fleet.ts) builds its Duration and Size defaults from these, and config applies the same ones.
 */
export const FLEET_DEFAULTS = { targetCpuPercent: 40, drainTimeoutMinutes: 10, instanceWarmupMinutes: 5, rootVolumeGiB: 50 } as const;

export const DEFAULT_DRAIN_TIMEOUT = formatDuration(FLEET_DEFAULTS.drainTimeoutMinutes * 60);

export const DEFAULT_INSTANCE_WARMUP = formatDuration(FLEET_DEFAULTS.instanceWarmupMinutes * 60);

export const DEFAULT_ROOT_VOLUME_GIB = FLEET_DEFAULTS.rootVolumeGiB;

export const DEFAULT_TARGET_CPU_PERCENT = FLEET_DEFAULTS.targetCpuPercent;

/** CodeDeploy rolls one instance at a time unless told otherwise. */
export const DEFAULT_DEPLOYMENT_CONFIG: NamedDeploymentConfig = 'OneAtATime';

/** Created VPCs span this many Availability Zones. */
export const DEFAULT_MAX_AZS = 3;

/** One NAT gateway per created VPC unless more are asked for. */
export const DEFAULT_NAT_GATEWAYS = 1;

/** Address range of a created VPC. */
export const DEFAULT_VPC_CIDR = '10.40.0.0/16';

/** `DefaultInstanceWarmup` is 0 to 3600 seconds (Auto Scaling user guide, "Enable the default instance warmup"). */
export const MAX_INSTANCE_WARMUP_SECONDS = 3600;

/** gp3 volumes are 1 GiB to 16 TiB (EC2 user guide, "Amazon EBS volume types"). */
export const MAX_GP3_GIB = 16_384;

/** Largest `MaxSize` we accept; a guard against typos, well under any account quota raised in practice. */
export const MAX_FLEET_SIZE = 2000;

/** Trino's default `shutdown.grace-period`. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD = '2m';

export const DEFAULT_AGENT_WORKER_URL = 'http://127.0.0.1:8080';

/** The agent publishes this metric; the controller reads it unless told otherwise. */
export const DEFAULT_TASK_METRIC = AGENT_TASK_METRIC;

export const DEFAULT_IDLE_READINGS = 3;

export const DEFAULT_TRINO_ENDPOINT: TrinoEndpointConfig = { port: 8080, scheme: 'http', user: 'graceful-autoscaler' };

/** Straggler detection: off unless asked for; it needs the agent, which publishes the pressure it judges. */
/**
 * A replaced straggler's default drain. It takes no new work once stopped and ends as soon as its last
 * query does, so the deadline matters only for queries that long at its slow pace: in the simulator a
 * 10-minute deadline killed 21 queries on replaced stragglers over 3 days, 1 h killed 4, 4 h 2 (no more
 * than the 3 with no degraded worker); diurnal 1.2/s, seed 1, 5% degraded, `--straggler-drain-timeout`.
 */
export const DEFAULT_REPLACE_DRAIN_TIMEOUT = '4h';

/** A fleet's predictive scaling policy (`NewFleetInput.predictiveScaling`). */
export const PREDICTIVE_SCALING_MODES: readonly PredictiveScalingMode[] = ['off', 'forecast-only', 'forecast-and-scale'];
/**
 * Forecast only, where AWS's guide starts: it "generates capacity forecasts but does not actually scale
 * your capacity", which "allows you to evaluate the accuracy and suitability of the forecast" (user guide,
 * "How predictive scaling works"). It costs nothing.
 */
export const DEFAULT_PREDICTIVE_SCALING: PredictiveScalingMode = 'forecast-only';
