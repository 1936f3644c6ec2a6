/** What an environment file says (config/environments.ts): the operator's input, before validation. */
import { DurationText } from '../../core/util/duration';

export type NamedDeploymentConfig = 'OneAtATime' | 'HalfAtATime' | 'AllAtOnce';

/** How a fleet's CodeDeploy deployments roll: a predefined configuration or a minimum healthy share. */
export type DeploymentConfigInput = NamedDeploymentConfig | { readonly minimumHealthyHostsPercent: number };

/** Network for an environment: a VPC the stack creates, or an existing one named by explicit ids. */
export type NetworkInput =
  | {
      readonly kind: 'create';
      /** @default '10.40.0.0/16' (DEFAULT_VPC_CIDR) */
      readonly cidr?: string;
      /** @default 3 (DEFAULT_MAX_AZS) */
      readonly maxAzs?: number;
      /** @default 1 (DEFAULT_NAT_GATEWAYS) */
      readonly natGateways?: number;
    }
  | {
      readonly kind: 'existing';
      readonly vpcId: string;
      /** Private subnets with egress (NAT or endpoints) the workers run in, with their AZs so synth needs no lookup. */
      readonly privateSubnets: ReadonlyArray<{ readonly subnetId: string; readonly availabilityZone: string }>;
    };

/** Where alarm and fleet-failure notifications go. */

export interface NotificationsInput {
  /** Email addresses subscribed to the environment's encrypted alarm topic. @default none */
  readonly emails?: readonly string[];
  /** An existing SNS topic to publish to instead of creating one. @default a topic is created */
  readonly topicArn?: string;
}

/** Spot settings for a fleet; on-demand only when absent. */
export interface SpotInput {
  /** On-demand instances before any Spot is used. @default 0 */
  readonly onDemandBaseCapacity?: number;
  /** Percent of capacity above the base that stays on-demand. @default 0 */
  readonly onDemandPercentageAboveBase?: number;
}

/** What every fleet says, launched by us or adopted. */
export interface FleetCommonInput {
  /** Short name, lower-case: `etl`, `adhoc`. Used in construct ids and tags; never change it once deployed. */
  readonly name: string;
  /** @default 40 (WorkerFleet's DEFAULT_TARGET_CPU_PERCENT) */
  readonly targetCpuPercent?: number;
  /** @default '10m' (WorkerFleet's DEFAULT_DRAIN_TIMEOUT) */
  readonly drainTimeout?: DurationText;
  /** @default 'OneAtATime' (DEFAULT_DEPLOYMENT_CONFIG) */
  readonly deploymentConfig?: DeploymentConfigInput;
  /**
   * The workers' graceful-shutdown grace period: Trino's `shutdown.grace-period` as set in the workers'
   * config.properties (the same value, or longer). After a stop the coordinator may still schedule to a
   * worker this long; no zero reading inside it counts. `0s` for workers whose stop is immediate.
   * @default '2m' (Trino's default)
   */
  readonly shutdownGracePeriod?: DurationText;
  /**
   * The fleet's Trino coordinator (`http(s)://host:port`), which the agent asks for its own view of the
   * node (`system.runtime.nodes`) so a drained worker is reported within seconds instead of after the
   * grace period. @default none: the agent waits the grace period after the stop
   */
  readonly coordinatorUrl?: string;
  /**
   * Scaling on the coordinator's queue as well as CPU (docs/scaling.md). @default on whenever `coordinatorUrl`
   * is set (`signals: false` turns it off); without a coordinator, CPU target tracking alone
   */
  readonly scaling?: ScalingInput;
  /** Finding bottlenecked workers and replacing them through the drain (docs/stragglers.md). @default off */
  readonly stragglers?: StragglersInput;
}

/** Straggler detection for one fleet (Lube): opt-in. */
export interface StragglersInput {
  /**
   * The agent publishes each worker's resource pressure; a function judges the fleet every minute,
   * publishes what it finds (metrics, logs, the dashboard) and the termination policy takes stragglers
   * first among equally busy instances. @default false
   */
  readonly detect?: boolean;
  /**
   * Also mark a persistent straggler unhealthy, so Auto Scaling replaces it through our hook (it drains
   * first), one at a time per fleet. Needs `detect`. @default false
   */
  readonly replace?: boolean;
  /**
   * How long a replaced straggler may drain (it takes no new work once stopped; its queries finish at its
   * slow pace instead of being killed at drainTimeout). At least drainTimeout. @default '4h'
   */
  readonly replaceDrainTimeout?: DurationText;
  /** How long a worker must stay bottlenecked to be a straggler (and be replaced). @default '50m' */
  readonly replaceAfter?: DurationText;
  /** Excess over its peers, in percentage points, that the bottlenecked state expects. @default 20 */
  readonly bottleneckExcessPercent?: number;
  /** The sliding window the model is filtered over; longer than replaceAfter. @default '1h' */
  readonly window?: DurationText;
}

/** A fleet whose group, launch template and instances this stack creates. */
export interface NewFleetInput extends FleetCommonInput {
  /** Left out for a fleet this stack launches; setting it makes the fleet an ExistingFleetInput. @default absent */
  readonly existing?: undefined;
  /** Instance types, in order of preference; more than one gives a mixed-instances group. */
  readonly instanceTypes: readonly string[];
  /** The group's minimum size. */
  readonly minCapacity: number;
  /** The group's maximum size, at least minCapacity. */
  readonly maxCapacity: number;
  /** @default unset: Auto Scaling keeps the current size across deploys */
  readonly desiredCapacity?: number;
  /** @default '5m' (WorkerFleet's DEFAULT_INSTANCE_WARMUP) */
  readonly instanceWarmup?: DurationText;
  /** @default 50 (WorkerFleet's DEFAULT_ROOT_VOLUME_SIZE) */
  readonly rootVolumeGiB?: number;
  /** @default on-demand only */
  readonly spot?: SpotInput;
  /**
   * EC2 Auto Scaling's predictive scaling on average CPU at `targetCpuPercent` (docs/scaling.md,
   * "Predictive scaling"). `forecast-only` draws the forecast beside the group's actual load in the
   * console and changes nothing; `forecast-and-scale` raises capacity to each hour's forecast 5 minutes
   * ahead and never scales in (worth it for a fleet whose days repeat); `off` creates no policy.
   * @default 'forecast-only'
   */
  readonly predictiveScaling?: PredictiveScalingMode;
}

/** What a fleet's predictive scaling policy does, if it has one (`NewFleetInput.predictiveScaling`). */
export type PredictiveScalingMode = 'off' | 'forecast-only' | 'forecast-and-scale';

/**
 * A fleet whose group another stack, Terraform or the console created: this stack adds our hook, CPU
 * target tracking, termination policy and CodeDeploy deployment group to it, and removes exactly those
 * when it is deleted (docs/adopt-existing-fleet.md). Its sizes, launch template and instances stay yours.
 */
export interface ExistingFleetInput extends FleetCommonInput {
  /** The group it adopts. */
  readonly existing: ExistingGroupInput;
}

/** The group an existing fleet adopts. */
export interface ExistingGroupInput {
  /** The Auto Scaling group's name, in the environment's account and region. */
  readonly groupName: string;
  /**
   * The workers' security group (`sg-…`): needed when the controller calls the workers' HTTP API
   * (controller.taskSource or controller.stopWorker "trino"); the stack adds one ingress rule to it.
   * @default none
   */
  readonly securityGroupId?: string;
  /**
   * You installed our agent on the group's instances (docs/adopt-existing-fleet.md): required while the
   * controller relies on it (controller.stopWorker "agent", or the agent's task metric). @default false
   */
  readonly agentInstalled?: boolean;
}

/** One worker fleet (one Auto Scaling group) as an operator writes it: launched by this stack, or adopted. */
export type FleetInput = NewFleetInput | ExistingFleetInput;

/** The scaling signals of one fleet. */
export interface ScalingInput {
  /**
   * Poll the coordinator once a minute and track the needed-capacity ratio beside CPU.
   * @default true when coordinatorUrl is set
   */
  readonly signals?: boolean;
  /** Dataflow's R: how fast a backlog should clear. @default '2m' */
  readonly targetBacklog?: DurationText;
  /** A backlog that clears within this is noise: no scale-out, no block on scale-in. @default '10s' */
  readonly toleratedBacklog?: DurationText;
  /** Minutes of load a scale-in sizes for (their busiest). @default 8 */
  readonly scaleInLookbackMinutes?: number;
  /** Minutes ahead a scale-in sizes for: the lookback's rising trend, carried this far. 0: the peak alone. @default 15 */
  readonly scaleInHorizonMinutes?: number;
  /**
   * The drain's price check: near a drain's deadline, wait longer for the queries its force would kill
   * when they are predicted to end soon enough to be worth it (docs/scaling.md, "The drain's price check").
   * @default true
   */
  readonly priceDrains?: boolean;
  /** What one killed query costs beyond its lost work, as time of one instance. @default '1h' */
  readonly killPrice?: DurationText;
  /** The longest a priced drain may last, from its start; at least drainTimeout. @default '6h' */
  readonly maxDrain?: DurationText;
}

/** A Trino/Presto worker's HTTP API as the controller reaches it from inside the VPC. */
export interface TrinoEndpointInput {
  /** @default 8080 */
  readonly port?: number;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
  /** Sent as X-Trino-User; needs management rights on the workers. @default 'graceful-autoscaler' */
  readonly user?: string;
}

/** How the drain controller counts tasks and stops workers, for every fleet of the environment. */
export interface ControllerInput {
  /**
   * Where running-task counts come from: the agent's per-instance CloudWatch metric, or each worker's
   * `GET /v1/task`. @default { kind: 'metric' } (GracefulAutoscaler/RunningTasks at 10 s)
   */
  readonly taskSource?:
    | {
        readonly kind: 'metric';
        readonly namespace?: string;
        readonly metricName?: string;
        readonly periodSeconds?: number;
        /** Dimension carrying the instance id. @default 'InstanceId' */
        readonly instanceDimension?: string;
        /** Dimension carrying the group name; null when the metric has none. @default 'AutoScalingGroupName' */
        readonly groupDimension?: string | null;
        /** Fixed dimensions every datapoint carries, e.g. { Cluster: 'etl' }. @default none */
        readonly extraDimensions?: Readonly<Record<string, string>>;
        /**
         * The metric (same namespace, dimensions and period) with each instance's oldest running task's age
         * in seconds: among equally busy instances, scale-in takes the one whose tasks are youngest. null
         * reads none. @default 'OldestTaskAgeSeconds' (the agent's) with the agent's metricName, else none
         */
        readonly ageMetricName?: string | null;
      }
    | ({ readonly kind: 'trino' } & TrinoEndpointInput);
  /**
   * How a waiting worker is told to stop taking work: by the on-instance agent (from IMDS), by SSM Run
   * Command with your commands, or by `PUT /v1/info/state "SHUTTING_DOWN"`. @default { kind: 'agent' }
   */
  readonly stopWorker?:
    | { readonly kind: 'agent' }
    | { readonly kind: 'ssm'; readonly commands: readonly string[] }
    | ({ readonly kind: 'trino' } & TrinoEndpointInput);
  /** Consecutive fresh zero readings, after the stop, that make a worker idle. @default 3 */
  readonly idleReadings?: number;
}

/** The worker agent installed on every instance (docs/agent.md). */
export interface AgentInput {
  /** Install the agent. Without it, the controller needs another source of task counts and stops. @default true */
  readonly install?: boolean;
  /** How the agent counts running tasks. @default { kind: 'trino', url: 'http://127.0.0.1:8080' } */
  readonly tasks?: AgentWorkerInput;
  /**
   * How the agent starts the worker's graceful shutdown when the instance is marked for termination.
   * @default the same as `tasks` when that is Trino (PUT /v1/info/state "SHUTTING_DOWN"), else required
   */
  readonly shutdown?: AgentWorkerInput | { readonly kind: 'none' };
  /** Seconds between task counts. @default 10 */
  readonly intervalSeconds?: number;
  /**
   * Run the agent as root instead of its own unprivileged, sandboxed user: only for `command` task or
   * shutdown sources that need root (e.g. `systemctl`). @default false
   */
  readonly runAsRoot?: boolean;
  /**
   * The worker's systemd unit (e.g. `trino.service`). When set, every instance gets a drop-in that makes
   * it require the agent's start gate, so the worker never starts on an instance going into a warm pool
   * (docs/agent.md, "The start gate"). @default none: the gate is installed, and nothing requires it
   */
  readonly workerUnit?: string;
}

/** A worker as the agent reaches it on its own instance. */
export type AgentWorkerInput =
  | { readonly kind: 'trino'; readonly url?: string; readonly user?: string; readonly sharedSecretFile?: string }
  | { readonly kind: 'command'; readonly command: string };

/** One environment as an operator writes it in config/. */

export interface EnvironmentInput {
  /** 12-digit account id. @default env-agnostic: the CLI's credentials decide at deploy time */
  readonly account?: string;
  /** Region code such as `eu-west-1`. @default env-agnostic */
  readonly region?: string;
  /** The VPC: one the stack creates, or an existing one by its ids. */
  readonly network: NetworkInput;
  /** @default a topic with no subscriptions */
  readonly notifications?: NotificationsInput;
  /** The environment's fleets: each one this stack launches (NewFleetInput) or adopts (ExistingFleetInput). */
  readonly fleets: readonly FleetInput[];
  /** @default metric task counts, agent stops the worker, 3 idle readings */
  readonly controller?: ControllerInput;
  /** @default installed; counts and stops a Trino worker on 127.0.0.1:8080 */
  readonly agent?: AgentInput;
}
