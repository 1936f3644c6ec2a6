/** The in-memory AWS model's types: its options, the state it keeps, and what its per-service handlers share. */

export interface AwsModelOptions {
  /** Latency of every answer. @default 0 */
  readonly latencyMs?: number;
  /** Token buckets per API family: sustained calls per second and burst. A family left out is unlimited. */
  readonly limits?: Partial<Readonly<Record<Service, { readonly rate: number; readonly burst: number }>>>;
  /**
   * How long DescribeAutoScalingGroups keeps showing a completed instance in Terminating:Wait. Auto
   * Scaling's Describe* APIs are eventually consistent ("Amazon EC2 Auto Scaling API reference, Eventual
   * consistency"); a few seconds is what peers observed. @default 5000
   */
  readonly consistencyLagMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

export type Service = 'autoscaling-read' | 'autoscaling-write' | 'cloudwatch' | 'dynamodb' | 'ssm' | 'ec2';

/** Auto Scaling's lifecycle states (Auto Scaling user guide, "Amazon EC2 Auto Scaling instance lifecycle"). */
export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'EnteringStandby'
  | 'Standby'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated';

export interface ModelInstance {
  instanceId: string;
  groupName: string;
  state: LifecycleState;
  protectedFromScaleIn?: boolean;
  /** Registered with SSM (the agent runs and the instance profile allows it). @default true */
  ssmManaged?: boolean;
  launchedAt?: number;
  privateIp?: string;
  /** When its termination activity began (DescribeScalingActivities StartTime). */
  terminationStartedAt?: number;
  /** When its lifecycle action was completed: Describe* may show the old state until the lag passes. */
  completedAt?: number;
  /** The terminate hook its Terminating:Wait is under, and when the wait expires. Set on entering the wait. */
  wait?: { hookName: string; expiresAt: number; limitAt: number; heartbeatTimeoutMs: number; defaultResult: string };
  /** How the wait ended: the result given (CONTINUE or ABANDON), or the hook's DefaultResult at expiry. */
  result?: { result: string; by: 'complete' | 'timeout' };
  /** When its warmup ends: until then its launch activity reads WaitingForInstanceWarmup. @default launchedAt */
  warmupEndsAt?: number;
  /** SetInstanceHealth's status. @default 'Healthy' */
  healthStatus?: 'Healthy' | 'Unhealthy';
}

export interface ModelGroup {
  newInstancesProtected: boolean;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** @default ['Default'] (Auto Scaling's own when a group names none) */
  terminationPolicies?: string[];
  /** Group metrics being collected (EnableMetricsCollection). @default none */
  enabledMetrics?: string[];
  /** @default the account's AWSServiceRoleForAutoScaling */
  serviceLinkedRoleArn?: string;
  /** Lifecycle hooks by name, as PutLifecycleHook stored them. */
  hooks?: Map<string, Record<string, unknown>>;
  /** Scaling policies by name, as PutScalingPolicy stored them. */
  policies?: Map<string, Record<string, unknown>>;
  /**
   * AutoScalingGroupARN. Its `autoScalingGroup:<uuid>` part is new for every group created, so a group
   * deleted and created again under the same name has another ARN. @default one with a uuid per group object
   */
  arn?: string;
  /** HealthCheckGracePeriod in seconds (CreateAutoScalingGroup's default is 0). @default 0 */
  healthCheckGracePeriodSeconds?: number;
  /** The group's warm pool, as PutWarmPool stored it (WarmPoolConfiguration). @default none */
  warmPool?: { MinSize?: number; MaxGroupPreparedCapacity?: number; PoolState?: string; InstanceReusePolicy?: { ReuseOnScaleIn?: boolean } };
}


export type AttrValue = { S?: string; N?: string };
export type Item = Record<string, AttrValue>;

/** What the per-service handlers read and change: the model's state, its clock and its Auto Scaling lifecycle. */
export interface ModelState {
  readonly instances: Map<string, ModelInstance>;
  readonly groups: Map<string, ModelGroup>;
  readonly metrics: Map<string, { at: number; value: number }[]>;
  readonly table: Map<string, Item>;
  readonly commands: { instanceIds: string[]; commands: string[] }[];
  readonly calls: { read: number; write: number; throttled: number };
  now(): number;
  /** The state Describe* reports: a completed action may still read Terminating:Wait for the lag. */
  described(i: ModelInstance): LifecycleState;
  /** Auto Scaling chose the instance for scale-in: it enters Terminating:Wait under the hook. */
  beginTermination(instanceId: string): void;
}

/** SetInstanceProtection, DescribeAutoScalingInstances and SendCommand take at most 50 instance ids (their API references). */
export const IDS_PER_CALL = 50;
