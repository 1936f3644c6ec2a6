/** What resolving an environment gives the stack: validated, defaults applied, durations in seconds. */
import { ScalingPolicySettings } from '../../core/scaling-policy';
import { StragglerSettings } from '../../core/stragglers';
import { AgentFile } from '../../core/contract/agent-file';
import { TaskMetricSettings } from '../../core/contract/lambda-settings';
import { DrainPricingSettings } from '../../core/contract/signals-settings';
import { DeploymentConfigInput, NetworkInput, PredictiveScalingMode, SpotInput, TrinoEndpointInput } from './input';

/** What every fleet has after validation, with defaults applied and durations in seconds. */
export interface FleetCommonConfig {
  readonly name: string;
  readonly targetCpuPercent: number;
  readonly drainTimeoutSeconds: number;
  /** Derived from the drain timeout: see `heartbeatTimeoutForDrain`. */
  readonly heartbeatTimeoutSeconds: number;
  readonly deploymentConfig: DeploymentConfigInput;
  readonly shutdownGraceSeconds: number;
  readonly coordinatorUrl?: string;
  /** Present when the fleet's scaling signals are on (then coordinatorUrl is set). */
  readonly scaling?: Omit<ScalingPolicySettings, 'targetCpuPercent'>;
  /** Present when the drain's price check is on (it needs the scaling signals). */
  readonly drainPricing?: DrainPricingSettings;
  /** Present when straggler detection is on. */
  readonly stragglers?: { readonly replace: boolean; readonly replaceDrainTimeoutSeconds: number; readonly detector: StragglerSettings };
}

/** A fleet this stack launches, after validation. */
export interface NewFleetConfig extends FleetCommonConfig {
  readonly existing?: undefined;
  readonly instanceTypes: readonly string[];
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCapacity?: number;
  readonly instanceWarmupSeconds: number;
  readonly rootVolumeGiB: number;
  readonly spot?: Required<SpotInput>;
  readonly predictiveScaling: PredictiveScalingMode;
}

/** An adopted fleet, after validation. */
export interface ExistingFleetConfig extends FleetCommonConfig {
  readonly existing: { readonly groupName: string; readonly securityGroupId?: string; readonly agentInstalled: boolean };
}

/** A fleet after validation. */
export type FleetConfig = NewFleetConfig | ExistingFleetConfig;

/** An environment after validation. */
export interface EnvironmentConfig {
  readonly name: string;
  readonly account?: string;
  readonly region?: string;
  readonly network:
    | { readonly kind: 'create'; readonly cidr: string; readonly maxAzs: number; readonly natGateways: number }
    | Extract<NetworkInput, { kind: 'existing' }>;
  readonly notifications: { readonly emails: readonly string[]; readonly topicArn?: string };
  readonly fleets: readonly FleetConfig[];
  readonly controller: ControllerConfig;
  /** The agent's configuration file content, or undefined when it is not installed. */
  readonly agent?: AgentFileConfig;
}

/**
 * The environment's part of /etc/graceful-autoscaler/agent.json (core/contract/agent-file.ts; agent/config.ts
 * parses it on the instance), to which lib/worker-agent.ts agentFileConfig adds each fleet's, and how
 * systemd runs the agent.
 */
export interface AgentFileConfig extends Required<Pick<AgentFile, 'intervalSeconds' | 'namespace' | 'runningTasksMetric' | 'oldestTaskAgeMetric' | 'tasks' | 'shutdown'>> {
  /** Not written to the file: how systemd runs the agent (lib/worker-agent.ts). */
  readonly runAsRoot: boolean;
  /**
   * Not written to the file: the worker unit the start gate holds (lib/worker-agent.ts). @default none: the
   * gate is installed, and a worker unit that wants it requires it itself
   */
  readonly workerUnit?: string;
}

export type TrinoEndpointConfig = Required<TrinoEndpointInput>;

/** The controller settings after validation, with defaults applied. */
export interface ControllerConfig {
  readonly taskSource:
    | ({
        readonly kind: 'metric';
        /**
         * The agent's metric (set while the agent is installed): the stack reads each instance's datapoints
         * from that instance's own namespace only (TaskMetricSettings.instanceArnPrefix). Unset: the user's
         * own metric, read from `namespace`, whose provenance is whoever may write it (docs/security.md).
         */
        readonly perInstance?: boolean;
      } & TaskMetricSettings)
    | ({ readonly kind: 'trino' } & TrinoEndpointConfig);
  readonly stopWorker:
    | { readonly kind: 'agent' }
    | { readonly kind: 'ssm'; readonly commands: readonly string[] }
    | ({ readonly kind: 'trino' } & TrinoEndpointConfig);
  readonly idleReadings: number;
}
