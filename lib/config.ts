import { DurationText, formatDuration, parseDurationSeconds } from '../lambdas/domain/duration';
import { DEFAULT_SCALING_POLICY, ScalingPolicySettings } from '../lambdas/domain/scaling-policy';
import { DEFAULT_STRAGGLER_SETTINGS, StragglerSettings } from '../lambdas/domain/stragglers';
import {
  MAX_DRAIN_TIMEOUT_SECONDS,
  MIN_DRAIN_TIMEOUT_SECONDS,
  heartbeatTimeoutForDrain,
} from '../lambdas/domain/lifecycle-limits';
import { architectureOf, isMacInstance } from './instance-architecture';
import { agentNamespace } from './names';
import { AGENT_SERVICE, GATE_SERVICE } from './worker-agent';
import { SUBNET_LAYOUT, largestPrefixFor, layoutFits } from './network-plan';
import { AGENT_TASK_METRIC, SWEEP_PERIOD_SECONDS, TaskMetricSettings } from '../lambdas/domain/settings';
import * as fleetDefaults from './worker-fleet';

// Fleet defaults belong to the WorkerFleet construct (its props contract); config applies the same ones.
const DEFAULT_DRAIN_TIMEOUT = formatDuration(fleetDefaults.DEFAULT_DRAIN_TIMEOUT.toSeconds());
const DEFAULT_INSTANCE_WARMUP = formatDuration(fleetDefaults.DEFAULT_INSTANCE_WARMUP.toSeconds());
const DEFAULT_ROOT_VOLUME_GIB = fleetDefaults.DEFAULT_ROOT_VOLUME_SIZE.toGibibytes();
const DEFAULT_TARGET_CPU_PERCENT = fleetDefaults.DEFAULT_TARGET_CPU_PERCENT;
/** CodeDeploy rolls one instance at a time unless told otherwise. */
export const DEFAULT_DEPLOYMENT_CONFIG: NamedDeploymentConfig = 'OneAtATime';
/** Created VPCs span this many Availability Zones. */
export const DEFAULT_MAX_AZS = 3;
/** One NAT gateway per created VPC unless more are asked for. */
export const DEFAULT_NAT_GATEWAYS = 1;
/** Address range of a created VPC. */
export const DEFAULT_VPC_CIDR = '10.40.0.0/16';

/** `DefaultInstanceWarmup` is 0 to 3600 seconds (Auto Scaling user guide, "Enable the default instance warmup"). */
const MAX_INSTANCE_WARMUP_SECONDS = 3600;
/** gp3 volumes are 1 GiB to 16 TiB (EC2 user guide, "Amazon EBS volume types"). */
const MAX_GP3_GIB = 16_384;
/** Largest `MaxSize` we accept; a guard against typos, well under any account quota raised in practice. */
const MAX_FLEET_SIZE = 2000;

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
  /** Scaling on the coordinator's queue as well as CPU (docs/scaling.md). */
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
  readonly existing?: undefined;
  /** Instance types, in order of preference; more than one gives a mixed-instances group. */
  readonly instanceTypes: readonly string[];
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** @default unset: Auto Scaling keeps the current size across deploys */
  readonly desiredCapacity?: number;
  /** @default '5m' (WorkerFleet's DEFAULT_INSTANCE_WARMUP) */
  readonly instanceWarmup?: DurationText;
  /** @default 50 (WorkerFleet's DEFAULT_ROOT_VOLUME_SIZE) */
  readonly rootVolumeGiB?: number;
  /** @default on-demand only */
  readonly spot?: SpotInput;
}

/**
 * A fleet whose group another stack, Terraform or the console created: this stack adds our hook, CPU
 * target tracking, termination policy and CodeDeploy deployment group to it, and removes exactly those
 * when it is deleted (docs/adopt-existing-fleet.md). Its sizes, launch template and instances stay yours.
 */
export interface ExistingFleetInput extends FleetCommonInput {
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
  readonly network: NetworkInput;
  /** @default a topic with no subscriptions */
  readonly notifications?: NotificationsInput;
  readonly fleets: readonly FleetInput[];
  /** @default metric task counts, agent stops the worker, 3 idle readings */
  readonly controller?: ControllerInput;
  /** @default installed; counts and stops a Trino worker on 127.0.0.1:8080 */
  readonly agent?: AgentInput;
}

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

/** What is written to /etc/graceful-autoscaler/agent.json (agent/config.ts parses it on the instance). */
export interface AgentFileConfig {
  readonly intervalSeconds: number;
  readonly namespace: string;
  readonly runningTasksMetric: string;
  readonly oldestTaskAgeMetric: string;
  readonly tasks: Record<string, unknown>;
  readonly shutdown: Record<string, unknown>;
  /** Not written to the file: how systemd runs the agent (lib/worker-agent.ts). */
  readonly runAsRoot: boolean;
  /** Not written to the file: the worker unit the start gate holds (lib/worker-agent.ts). */
  readonly workerUnit?: string;
}

/** Trino's default `shutdown.grace-period`. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD = '2m';

export const DEFAULT_AGENT_WORKER_URL = 'http://127.0.0.1:8080';

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

/** The agent publishes this metric; the controller reads it unless told otherwise. */
export const DEFAULT_TASK_METRIC = AGENT_TASK_METRIC;
export const DEFAULT_IDLE_READINGS = 3;
export const DEFAULT_TRINO_ENDPOINT: TrinoEndpointConfig = { port: 8080, scheme: 'http', user: 'graceful-autoscaler' };

/** Thrown for configuration that must not reach synth; the message lists every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const PATTERNS = {
  envName: /^[a-z][a-z0-9-]{0,23}$/,
  fleetName: /^[a-z][a-z0-9-]{0,19}$/,
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  vpcId: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/,
  subnetId: /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/,
  availabilityZone: /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
  // family.size, e.g. m7i.2xlarge, r6gd.metal, u-6tb1.112xlarge
  instanceType: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/,
  cidr: /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  topicArn: /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
};

const NAMED_DEPLOYMENT_CONFIGS: readonly NamedDeploymentConfig[] = ['OneAtATime', 'HalfAtATime', 'AllAtOnce'];

/** Collects problems so an operator sees all of them at once, each naming env, field, value and rule. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly env: string) {}

  add(field: string, value: unknown, rule: string): void {
    this.list.push(`env "${this.env}": ${field} (${show(value)}) ${rule}`);
  }

  /** Adds a problem unless `ok`; returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, field: string, value: unknown, rule: string): boolean {
    if (!ok) this.add(field, value, rule);
    return ok;
  }

  integer(field: string, value: unknown, min: number, max: number): value is number {
    return this.check(
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      field,
      value,
      `must be a whole number from ${min} to ${max}`,
    );
  }

  pattern(field: string, value: unknown, pattern: RegExp, rule: string): value is string {
    return this.check(typeof value === 'string' && pattern.test(value), field, value, rule);
  }

  /** Parses a duration within [min, max] seconds, or records why not. */
  duration(field: string, value: unknown, min: number, max: number, why = ''): number | undefined {
    const seconds = typeof value === 'string' ? parseDurationSeconds(value) : undefined;
    if (seconds === undefined) {
      this.add(field, value, 'must be a duration such as "90s", "10m" or "1h30m"');
      return undefined;
    }
    const ok = this.check(
      seconds >= min && seconds <= max,
      field,
      value,
      `must be from ${formatDuration(min)} to ${formatDuration(max)}${why}`,
    );
    return ok ? seconds : undefined;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** Validates one environment and applies defaults; throws ConfigError listing every problem. */
export function resolveEnvironment(name: string, input: EnvironmentInput): EnvironmentConfig {
  const p = new Problems(name);
  p.pattern('name', name, PATTERNS.envName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 24 characters');
  if (input.account !== undefined) p.pattern('account', input.account, PATTERNS.account, 'must be a 12-digit AWS account id');
  if (input.region !== undefined) p.pattern('region', input.region, PATTERNS.region, 'must be an AWS region code such as "eu-west-1"');

  const network = resolveNetwork(p, input.network, input.region);
  const namespace = agentNamespace(name);
  const resolved = resolveController(p, input.controller ?? {}, namespace);
  const agent = resolveAgent(p, input.agent ?? {}, resolved, namespace);
  // With the agent installed the metric is the agent's (resolveAgent insists): each worker publishes it
  // to its own namespace, and only there is it read.
  const controller: ControllerConfig =
    agent !== undefined && resolved.taskSource.kind === 'metric' ? { ...resolved, taskSource: { ...resolved.taskSource, perInstance: true } } : resolved;
  const notifications = resolveNotifications(p, input.notifications ?? {}, input);

  const fleets: FleetConfig[] = [];
  if (p.check(Array.isArray(input.fleets) && input.fleets.length > 0, 'fleets', input.fleets, 'must list at least one fleet')) {
    // CloudFormation logical ids keep letters and digits only (CDK drops the rest), so `a-b` and `ab`
    // would name the same outputs: fleets must differ in their letters and digits.
    const seen = new Map<string, string>();
    input.fleets.forEach((fleet, i) => {
      const resolved = resolveFleet(p, `fleets[${i}]`, fleet, controller, agent !== undefined);
      const key = typeof fleet.name === 'string' ? fleet.name.replace(/[^a-z0-9]/g, '') : '';
      const other = seen.get(key);
      if (other === fleet.name) p.add(`fleets[${i}].name`, fleet.name, 'must be unique within the environment');
      else if (other !== undefined) p.add(`fleets[${i}].name`, fleet.name, `must differ from fleet "${other}" in its letters and digits: CloudFormation ids and outputs drop the dashes, so both would be "${key}"`);
      if (other === undefined) seen.set(key, fleet.name);
      if (resolved) {
        fleets.push(resolved);
        checkDrainFits(p, `fleets[${i}]`, resolved, controller, agent);
      }
    });
  }

  if (p.list.length > 0) throw new ConfigError(p.list);
  return {
    name,
    account: input.account,
    region: input.region,
    network: network!,
    notifications,
    fleets,
    controller,
    agent,
  };
}

/**
 * The metric path must be able to finish inside the drain timeout: the grace period after the stop,
 * then idleReadings readings at the agent's interval. Otherwise every drain whose report is lost is forced.
 */
function checkDrainFits(p: Problems, at: string, fleet: FleetConfig, controller: ControllerConfig, agent: AgentFileConfig | undefined): void {
  // The agent's interval; a metric's period; or, for the controller's own HTTP reads, one sample a sweep.
  const period = agent ? agent.intervalSeconds : controller.taskSource.kind === 'metric' ? controller.taskSource.periodSeconds : SWEEP_PERIOD_SECONDS;
  const needed = fleet.shutdownGraceSeconds + controller.idleReadings * period;
  p.check(
    needed < fleet.drainTimeoutSeconds,
    `${at}.shutdownGracePeriod`,
    formatDuration(fleet.shutdownGraceSeconds),
    `plus controller.idleReadings (${controller.idleReadings}) × the ${period} s reading period must be shorter than drainTimeout (${formatDuration(fleet.drainTimeoutSeconds)}): no idle worker could be completed before its deadline`,
  );
  if (fleet.coordinatorUrl !== undefined && fleet.scaling === undefined) {
    p.check(
      agent !== undefined && controller.stopWorker.kind === 'agent',
      `${at}.coordinatorUrl`,
      fleet.coordinatorUrl,
      'needs the agent installed and controller.stopWorker "agent" (the agent asks the coordinator after it stops the worker), or scaling signals on (they poll its queue)',
    );
  }
}

function resolveAgentWorker(p: Problems, at: string, w: AgentWorkerInput): Record<string, unknown> {
  if (w.kind === 'trino') {
    const url = w.url ?? DEFAULT_AGENT_WORKER_URL;
    p.pattern(`${at}.url`, url, /^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be http(s)://host:port');
    const user = w.user ?? DEFAULT_TRINO_ENDPOINT.user;
    p.pattern(`${at}.user`, user, TRINO_USER, 'must be a user name of 1 to 64 letters, digits and ._@-');
    if (w.sharedSecretFile !== undefined) {
      // Written into the unit's LoadCredential= line: an absolute path with no spaces or line breaks.
      p.pattern(`${at}.sharedSecretFile`, w.sharedSecretFile, /^\/[A-Za-z0-9._/-]{1,254}$/, 'must be an absolute file path of letters, digits and ._/- (the file holding Trino\'s internal-communication shared secret)');
    }
    return { kind: 'trino', url, user, ...(w.sharedSecretFile !== undefined ? { sharedSecretFile: w.sharedSecretFile } : {}) };
  }
  if (w.kind === 'command') {
    p.check(typeof w.command === 'string' && w.command.trim() !== '', `${at}.command`, w.command, 'must be a non-empty shell command');
    return { kind: 'command', command: w.command };
  }
  p.add(`${at}.kind`, (w as { kind?: unknown }).kind, 'must be "trino" or "command"');
  return {};
}

function resolveAgent(p: Problems, input: AgentInput, controller: ControllerConfig, namespace: string): AgentFileConfig | undefined {
  if (input.install === false) {
    p.check(controller.stopWorker.kind !== 'agent', 'agent.install', false, 'must stay true while controller.stopWorker is "agent": nothing else would stop the workers');
    return undefined;
  }
  if (controller.taskSource.kind === 'metric') {
    // The agent publishes RunningTasks by InstanceId and AutoScalingGroupName, each instance in its own
    // namespace under the environment's; a user's own metric needs agent.install false.
    const m = controller.taskSource;
    p.check(
      m.namespace === namespace &&
        m.metricName === DEFAULT_TASK_METRIC.metricName &&
        (m.ageMetricName === undefined || m.ageMetricName === DEFAULT_TASK_METRIC.ageMetricName) &&
        m.instanceDimension === DEFAULT_TASK_METRIC.instanceDimension &&
        m.groupDimension === DEFAULT_TASK_METRIC.groupDimension &&
        Object.keys(m.extraDimensions).length === 0,
      'controller.taskSource',
      m,
      `must be the agent's metric (RunningTasks in ${namespace}/<instance ARN>, with its age OldestTaskAgeSeconds or none, by InstanceId and AutoScalingGroupName) while the agent is installed; set agent.install to false to read your own metric`,
    );
  }
  const intervalSeconds = input.intervalSeconds ?? 10;
  p.integer('agent.intervalSeconds', intervalSeconds, 1, 300);
  const tasksInput = input.tasks ?? { kind: 'trino' };
  const tasks = resolveAgentWorker(p, 'agent.tasks', tasksInput);
  let shutdown: Record<string, unknown>;
  if (input.shutdown === undefined) {
    shutdown = tasksInput.kind === 'trino' ? tasks : { kind: 'none' };
  } else if (input.shutdown.kind === 'none') {
    shutdown = { kind: 'none' };
  } else {
    shutdown = resolveAgentWorker(p, 'agent.shutdown', input.shutdown);
  }
  p.check(
    !(controller.stopWorker.kind === 'agent' && shutdown.kind === 'none'),
    'agent.shutdown',
    input.shutdown ?? shutdown,
    'must start the worker\'s graceful shutdown while controller.stopWorker is "agent": nothing else would',
  );
  const runAsRoot = input.runAsRoot ?? false;
  p.check(typeof runAsRoot === 'boolean', 'agent.runAsRoot', runAsRoot, 'must be true or false');
  const workerUnit = input.workerUnit;
  if (workerUnit !== undefined) {
    // systemd.unit(5) allows ASCII letters, digits, ":", "-", "_", ".", "@" (templates) and the backslash, at
    // most 255 characters. The backslash only comes from escaped paths, which no worker unit needs, and the
    // name becomes a directory in a shell step, so it is left out.
    p.pattern('agent.workerUnit', workerUnit, /^[A-Za-z0-9:_.@-]{1,247}\.service$/, 'must be a systemd service unit name, such as trino.service');
    p.check(
      workerUnit !== AGENT_SERVICE && workerUnit !== GATE_SERVICE,
      'agent.workerUnit',
      workerUnit,
      `must be the worker's own unit, not ${AGENT_SERVICE} or ${GATE_SERVICE}`,
    );
  }
  return {
    intervalSeconds,
    namespace,
    runningTasksMetric: DEFAULT_TASK_METRIC.metricName,
    oldestTaskAgeMetric: DEFAULT_TASK_METRIC.ageMetricName!,
    tasks,
    shutdown,
    runAsRoot,
    ...(workerUnit !== undefined ? { workerUnit } : {}),
  };
}

/** What we send as X-Trino-User. */
const TRINO_USER = /^[A-Za-z0-9._@-]{1,64}$/;

function resolveTrino(p: Problems, at: string, input: TrinoEndpointInput): TrinoEndpointConfig {
  const endpoint = { ...DEFAULT_TRINO_ENDPOINT, ...input };
  p.integer(`${at}.port`, endpoint.port, 1, 65535);
  p.check(endpoint.scheme === 'http' || endpoint.scheme === 'https', `${at}.scheme`, endpoint.scheme, 'must be "http" or "https"');
  p.pattern(`${at}.user`, endpoint.user, TRINO_USER, 'must be a user name of 1 to 64 letters, digits and ._@-');
  return endpoint;
}

function resolveController(p: Problems, input: ControllerInput, agentMetricNamespace: string): ControllerConfig {
  const idleReadings = input.idleReadings ?? DEFAULT_IDLE_READINGS;
  p.integer('controller.idleReadings', idleReadings, 1, 60);

  let taskSource: ControllerConfig['taskSource'];
  const ts = input.taskSource ?? { kind: 'metric' };
  if (ts.kind === 'metric') {
    let metric: { kind: 'metric' } & TaskMetricSettings = {
      kind: 'metric',
      namespace: ts.namespace ?? agentMetricNamespace,
      metricName: ts.metricName ?? DEFAULT_TASK_METRIC.metricName,
      periodSeconds: ts.periodSeconds ?? DEFAULT_TASK_METRIC.periodSeconds,
      instanceDimension: ts.instanceDimension ?? DEFAULT_TASK_METRIC.instanceDimension,
      groupDimension: ts.groupDimension === null ? undefined : (ts.groupDimension ?? DEFAULT_TASK_METRIC.groupDimension),
      extraDimensions: ts.extraDimensions ?? DEFAULT_TASK_METRIC.extraDimensions,
    };
    // The agent publishes the age beside its count; another metric's age has to be named.
    const ageMetricName = ts.ageMetricName === null ? undefined : (ts.ageMetricName ?? (metric.metricName === DEFAULT_TASK_METRIC.metricName ? DEFAULT_TASK_METRIC.ageMetricName : undefined));
    if (ageMetricName !== undefined) {
      metric = { ...metric, ageMetricName };
      p.pattern('controller.taskSource.ageMetricName', ageMetricName, /^.{1,255}$/, 'must be 1 to 255 characters, or null');
      p.check(ageMetricName !== metric.metricName, 'controller.taskSource.ageMetricName', ageMetricName, 'must differ from metricName: a count read as an age would rank busy workers as young');
    }
    taskSource = metric;
    p.pattern('controller.taskSource.namespace', metric.namespace, /^[^:][^:]{0,254}$/, 'must be a CloudWatch namespace (1-255 characters, not starting with ":")');
    p.pattern('controller.taskSource.metricName', metric.metricName, /^.{1,255}$/, 'must be 1 to 255 characters');
    // CloudWatch periods below a minute exist only for high-resolution metrics: 1, 5, 10 or 30 s.
    p.check([1, 5, 10, 30].includes(metric.periodSeconds) || (metric.periodSeconds >= 60 && metric.periodSeconds % 60 === 0 && metric.periodSeconds <= 3600), 'controller.taskSource.periodSeconds', metric.periodSeconds, 'must be 1, 5, 10, 30 or a multiple of 60 up to 3600');
    p.pattern('controller.taskSource.instanceDimension', metric.instanceDimension, /^.{1,255}$/, 'must be a dimension name of 1 to 255 characters');
    if (metric.groupDimension !== undefined) p.pattern('controller.taskSource.groupDimension', metric.groupDimension, /^.{1,255}$/, 'must be a dimension name of 1 to 255 characters, or null');
    // A metric has at most 30 dimensions (CloudWatch API reference, Dimension).
    p.check(Object.keys(metric.extraDimensions).length <= 28, 'controller.taskSource.extraDimensions', metric.extraDimensions, 'must add at most 28 dimensions (30 in all)');
    // Dimension names are 1 to 255 characters and values 1 to 1024 (CloudWatch API reference, Dimension):
    // an empty value matches no datapoint, so every drain would read nothing and be forced.
    for (const [dimension, value] of Object.entries(metric.extraDimensions)) {
      p.check(dimension.length >= 1 && dimension.length <= 255, 'controller.taskSource.extraDimensions', dimension, 'must name each dimension with 1 to 255 characters');
      p.check(typeof value === 'string' && value.length >= 1 && value.length <= 1024, `controller.taskSource.extraDimensions.${dimension}`, value, 'must be a dimension value of 1 to 1024 characters');
    }
  } else if (ts.kind === 'trino') {
    taskSource = { kind: 'trino', ...resolveTrino(p, 'controller.taskSource', ts) };
  } else {
    p.add('controller.taskSource.kind', (ts as { kind?: unknown }).kind, 'must be "metric" or "trino"');
    taskSource = DEFAULT_TASK_METRIC;
  }

  let stopWorker: ControllerConfig['stopWorker'];
  const sw = input.stopWorker ?? { kind: 'agent' };
  if (sw.kind === 'agent') stopWorker = { kind: 'agent' };
  else if (sw.kind === 'ssm') {
    p.check(Array.isArray(sw.commands) && sw.commands.length > 0 && sw.commands.every((c) => typeof c === 'string' && c.trim() !== ''), 'controller.stopWorker.commands', sw.commands, 'must list at least one non-empty shell command');
    stopWorker = { kind: 'ssm', commands: sw.commands };
  } else if (sw.kind === 'trino') {
    stopWorker = { kind: 'trino', ...resolveTrino(p, 'controller.stopWorker', sw) };
  } else {
    p.add('controller.stopWorker.kind', (sw as { kind?: unknown }).kind, 'must be "agent", "ssm" or "trino"');
    stopWorker = { kind: 'agent' };
  }
  return { taskSource, stopWorker, idleReadings };
}

function resolveNetwork(p: Problems, input: NetworkInput | undefined, region: string | undefined): EnvironmentConfig['network'] | undefined {
  if (input?.kind === 'create') {
    const cidr = input.cidr ?? DEFAULT_VPC_CIDR;
    const m = PATTERNS.cidr.exec(cidr);
    // VPC CIDR blocks are /16 to /28 (VPC user guide, "VPC CIDR blocks").
    const cidrOk = p.check(m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 28, 'network.cidr', cidr, 'must be an IPv4 CIDR block from /16 to /28');
    const maxAzs = input.maxAzs ?? DEFAULT_MAX_AZS;
    const azsOk = p.integer('network.maxAzs', maxAzs, 2, 6);
    if (cidrOk && azsOk) {
      // Up to maxAzs zones, each with the whole layout: the block must hold them all or CDK fails mid-synth.
      const layout = SUBNET_LAYOUT.map((s) => `a /${s.cidrMask} ${s.name}`).join(' and ');
      p.check(layoutFits(Number(m![5]), maxAzs), 'network.cidr', cidr, `must hold ${layout} subnet in each of network.maxAzs (${maxAzs}) zones: use /${largestPrefixFor(maxAzs)} or larger`);
    }
    const natGateways = input.natGateways ?? DEFAULT_NAT_GATEWAYS;
    if (p.integer('network.natGateways', natGateways, 1, 6)) {
      p.check(natGateways <= maxAzs, 'network.natGateways', natGateways, `must be <= network.maxAzs (${maxAzs})`);
    }
    return { kind: 'create', cidr, maxAzs, natGateways };
  }
  if (input?.kind === 'existing') {
    p.pattern('network.vpcId', input.vpcId, PATTERNS.vpcId, 'must be a VPC id such as "vpc-0abc12345def67890"');
    const subnets = input.privateSubnets;
    if (p.check(Array.isArray(subnets) && subnets.length > 0, 'network.privateSubnets', subnets, 'must list at least one subnet')) {
      const seen = new Set<string>();
      subnets.forEach((s, i) => {
        p.pattern(`network.privateSubnets[${i}].subnetId`, s.subnetId, PATTERNS.subnetId, 'must be a subnet id such as "subnet-0abc12345def67890"');
        p.pattern(`network.privateSubnets[${i}].availabilityZone`, s.availabilityZone, PATTERNS.availabilityZone, 'must be an Availability Zone such as "eu-west-1a"');
        p.check(!seen.has(s.subnetId), `network.privateSubnets[${i}].subnetId`, s.subnetId, 'must not be listed twice');
        seen.add(s.subnetId);
      });
      const zones = new Set(subnets.map((s) => s.availabilityZone));
      // A zone's name is its region's plus one letter; a stack's subnets all live in its region.
      if (region !== undefined) {
        subnets.forEach((s, i) => {
          if (typeof s.availabilityZone === 'string' && PATTERNS.availabilityZone.test(s.availabilityZone)) {
            p.check(s.availabilityZone.slice(0, -1) === region, `network.privateSubnets[${i}].availabilityZone`, s.availabilityZone, `must be a zone of the environment's region (${region})`);
          }
        });
      } else {
        const regions = new Set([...zones].filter((z) => typeof z === 'string').map((z) => z.slice(0, -1)));
        p.check(regions.size <= 1, 'network.privateSubnets', [...zones], 'must all be in zones of one region');
      }
      // One zone is one failure away from no fleet at all (Control Tower CT.AUTOSCALING.PR.1).
      p.check(zones.size >= 2, 'network.privateSubnets', [...zones], 'must span at least 2 Availability Zones');
    }
    return input;
  }
  p.add('network.kind', (input as { kind?: unknown } | undefined)?.kind, 'must be "create" or "existing"');
  return undefined;
}

function resolveNotifications(p: Problems, input: NotificationsInput, env: Pick<EnvironmentInput, 'account' | 'region'>): EnvironmentConfig['notifications'] {
  const emails = input.emails ?? [];
  emails.forEach((e, i) => p.pattern(`notifications.emails[${i}]`, e, PATTERNS.email, 'must be an email address'));
  if (input.topicArn !== undefined) {
    if (p.pattern('notifications.topicArn', input.topicArn, PATTERNS.topicArn, 'must be an SNS topic ARN')) {
      // Alarm actions publish only to a topic in the alarm's own region (CloudWatch user guide, "Using
      // Amazon SNS topics"), and this stack's key, rules and alarms must be allowed by the topic's owner:
      // the topic is the environment's, in its account and region, which synth can check only when set.
      const [, , , topicRegion, topicAccount] = input.topicArn.split(':');
      if (p.check(env.region !== undefined && env.account !== undefined, 'notifications.topicArn', input.topicArn, 'needs the environment\'s account and region set, so synth can check the topic is in them')) {
        p.check(topicRegion === env.region, 'notifications.topicArn', input.topicArn, `must be in the environment's region (${env.region}): alarms cannot publish to another region's topic`);
        p.check(topicAccount === env.account, 'notifications.topicArn', input.topicArn, `must be in the environment's account (${env.account})`);
      }
    }
    p.check(emails.length === 0, 'notifications.emails', emails, 'must be empty when notifications.topicArn is set: subscribe them to that topic instead');
  }
  return { emails, topicArn: input.topicArn };
}

function resolveFleet(p: Problems, at: string, f: FleetInput, controller: ControllerConfig, agentInstalled: boolean): FleetConfig | undefined {
  const before = p.list.length;
  p.pattern(`${at}.name`, f.name, PATTERNS.fleetName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 20 characters');

  const targetCpuPercent = f.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;
  p.check(
    typeof targetCpuPercent === 'number' && Number.isFinite(targetCpuPercent) && targetCpuPercent > 0 && targetCpuPercent <= 100,
    `${at}.targetCpuPercent`,
    targetCpuPercent,
    'must be a number in (0, 100]',
  );
  const drainTimeoutSeconds = p.duration(
    `${at}.drainTimeout`,
    f.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
    MIN_DRAIN_TIMEOUT_SECONDS,
    MAX_DRAIN_TIMEOUT_SECONDS,
    ': the 48h lifecycle-hook limit less 2m so the controller forces explicitly before Auto Scaling times out',
  );

  const deploymentConfig = f.deploymentConfig ?? DEFAULT_DEPLOYMENT_CONFIG;
  if (typeof deploymentConfig === 'string') {
    p.check(NAMED_DEPLOYMENT_CONFIGS.includes(deploymentConfig), `${at}.deploymentConfig`, deploymentConfig, `must be one of ${NAMED_DEPLOYMENT_CONFIGS.join(', ')} or { minimumHealthyHostsPercent }`);
  } else {
    // FLEET_PERCENT minimum healthy hosts: 100 would leave no instance to deploy to.
    p.integer(`${at}.deploymentConfig.minimumHealthyHostsPercent`, deploymentConfig?.minimumHealthyHostsPercent, 0, 99);
  }

  // Trino's grace period; up to an hour (a longer one would hold every drain that long).
  const shutdownGraceSeconds = p.duration(`${at}.shutdownGracePeriod`, f.shutdownGracePeriod ?? DEFAULT_SHUTDOWN_GRACE_PERIOD, 0, 3600);
  if (f.coordinatorUrl !== undefined) {
    p.pattern(`${at}.coordinatorUrl`, f.coordinatorUrl, /^https?:\/\/[^\s/:]+(:\d{1,5})?$/, 'must be http(s)://host:port of the fleet\'s Trino coordinator');
  }
  const scaling = resolveScaling(p, `${at}.scaling`, f);
  const owned = f.existing === undefined ? resolveNewFleet(p, at, f as NewFleetInput) : undefined;
  const existing = f.existing !== undefined ? resolveExistingGroup(p, at, f as ExistingFleetInput, controller) : undefined;
  const stragglers = resolveStragglers(p, `${at}.stragglers`, f, f.existing === undefined ? agentInstalled : agentInstalled && f.existing?.agentInstalled === true, drainTimeoutSeconds);

  if (p.list.length > before) return undefined;
  const common: FleetCommonConfig = {
    name: f.name,
    targetCpuPercent,
    drainTimeoutSeconds: drainTimeoutSeconds!,
    heartbeatTimeoutSeconds: heartbeatTimeoutForDrain(drainTimeoutSeconds!),
    deploymentConfig,
    shutdownGraceSeconds: shutdownGraceSeconds!,
    coordinatorUrl: f.coordinatorUrl,
    ...(scaling ? { scaling } : {}),
    ...(stragglers ? { stragglers } : {}),
  };
  return existing ? { ...common, existing } : { ...common, ...owned! };
}

/** What only a fleet we launch has: its instance types, sizes, warmup, volume and Spot share. */
function resolveNewFleet(p: Problems, at: string, f: NewFleetInput): Omit<NewFleetConfig, keyof FleetCommonConfig> {
  if (p.check(Array.isArray(f.instanceTypes) && f.instanceTypes.length > 0, `${at}.instanceTypes`, f.instanceTypes, 'must list at least one instance type (or set existing.groupName to adopt a group you already run)')) {
    // A mixed instances policy takes at most 40 overrides (Auto Scaling API, LaunchTemplate.Overrides).
    p.check(f.instanceTypes.length <= 40, `${at}.instanceTypes`, f.instanceTypes.length, 'must list at most 40 instance types');
    const seen = new Set<string>();
    f.instanceTypes.forEach((t, i) => {
      if (p.pattern(`${at}.instanceTypes[${i}]`, t, PATTERNS.instanceType, 'must be an EC2 instance type such as "m7i.2xlarge"')) {
        p.check(!isMacInstance(t), `${at}.instanceTypes[${i}]`, t, 'must not be a Mac instance: they run macOS only, and fleets run Amazon Linux 2023');
      }
      p.check(!seen.has(t), `${at}.instanceTypes[${i}]`, t, 'must not be listed twice');
      seen.add(t);
    });
    // One launch template, one image: arm64 and x86_64 types cannot share it.
    const architectures = new Set(f.instanceTypes.filter((t) => typeof t === 'string').map(architectureOf));
    p.check(architectures.size <= 1, `${at}.instanceTypes`, f.instanceTypes, 'must all be Graviton (arm64) or all x86_64: the fleet has one Amazon Linux image; make a second fleet for the other architecture');
  }

  const minOk = p.integer(`${at}.minCapacity`, f.minCapacity, 0, MAX_FLEET_SIZE);
  const maxOk = p.integer(`${at}.maxCapacity`, f.maxCapacity, 1, MAX_FLEET_SIZE);
  if (minOk && maxOk) {
    p.check(f.minCapacity <= f.maxCapacity, `${at}.minCapacity`, f.minCapacity, `must be <= maxCapacity (${f.maxCapacity})`);
    if (f.desiredCapacity !== undefined && p.integer(`${at}.desiredCapacity`, f.desiredCapacity, 0, MAX_FLEET_SIZE)) {
      p.check(
        f.desiredCapacity >= f.minCapacity && f.desiredCapacity <= f.maxCapacity,
        `${at}.desiredCapacity`,
        f.desiredCapacity,
        `must be within [minCapacity, maxCapacity] = [${f.minCapacity}, ${f.maxCapacity}]`,
      );
    }
  }
  const instanceWarmupSeconds = p.duration(`${at}.instanceWarmup`, f.instanceWarmup ?? DEFAULT_INSTANCE_WARMUP, 0, MAX_INSTANCE_WARMUP_SECONDS);
  const rootVolumeGiB = f.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB;
  p.integer(`${at}.rootVolumeGiB`, rootVolumeGiB, 8, MAX_GP3_GIB);

  let spot: Required<SpotInput> | undefined;
  if (f.spot !== undefined) {
    spot = { onDemandBaseCapacity: f.spot.onDemandBaseCapacity ?? 0, onDemandPercentageAboveBase: f.spot.onDemandPercentageAboveBase ?? 0 };
    p.integer(`${at}.spot.onDemandBaseCapacity`, spot.onDemandBaseCapacity, 0, MAX_FLEET_SIZE);
    p.integer(`${at}.spot.onDemandPercentageAboveBase`, spot.onDemandPercentageAboveBase, 0, 100);
  }
  return {
    instanceTypes: f.instanceTypes,
    minCapacity: f.minCapacity,
    maxCapacity: f.maxCapacity,
    desiredCapacity: f.desiredCapacity,
    instanceWarmupSeconds: instanceWarmupSeconds!,
    rootVolumeGiB,
    spot,
  };
}

/** Fields of a launched fleet that an adopted group keeps as its owner set them. */
const OWNED_FIELDS = ['instanceTypes', 'minCapacity', 'maxCapacity', 'desiredCapacity', 'instanceWarmup', 'rootVolumeGiB', 'spot'] as const;

/**
 * Auto Scaling group names are 1 to 255 characters (Auto Scaling API reference, CreateAutoScalingGroup).
 * We also refuse `*` and `?`, which IAM would read as wildcards in the group's ARN (granting on other
 * groups), and control characters.
 */
const GROUP_NAME = /^[^*?\u0000-\u001f\u007f]{1,255}$/;

function resolveExistingGroup(p: Problems, at: string, f: ExistingFleetInput, controller: ControllerConfig): ExistingFleetConfig['existing'] | undefined {
  const e = f.existing;
  if (!p.check(typeof e === 'object' && e !== null && !Array.isArray(e), `${at}.existing`, e, 'must be { groupName, securityGroupId?, agentInstalled? }')) return undefined;
  for (const field of OWNED_FIELDS) {
    const value = (f as unknown as Record<string, unknown>)[field];
    if (value !== undefined) p.add(`${at}.${field}`, value, "must not be set with existing: an adopted group keeps its own launch template, sizes and warmup; change them where the group is defined");
  }
  p.pattern(`${at}.existing.groupName`, e.groupName, GROUP_NAME, 'must be the Auto Scaling group\'s name: 1 to 255 characters, without * or ? (IAM would read them as wildcards) or control characters');
  if (e.securityGroupId !== undefined) p.pattern(`${at}.existing.securityGroupId`, e.securityGroupId, /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must be a security group id such as "sg-0abc12345def67890"');
  const agentInstalled = e.agentInstalled ?? false;
  p.check(typeof agentInstalled === 'boolean', `${at}.existing.agentInstalled`, agentInstalled, 'must be true or false');
  for (const [name, endpoint] of [['taskSource', controller.taskSource], ['stopWorker', controller.stopWorker]] as const) {
    if (endpoint.kind === 'trino') {
      p.check(e.securityGroupId !== undefined, `${at}.existing.securityGroupId`, e.securityGroupId, `is required while controller.${name} is "trino": the controller calls the workers on port ${endpoint.port}, and their security group must let it in`);
    }
  }
  // What we cannot see from here: whether the instances run our agent. The operator says so.
  if (controller.stopWorker.kind === 'agent' && agentInstalled !== true) {
    p.add(`${at}.existing.agentInstalled`, e.agentInstalled, 'must be true while controller.stopWorker is "agent": nothing else would stop the workers. Install the agent on the group\'s instances first (docs/adopt-existing-fleet.md), or use stopWorker "trino" or "ssm"');
  }
  return { groupName: e.groupName, ...(e.securityGroupId !== undefined ? { securityGroupId: e.securityGroupId } : {}), agentInstalled };
}

/** Straggler detection: off unless asked for; it needs the agent, which publishes the pressure it judges. */
/**
 * A replaced straggler's default drain. It takes no new work once stopped and ends as soon as its last
 * query does, so the deadline matters only for queries that long at its slow pace: in the simulator a
 * 10-minute deadline killed 21 queries on replaced stragglers over 3 days, 1 h killed 4, 4 h 2 (no more
 * than the 3 with no degraded worker); diurnal 1.2/s, seed 1, 5% degraded, `--straggler-drain-timeout`.
 */
const DEFAULT_REPLACE_DRAIN_TIMEOUT = '4h';

function resolveStragglers(p: Problems, at: string, f: FleetInput, agentOnInstances: boolean, drainTimeoutSeconds: number | undefined): FleetConfig['stragglers'] {
  const s = f.stragglers;
  if (s === undefined) return undefined;
  if (!p.check(typeof s === 'object' && s !== null && !Array.isArray(s), at, s, 'must be { detect?, replace?, replaceAfter?, bottleneckExcessPercent?, window? }')) return undefined;
  for (const key of ['detect', 'replace'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') p.add(`${at}.${key}`, s[key], 'must be true or false');
  }
  const detect = s.detect === true;
  if (s.replace === true && !detect) p.add(`${at}.replace`, true, 'needs detect: true: only detected stragglers are replaced');
  if (!detect) return undefined;
  p.check(agentOnInstances, `${at}.detect`, true, 'needs the agent on the instances (agent.install, and existing.agentInstalled for an adopted group): it publishes the pressure the detector judges');
  const d = DEFAULT_STRAGGLER_SETTINGS;
  const replaceAfter = p.duration(`${at}.replaceAfter`, s.replaceAfter ?? formatDuration(d.replaceAfterMinutes * 60), 180, 7200, ' (in whole minutes: the detector judges one-minute readings)');
  const window = p.duration(`${at}.window`, s.window ?? formatDuration(d.windowMinutes * 60), 600, 10_800, ' (in whole minutes)');
  const excess = s.bottleneckExcessPercent ?? d.bottleneckExcessPercent;
  p.check(typeof excess === 'number' && Number.isFinite(excess) && excess >= 5 && excess <= 90, `${at}.bottleneckExcessPercent`, excess, 'must be a number from 5 to 90 (percentage points above what its peers show at its load)');
  if (replaceAfter !== undefined && window !== undefined) {
    p.check(replaceAfter % 60 === 0, `${at}.replaceAfter`, s.replaceAfter, 'must be whole minutes');
    p.check(window % 60 === 0, `${at}.window`, s.window, 'must be whole minutes');
    p.check(window > replaceAfter, `${at}.window`, s.window ?? formatDuration(window), `must be longer than replaceAfter (${formatDuration(replaceAfter)}): the run is counted inside the window`);
  }
  const replaceDrain = p.duration(`${at}.replaceDrainTimeout`, s.replaceDrainTimeout ?? DEFAULT_REPLACE_DRAIN_TIMEOUT, MIN_DRAIN_TIMEOUT_SECONDS, MAX_DRAIN_TIMEOUT_SECONDS, ': the 48h lifecycle-hook limit less 2m');
  if (replaceDrain === undefined || replaceAfter === undefined || window === undefined) return undefined;
  // Never shorter than the fleet's own drain timeout: a replaced straggler drains at least as long as any worker.
  const replaceDrainTimeoutSeconds = Math.max(replaceDrain, drainTimeoutSeconds ?? 0);
  const detector: StragglerSettings = { ...d, replaceAfterMinutes: replaceAfter / 60, windowMinutes: window / 60, bottleneckExcessPercent: excess };
  return { replace: s.replace === true, replaceDrainTimeoutSeconds, detector };
}

/** The fleet's scaling signals: on by default when there is a coordinator to poll, refused on without one. */
function resolveScaling(p: Problems, at: string, f: FleetInput): FleetConfig['scaling'] {
  const s = f.scaling ?? {};
  if (s.signals !== undefined && typeof s.signals !== 'boolean') {
    p.add(`${at}.signals`, s.signals, 'must be true or false');
    return undefined;
  }
  const on = s.signals ?? f.coordinatorUrl !== undefined;
  if (!on) return undefined;
  if (!p.check(f.coordinatorUrl !== undefined, `${at}.signals`, true, "needs the fleet's coordinatorUrl: the signals are the coordinator's queue")) return undefined;
  const targetBacklogSeconds = p.duration(`${at}.targetBacklog`, s.targetBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.targetBacklogSeconds), 10, 3600, ' (Dataflow\'s R: shorter than 10 s chases single queries)');
  const toleratedBacklogSeconds = p.duration(`${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.toleratedBacklogSeconds), 0, 3600);
  const scaleInLookbackMinutes = s.scaleInLookbackMinutes ?? DEFAULT_SCALING_POLICY.scaleInLookbackMinutes;
  p.integer(`${at}.scaleInLookbackMinutes`, scaleInLookbackMinutes, 1, 60);
  const scaleInHorizonMinutes = s.scaleInHorizonMinutes ?? DEFAULT_SCALING_POLICY.scaleInHorizonMinutes;
  p.integer(`${at}.scaleInHorizonMinutes`, scaleInHorizonMinutes, 0, 60);
  if (targetBacklogSeconds !== undefined && toleratedBacklogSeconds !== undefined) {
    p.check(toleratedBacklogSeconds < targetBacklogSeconds, `${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(toleratedBacklogSeconds), `must be shorter than targetBacklog (${formatDuration(targetBacklogSeconds)}): a backlog the fleet tolerates cannot also be one it must clear`);
  }
  if (targetBacklogSeconds === undefined || toleratedBacklogSeconds === undefined) return undefined;
  return { targetBacklogSeconds, toleratedBacklogSeconds, scaleInLookbackMinutes, scaleInHorizonMinutes };
}

/**
 * Resolves the environments to build. With `selected` (from `-c env=a,b`), only those; an unknown name
 * is an error listing the known ones. Every selected environment is validated before any stack exists.
 */
export function resolveEnvironments(
  inputs: Readonly<Record<string, EnvironmentInput>>,
  selected?: readonly string[],
): EnvironmentConfig[] {
  const known = Object.keys(inputs);
  const names = selected && selected.length > 0 ? selected : known;
  const problems: string[] = [];
  const configs: EnvironmentConfig[] = [];
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
      problems.push(`env "${name}": unknown environment; known environments are ${known.join(', ')}`);
      continue;
    }
    try {
      configs.push(resolveEnvironment(name, inputs[name]));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}
