/**
 * The faithful in-memory AWS: Auto Scaling, SSM, EC2, CloudWatch and DynamoDB answering the real SDK
 * clients, as the tests, the benchmarks and the adapter suites use them. It is plugged into each client's
 * middleware stack inside the retry loop (deserialize step), so every call is signed, retried and
 * rate-limited by the SDK itself; only the network is replaced.
 *
 * It answers as AWS documents, including where AWS is unkind (each rule cites its reference):
 * - whole-call rejections: SetInstanceProtection, SendCommand and DescribeInstances refuse the whole call
 *   for one bad instance;
 * - lifecycle writes on a finished action answer `No active Lifecycle Action found`, and so does one
 *   naming a hook the instance is not waiting on; a result other than CONTINUE or ABANDON is refused;
 * - a wait expires at its hook's HeartbeatTimeout (each heartbeat restarts it, within the global limit of
 *   min(48 h, 100 × HeartbeatTimeout)) and the instance proceeds with the hook's DefaultResult;
 * - DescribeScalingActivities lists launches and terminations, those in progress first, then newest first;
 * - SetInstanceHealth honours the group's health check grace period unless ShouldRespectGracePeriod is false;
 * - DescribeAutoScalingGroups is eventually consistent: a completed instance still shows
 *   `Terminating:Wait` for `consistencyLagMs`;
 * - each API family sits behind a token bucket that answers `Throttling`/`ThrottlingException` when a
 *   burst exceeds it, and each DynamoDB partition key takes at most 1,000 writes a second.
 * moto (tests/lambdas/aws/moto.test.ts) checks the adapters against a second, independent emulator for
 * everything it implements; lifecycle completion and Terminating:Wait exist only here.
 */
import { randomUUID } from 'node:crypto';
import { DRAIN_HOOK_NAME } from '../core/contract/names';

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

type Service = 'autoscaling-read' | 'autoscaling-write' | 'cloudwatch' | 'dynamodb' | 'ssm' | 'ec2';

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

/** Per group, at most 50 lifecycle hooks and 50 scaling policies (Auto Scaling user guide, "Quotas for Auto Scaling resources and groups"). */
const HOOKS_PER_GROUP = 50;
const POLICIES_PER_GROUP = 50;
/** EnableMetricsCollection: "1Minute" is the only valid granularity (Auto Scaling API reference). */
const METRICS_GRANULARITY = '1Minute';
/** The group metrics EnableMetricsCollection takes when it is given none: all of them (Auto Scaling API reference, EnableMetricsCollection). */
const GROUP_METRICS = [
  'GroupMinSize', 'GroupMaxSize', 'GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupPendingInstances', 'GroupStandbyInstances', 'GroupTerminatingInstances', 'GroupTotalInstances',
  'GroupInServiceCapacity', 'GroupPendingCapacity', 'GroupStandbyCapacity', 'GroupTerminatingCapacity', 'GroupTotalCapacity',
  'WarmPoolDesiredCapacity', 'WarmPoolWarmedCapacity', 'WarmPoolPendingCapacity', 'WarmPoolTerminatingCapacity', 'WarmPoolTotalCapacity', 'GroupAndWarmPoolDesiredCapacity', 'GroupAndWarmPoolTotalCapacity',
];

type AttrValue = { S?: string; N?: string };
type Item = Record<string, AttrValue>;

/** GetMetricData: 500 queries a call and 100,800 datapoints a page (CloudWatch API reference). */
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
/** DynamoDB Query pages stop at 1 MB of items read (DynamoDB developer guide, "Paginating table query results"). */
const QUERY_PAGE_BYTES = 1024 * 1024;
/**
 * A partition serves at most 1,000 write units a second (DynamoDB developer guide, "Best practices for
 * designing and using partition keys effectively"); past it writes fail with
 * ProvisionedThroughputExceededException, on-demand tables included.
 */
const PARTITION_WRITES_PER_SECOND = 1000;
/** SetInstanceProtection, DescribeAutoScalingInstances and SendCommand take at most 50 instance ids (their API references). */
const IDS_PER_CALL = 50;
/** SetInstanceProtection accepts only these states (Auto Scaling API reference, SetInstanceProtection; "Use instance scale-in protection"). */
const PROTECTABLE = new Set<LifecycleState>(['InService', 'EnteringStandby', 'Standby']);
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** CompleteLifecycleAction's LifecycleActionResult: "CONTINUE | ABANDON" (Auto Scaling API reference). */
const LIFECYCLE_RESULTS = new Set(['CONTINUE', 'ABANDON']);
/**
 * PutLifecycleHook's defaults, HeartbeatTimeout 3600 s and DefaultResult ABANDON, and the global limit on a
 * wait: min(48 h, 100 × HeartbeatTimeout) (Auto Scaling API reference, PutLifecycleHook; user guide,
 * "Amazon EC2 Auto Scaling lifecycle hooks", "Considerations and limitations").
 */
const DEFAULT_HEARTBEAT_TIMEOUT_S = 3600;
const DEFAULT_RESULT = 'ABANDON';
const WAIT_LIMIT_MS = (heartbeatTimeoutMs: number) => Math.min(48 * 3600_000, 100 * heartbeatTimeoutMs);
const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
/** DescribeScalingActivities status codes that end an activity (Auto Scaling API reference, Activity). */
const ACTIVITY_DONE = new Set(['Successful', 'Failed', 'Cancelled']);

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function awsError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status }, ...extra });
}

export class AwsModel {
  readonly instances = new Map<string, ModelInstance>();
  readonly groups = new Map<string, ModelGroup>();
  readonly metrics = new Map<string, { at: number; value: number }[]>();
  readonly table = new Map<string, Item>();
  /** SSM commands accepted, each with the instance ids it targeted. */
  readonly commands: { instanceIds: string[]; commands: string[] }[] = [];
  readonly calls = { read: 0, write: 0, throttled: 0 };
  readonly byOperation = new Map<string, number>();
  /** Calls answered with an error, by operation and error name. */
  readonly rejections: { operation: string; error: string }[] = [];
  private readonly buckets = new Map<Service, TokenBucket>();
  private readonly partitionBuckets = new Map<string, TokenBucket>();
  private readonly now: () => number;
  private readonly lagMs: number;
  private readonly latencyMs: number;

  constructor(options: AwsModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lagMs = options.consistencyLagMs ?? 5000;
    this.latencyMs = options.latencyMs ?? 0;
    for (const [k, v] of Object.entries(options.limits ?? {})) if (v) this.buckets.set(k as Service, new TokenBucket(v.rate, v.burst, this.now));
  }

  /** Adds an instance (and its group, if new). */
  addInstance(instance: Omit<ModelInstance, 'state'> & { state?: LifecycleState }): ModelInstance {
    const i: ModelInstance = { state: 'InService', ssmManaged: true, ...instance };
    this.instances.set(i.instanceId, i);
    if (!this.groups.has(i.groupName)) this.groups.set(i.groupName, { newInstancesProtected: false, minSize: 0, maxSize: 100, desiredCapacity: 0 });
    this.groups.get(i.groupName)!.desiredCapacity++;
    if (i.state === 'Terminating:Wait') this.enterWait(i, i.terminationStartedAt ?? this.now());
    return i;
  }

  /** Auto Scaling chose the instance for scale-in: it enters Terminating:Wait under the hook. */
  beginTermination(instanceId: string, at = this.now()): void {
    const i = this.instances.get(instanceId)!;
    i.state = 'Terminating:Wait';
    this.enterWait(i, at);
  }

  /**
   * Registers a lifecycle hook as PutLifecycleHook does, with its defaults (HeartbeatTimeout 3600 s,
   * DefaultResult ABANDON).
   */
  putHook(groupName: string, hookName: string, spec: { HeartbeatTimeout?: number; DefaultResult?: string; LifecycleTransition?: string } = {}): void {
    if (!this.groups.has(groupName)) this.groups.set(groupName, { newInstancesProtected: false, minSize: 0, maxSize: 100, desiredCapacity: 0 });
    const g = this.groups.get(groupName)!;
    g.hooks ??= new Map();
    g.hooks.set(hookName, { LifecycleTransition: TERMINATING, DefaultResult: DEFAULT_RESULT, HeartbeatTimeout: DEFAULT_HEARTBEAT_TIMEOUT_S, ...spec });
  }

  /**
   * The instance waits under its group's terminate hook. A group with none gets ours, with PutLifecycleHook's
   * defaults: an instance in Terminating:Wait implies a hook, and tests that set one up name ours.
   */
  private enterWait(i: ModelInstance, at: number): void {
    i.terminationStartedAt = at;
    const g = this.groups.get(i.groupName)!;
    let hook = [...(g.hooks ?? new Map<string, Record<string, unknown>>()).entries()].find(([, h]) => (h.LifecycleTransition ?? TERMINATING) === TERMINATING);
    if (!hook) {
      this.putHook(i.groupName, DRAIN_HOOK_NAME);
      hook = [DRAIN_HOOK_NAME, g.hooks!.get(DRAIN_HOOK_NAME)!];
    }
    const heartbeatTimeoutMs = Number(hook[1].HeartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT_S) * 1000;
    i.wait = { hookName: hook[0], expiresAt: at + heartbeatTimeoutMs, limitAt: at + WAIT_LIMIT_MS(heartbeatTimeoutMs), heartbeatTimeoutMs, defaultResult: String(hook[1].DefaultResult ?? DEFAULT_RESULT) };
  }

  /**
   * Waits whose hook timed out proceed with the hook's DefaultResult: for a terminate hook both CONTINUE and
   * ABANDON terminate the instance (user guide, "Amazon EC2 Auto Scaling lifecycle hooks"). Lazy: run on
   * every call, at the model's clock.
   */
  expireWaits(now = this.now()): void {
    for (const i of this.instances.values()) {
      if (i.state !== 'Terminating:Wait' || !i.wait) continue;
      const at = Math.min(i.wait.expiresAt, i.wait.limitAt);
      if (at > now) continue;
      i.state = 'Terminating:Proceed';
      i.completedAt = at;
      i.result = { result: i.wait.defaultResult, by: 'timeout' };
    }
  }

  /** Routes a client's calls to this model. */
  attach<C extends { middlewareStack: { add: (middleware: any, options: any) => void } }>(client: C): C {
    client.middlewareStack.add(
      (_next: unknown, context: { commandName: string }) => async (args: { input: any }) => {
        const operation = String(context.commandName).replace(/Command$/, '');
        const { service, write } = classify(operation);
        this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
        if (write) this.calls.write++;
        else this.calls.read++;
        if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
        try {
          if (this.buckets.get(service)?.take() === false) {
            this.calls.throttled++;
            throw service.startsWith('autoscaling') ? awsError('Throttling', 'Rate exceeded') : service === 'ec2' ? awsError('RequestLimitExceeded', 'Request limit exceeded.') : awsError('ThrottlingException', 'Rate exceeded');
          }
          const output = this.handle(operation, args.input);
          return { output: { ...output, $metadata: { httpStatusCode: 200 } }, response: { statusCode: 200, headers: {} } } as never;
        } catch (e) {
          this.rejections.push({ operation, error: (e as Error).name });
          throw e;
        }
      },
      { step: 'deserialize', priority: 'high', name: 'inMemoryAws' },
    );
    return client;
  }

  /** The state Describe* reports: a completed action may still read Terminating:Wait for the lag. */
  private described(i: ModelInstance): LifecycleState {
    return i.completedAt !== undefined && this.now() - i.completedAt < this.lagMs ? 'Terminating:Wait' : i.state;
  }

  private handle(operation: string, input: any): Record<string, unknown> {
    this.expireWaits();
    switch (operation) {
      case 'DescribeAutoScalingGroups':
        return this.describeGroups(input);
      case 'DescribeAutoScalingInstances': {
        const ids: string[] = input.InstanceIds ?? [];
        if (ids.length > IDS_PER_CALL) throw awsError('ValidationError', `The number of instance ids that may be passed in is limited to ${IDS_PER_CALL}`);
        return {
          AutoScalingInstances: ids
            .map((id) => this.instances.get(id))
            .filter((i): i is ModelInstance => !!i && i.state !== 'Terminated')
            .map((i) => ({ InstanceId: i.instanceId, AutoScalingGroupName: i.groupName, LifecycleState: this.described(i), ProtectedFromScaleIn: i.protectedFromScaleIn ?? false })),
        };
      }
      case 'CompleteLifecycleAction':
      case 'RecordLifecycleActionHeartbeat': {
        // LifecycleActionResult takes CONTINUE or ABANDON (Auto Scaling API reference, CompleteLifecycleAction).
        if (operation === 'CompleteLifecycleAction' && !LIFECYCLE_RESULTS.has(input.LifecycleActionResult)) {
          throw awsError('ValidationError', `1 validation error detected: Value '${input.LifecycleActionResult}' at 'lifecycleActionResult' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, ABANDON]`);
        }
        // An action is found by group, hook and instance: one finished or expired, or under another hook
        // (CodeDeploy's, say), answers this (API reference, CompleteLifecycleAction; peers' logs).
        const i = this.instances.get(input.InstanceId);
        const wait = i?.wait;
        if (!i || !wait || i.state !== 'Terminating:Wait' || i.groupName !== input.AutoScalingGroupName || wait.hookName !== input.LifecycleHookName) {
          throw awsError('ValidationError', `No active Lifecycle Action found with instance ID ${input.InstanceId}`);
        }
        if (operation === 'CompleteLifecycleAction') {
          i.state = 'Terminating:Proceed';
          i.completedAt = this.now();
          i.result = { result: input.LifecycleActionResult, by: 'complete' };
        } else {
          // A heartbeat restarts the timeout, never past the global limit (RecordLifecycleActionHeartbeat).
          wait.expiresAt = Math.min(wait.limitAt, this.now() + wait.heartbeatTimeoutMs);
        }
        return {};
      }
      case 'DescribeScalingActivities':
        return this.describeActivities(input);
      case 'UpdateAutoScalingGroup': {
        const g = this.group(input.AutoScalingGroupName);
        if (input.TerminationPolicies !== undefined) {
          const policies: string[] = input.TerminationPolicies;
          // With several policies, a custom (Lambda) one must be first and Default last (Auto Scaling user
          // guide, "Change the termination policy for an Auto Scaling group").
          const custom = policies.findIndex((p) => p.startsWith('arn:'));
          const fallback = policies.indexOf('Default');
          if ((custom > 0) || (fallback >= 0 && fallback !== policies.length - 1)) {
            throw awsError('ValidationError', 'A custom termination policy must be first and Default last in TerminationPolicies');
          }
          g.terminationPolicies = policies.length > 0 ? [...policies] : ['Default'];
        }
        if (input.NewInstancesProtectedFromScaleIn !== undefined) g.newInstancesProtected = input.NewInstancesProtectedFromScaleIn;
        return {};
      }
      case 'EnableMetricsCollection': {
        const g = this.group(input.AutoScalingGroupName);
        if (input.Granularity !== METRICS_GRANULARITY) throw awsError('ValidationError', `Valid value for Granularity is ${METRICS_GRANULARITY}`);
        const asked: string[] = input.Metrics?.length ? input.Metrics : GROUP_METRICS;
        g.enabledMetrics = [...new Set([...(g.enabledMetrics ?? []), ...asked])];
        return {};
      }
      case 'DisableMetricsCollection': {
        const g = this.group(input.AutoScalingGroupName);
        const off = new Set<string>(input.Metrics?.length ? input.Metrics : GROUP_METRICS);
        g.enabledMetrics = (g.enabledMetrics ?? []).filter((m) => !off.has(m));
        return {};
      }
      case 'DescribeWarmPool': {
        // A group with no warm pool answers with no WarmPoolConfiguration (API reference, DescribeWarmPool).
        const g = this.group(input.AutoScalingGroupName);
        return { ...(g.warmPool ? { WarmPoolConfiguration: { ...g.warmPool } } : {}), Instances: [] };
      }
      case 'DescribeLifecycleHooks': {
        const g = this.group(input.AutoScalingGroupName);
        return { LifecycleHooks: [...(g.hooks ?? new Map()).entries()].map(([name, h]) => ({ ...h, LifecycleHookName: name, AutoScalingGroupName: input.AutoScalingGroupName })) };
      }
      case 'PutLifecycleHook': {
        const g = this.group(input.AutoScalingGroupName);
        g.hooks ??= new Map();
        if (!g.hooks.has(input.LifecycleHookName) && g.hooks.size >= HOOKS_PER_GROUP) throw awsError('LimitExceeded', `Already have ${HOOKS_PER_GROUP} lifecycle hooks for the group`);
        const { AutoScalingGroupName: _g, LifecycleHookName: _n, ...spec } = input;
        g.hooks.set(input.LifecycleHookName, { DefaultResult: 'ABANDON', HeartbeatTimeout: 3600, ...spec });
        return {};
      }
      case 'DeleteLifecycleHook': {
        const g = this.group(input.AutoScalingGroupName);
        if (!g.hooks?.delete(input.LifecycleHookName)) throw awsError('ValidationError', `No Lifecycle Hook found with name ${input.LifecycleHookName} for group ${input.AutoScalingGroupName}`);
        return {};
      }
      case 'PutScalingPolicy': {
        const g = this.group(input.AutoScalingGroupName);
        g.policies ??= new Map();
        if (!g.policies.has(input.PolicyName) && g.policies.size >= POLICIES_PER_GROUP) throw awsError('LimitExceeded', `Already have ${POLICIES_PER_GROUP} scaling policies for the group`);
        const { AutoScalingGroupName: _g, ...spec } = input;
        g.policies.set(input.PolicyName, spec);
        return { PolicyARN: `arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:${input.PolicyName}` };
      }
      case 'DeletePolicy': {
        const g = this.group(input.AutoScalingGroupName);
        g.policies?.delete(input.PolicyName);
        return {};
      }
      case 'DescribePolicies': {
        const g = this.group(input.AutoScalingGroupName);
        return { ScalingPolicies: [...(g.policies ?? new Map()).values()].map((p) => ({ ...p, AutoScalingGroupName: input.AutoScalingGroupName })) };
      }
      case 'SetInstanceProtection':
        return this.setInstanceProtection(input);
      case 'SetInstanceHealth':
        return this.setInstanceHealth(input);
      case 'TerminateInstanceInAutoScalingGroup': {
        const i = this.instances.get(input.InstanceId);
        if (!i || i.state === 'Terminated') throw awsError('ValidationError', `Instance Id not found - No managed instance found for instance ID ${input.InstanceId}`);
        const g = this.group(i.groupName);
        if (input.ShouldDecrementDesiredCapacity) {
          // TerminateInstanceInAutoScalingGroup may not take desired capacity below the minimum.
          if (g.desiredCapacity <= g.minSize) throw awsError('ValidationError', `Currently, desiredSize equals minSize (${g.minSize}). Terminating instance without replacement will violate group's min size constraint.`);
          g.desiredCapacity--;
        }
        this.beginTermination(i.instanceId);
        return { Activity: { ActivityId: `act-${i.instanceId}`, StatusCode: 'InProgress' } };
      }
      case 'SendCommand':
        return this.sendCommand(input);
      case 'DescribeInstances':
        return this.describeInstances(input);
      case 'GetMetricData':
        return this.getMetricData(input);
      case 'Query':
        return this.query(input);
      case 'PutItem':
        return this.putItem(input);
      case 'UpdateItem':
        return this.updateItem(input);
      case 'DeleteItem':
        return this.deleteItem(input);
      case 'TransactWriteItems':
        return this.transact(input);
      default:
        throw awsError('UnknownOperationException', `${operation} is not modelled`);
    }
  }

  private group(name: string): ModelGroup {
    const g = this.groups.get(name);
    if (!g) throw awsError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
    return g;
  }

  private describeGroups(input: any) {
    const names: string[] = input.AutoScalingGroupNames ?? [];
    const max = input.MaxRecords ?? 50;
    if (names.length > Math.max(50, max)) throw awsError('ValidationError', 'too many AutoScalingGroupNames');
    const start = Number(input.NextToken ?? 0);
    const page = names.slice(start, start + max).filter((name) => this.groups.has(name) || [...this.instances.values()].some((i) => i.groupName === name));
    const groups = page.map((name) => {
      const g = this.groups.get(name);
      if (g && g.arn === undefined) g.arn = `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${name}`;
      return {
        AutoScalingGroupName: name,
        AutoScalingGroupARN: g?.arn,
        MinSize: g?.minSize,
        MaxSize: g?.maxSize,
        DesiredCapacity: g?.desiredCapacity,
        NewInstancesProtectedFromScaleIn: g?.newInstancesProtected ?? false,
        TerminationPolicies: g?.terminationPolicies ?? ['Default'],
        EnabledMetrics: (g?.enabledMetrics ?? []).map((Metric) => ({ Metric, Granularity: METRICS_GRANULARITY })),
        ServiceLinkedRoleARN: g?.serviceLinkedRoleArn ?? 'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
        Instances: [...this.instances.values()]
          .filter((i) => i.groupName === name && this.described(i) !== 'Terminated')
          .map((i) => ({ InstanceId: i.instanceId, LifecycleState: this.described(i), HealthStatus: i.healthStatus ?? 'Healthy', ProtectedFromScaleIn: i.protectedFromScaleIn ?? false })),
      };
    });
    return { AutoScalingGroups: groups, NextToken: start + max < names.length ? String(start + max) : undefined };
  }

  /**
   * DescribeScalingActivities, at most 100 a page: "Activities are sorted by start time. Activities still in
   * progress are described first" (Auto Scaling API reference, DescribeScalingActivities): in progress
   * first, each part newest first. A launch is "Launching a new EC2 instance: i-…", in progress while
   * pending, WaitingForInstanceWarmup while it warms (Activity.StatusCode), then Successful. A scale-in that
   * waits under a lifecycle hook is "Terminating EC2 instance: i-…", MidLifecycleAction, whose StartTime is
   * when the instance left service.
   */
  private describeActivities(input: any) {
    const max = Math.min(input.MaxRecords ?? 100, 100);
    if ((input.MaxRecords ?? 100) > 100) throw awsError('ValidationError', 'MaxRecords must be at most 100');
    const now = this.now();
    const mine = [...this.instances.values()].filter((i) => i.groupName === input.AutoScalingGroupName);
    const launches = mine
      .filter((i) => i.launchedAt !== undefined)
      .map((i) => ({
        ActivityId: `launch-${i.instanceId}`,
        AutoScalingGroupName: i.groupName,
        Description: `Launching a new EC2 instance: ${i.instanceId}`,
        Cause: `At ${new Date(i.launchedAt!).toISOString()} an instance was started in response to a difference between desired and actual capacity, increasing the capacity.`,
        StartTime: new Date(i.launchedAt!),
        StatusCode: i.state.startsWith('Pending') ? (i.state === 'Pending:Wait' ? 'MidLifecycleAction' : 'InProgress') : i.state === 'InService' && now < (i.warmupEndsAt ?? i.launchedAt!) ? 'WaitingForInstanceWarmup' : 'Successful',
        Progress: i.state.startsWith('Pending') ? 30 : 100,
      }));
    const terminations = mine
      .filter((i) => i.terminationStartedAt !== undefined)
      .map((i) => ({
        ActivityId: `act-${i.instanceId}`,
        AutoScalingGroupName: i.groupName,
        Description: `Terminating EC2 instance: ${i.instanceId}`,
        Cause: `At ${new Date(i.terminationStartedAt!).toISOString()} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity.`,
        StartTime: new Date(i.terminationStartedAt!),
        StatusCode: i.state === 'Terminating:Wait' ? 'MidLifecycleAction' : i.state === 'Terminated' ? 'Successful' : 'InProgress',
        Progress: i.state === 'Terminated' ? 100 : 50,
      }));
    const all = [...launches, ...terminations].sort((a, b) => Number(ACTIVITY_DONE.has(a.StatusCode)) - Number(ACTIVITY_DONE.has(b.StatusCode)) || b.StartTime.getTime() - a.StartTime.getTime());
    const start = Number(input.NextToken ?? 0);
    return { Activities: all.slice(start, start + max), NextToken: start + max < all.length ? String(start + max) : undefined };
  }

  /**
   * SetInstanceHealth (Auto Scaling API reference): an unknown instance is a ValidationError. With
   * ShouldRespectGracePeriod (true unless false is given), a status set during the group's
   * HealthCheckGracePeriod after launch is not acted on; otherwise Unhealthy takes the instance out of
   * service for replacement: it terminates, under the terminate hook when there is one, and desired
   * capacity stays, so Auto Scaling launches its replacement.
   */
  private setInstanceHealth(input: any) {
    const i = this.instances.get(input.InstanceId);
    if (!i || i.state === 'Terminated') throw awsError('ValidationError', `Instance Id not found - No managed instance found for instance ID ${input.InstanceId}`);
    if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy') throw awsError('ValidationError', `Valid values for HealthStatus are Healthy and Unhealthy`);
    const grace = (this.groups.get(i.groupName)?.healthCheckGracePeriodSeconds ?? 0) * 1000;
    const inGrace = input.ShouldRespectGracePeriod !== false && i.launchedAt !== undefined && this.now() < i.launchedAt + grace;
    if (inGrace) return {};
    i.healthStatus = input.HealthStatus;
    if (input.HealthStatus === 'Unhealthy' && i.state === 'InService') this.beginTermination(i.instanceId);
    return {};
  }

  /** Whole-call rejection: one instance that is not InService/EnteringStandby/Standby refuses them all. */
  private setInstanceProtection(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    if (ids.length > IDS_PER_CALL) throw awsError('ValidationError', `The number of instance ids that may be passed in is limited to ${IDS_PER_CALL}`);
    this.group(input.AutoScalingGroupName);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || i.groupName !== input.AutoScalingGroupName || i.state === 'Terminated') {
        throw awsError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${input.AutoScalingGroupName}.`);
      }
      if (!PROTECTABLE.has(i.state)) throw awsError('ValidationError', `The instance ${id} is not in InService or EnteringStandby or Standby.`);
    }
    for (const id of ids) this.instances.get(id)!.protectedFromScaleIn = input.ProtectedFromScaleIn;
    return {};
  }

  /**
   * SendCommand with InstanceIds: at most 50, and the whole call fails with InvalidInstanceId when any
   * instance is not a managed node or is shutting down (Systems Manager API reference, SendCommand,
   * "InvalidInstanceId").
   */
  private sendCommand(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    if (ids.length > IDS_PER_CALL) throw awsError('ValidationException', `InstanceIds: at most ${IDS_PER_CALL}`);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || !i.ssmManaged || i.state === 'Terminating:Proceed' || i.state === 'Terminated') {
        throw awsError('InvalidInstanceId', 'The following supplied instance ids are not valid or the instances are not in a valid state: ' + id);
      }
    }
    this.commands.push({ instanceIds: [...ids], commands: [...(input.Parameters?.commands ?? [])] });
    return { Command: { CommandId: `cmd-${this.commands.length}`, InstanceIds: ids, Status: 'Pending' } };
  }

  /**
   * DescribeInstances by id: one unknown id fails the whole call with InvalidInstanceID.NotFound, a
   * malformed one with InvalidInstanceID.Malformed (EC2 API reference, "Error codes"). Terminated
   * instances stay visible for about an hour; ids never seen do not.
   */
  private describeInstances(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    for (const id of ids) if (!INSTANCE_ID.test(id)) throw awsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    const unknown = ids.filter((id) => !this.instances.has(id));
    if (unknown.length > 0) throw awsError('InvalidInstanceID.NotFound', `The instance IDs '${unknown.join(', ')}' do not exist`);
    const instances = ids.map((id) => this.instances.get(id)!);
    return {
      Reservations: instances.length === 0 ? [] : [{ Instances: instances.map((i) => ({ InstanceId: i.instanceId, LaunchTime: i.launchedAt === undefined ? undefined : new Date(i.launchedAt), PrivateIpAddress: i.privateIp, State: { Name: i.state === 'Terminated' ? 'terminated' : 'running' } })) }],
    };
  }

  private getMetricData(input: any) {
    const queries: any[] = input.MetricDataQueries;
    if (queries.length > MAX_QUERIES) throw awsError('ValidationError', `at most ${MAX_QUERIES} MetricDataQuery structures`);
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    const from = Number(input.NextToken ?? 0);
    const results = [];
    let points = 0;
    let next: string | undefined;
    for (let q = from; q < queries.length; q++) {
      const dims = queries[q].MetricStat.Metric.Dimensions as { Name: string; Value: string }[];
      const series = (this.metrics.get(dims.find((d) => d.Name === 'InstanceId')!.Value) ?? []).filter((p) => p.at >= start && p.at < end).sort((a, b) => b.at - a.at);
      if (points + series.length > MAX_DATAPOINTS && results.length > 0) {
        next = String(q);
        break;
      }
      points += series.length;
      results.push({ Id: queries[q].Id, Timestamps: series.map((p) => new Date(p.at)), Values: series.map((p) => p.value), StatusCode: 'Complete' });
    }
    return { MetricDataResults: results, NextToken: next };
  }

  private query(input: any) {
    const pk = input.ExpressionAttributeValues[':pk'].S;
    const items = [...this.table.values()].filter((i) => i.pk.S === pk).sort((a, b) => a.sk.S!.localeCompare(b.sk.S!));
    const startAfter = input.ExclusiveStartKey?.sk?.S;
    const out: Item[] = [];
    let bytes = 0;
    let last: Item | undefined;
    for (const item of items) {
      if (startAfter !== undefined && item.sk.S! <= startAfter) continue;
      bytes += JSON.stringify(item).length;
      if (bytes > QUERY_PAGE_BYTES) break;
      out.push(item);
      last = item;
    }
    const more = last !== undefined && items[items.length - 1] !== last;
    return { Items: out, LastEvaluatedKey: more ? { pk: last!.pk, sk: last!.sk } : undefined };
  }

  private key(k: Item): string {
    return `${k.pk.S}|${k.sk.S}`;
  }

  /** Each write takes one unit from its partition key's bucket; a hot key is throttled as DynamoDB throttles it. */
  private writeTo(pk: string): void {
    let bucket = this.partitionBuckets.get(pk);
    if (!bucket) this.partitionBuckets.set(pk, (bucket = new TokenBucket(PARTITION_WRITES_PER_SECOND, PARTITION_WRITES_PER_SECOND, this.now)));
    if (!bucket.take()) {
      this.calls.throttled++;
      throw awsError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.');
    }
  }

  private putItem(input: any) {
    this.writeTo(input.Item.pk.S);
    const key = this.key(input.Item);
    const existing = this.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed', 400, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {});
    }
    this.table.set(key, { ...input.Item });
    return {};
  }

  private updateItem(input: any) {
    this.writeTo(input.Key.pk.S);
    const key = this.key(input.Key);
    const existing = this.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed', 400, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {});
    }
    this.table.set(key, applyUpdate(input.UpdateExpression, { ...(existing ?? input.Key) }, input.ExpressionAttributeValues));
    return {};
  }

  private deleteItem(input: any) {
    this.writeTo(input.Key.pk.S);
    const key = this.key(input.Key);
    const existing = this.table.get(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    this.table.delete(key);
    return {};
  }

  /** All or nothing, at most 100 actions, each item at most once (DynamoDB API reference, TransactWriteItems). */
  private transact(input: any) {
    const items: any[] = input.TransactItems;
    if (items.length > 100) throw awsError('ValidationException', 'Member must have length less than or equal to 100');
    const ops = items.map((t) => t.Delete ?? t.Put ?? t.Update ?? t.ConditionCheck);
    const keys = ops.map((op) => this.key(op.Key ?? op.Item));
    if (new Set(keys).size !== keys.length) throw awsError('ValidationException', 'Transaction request cannot include multiple operations on one item');
    for (const op of ops) this.writeTo((op.Key ?? op.Item).pk.S);
    const reasons = ops.map((op, k) => {
      const existing = this.table.get(keys[k]);
      return op.ConditionExpression && !evaluateCondition(op.ConditionExpression, existing, op.ExpressionAttributeValues) ? 'ConditionalCheckFailed' : 'None';
    });
    if (reasons.some((r) => r !== 'None')) {
      throw awsError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`, 400, {
        CancellationReasons: reasons.map((Code, k) => (Code === 'ConditionalCheckFailed' && ops[k].ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Code, Item: this.table.get(keys[k]) } : { Code })),
      });
    }
    items.forEach((t, k) => {
      if (t.Delete) this.table.delete(keys[k]);
      if (t.Put) this.table.set(keys[k], { ...t.Put.Item });
      if (t.Update) this.table.set(keys[k], applyUpdate(t.Update.UpdateExpression, { ...(this.table.get(keys[k]) ?? t.Update.Key) }, t.Update.ExpressionAttributeValues));
    });
    return {};
  }
}

function classify(operation: string): { service: Service; write: boolean } {
  if (['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat', 'SetInstanceProtection', 'SetInstanceHealth', 'UpdateAutoScalingGroup', 'TerminateInstanceInAutoScalingGroup', 'EnableMetricsCollection', 'DisableMetricsCollection', 'PutLifecycleHook', 'DeleteLifecycleHook', 'PutScalingPolicy', 'DeletePolicy'].includes(operation)) {
    return { service: 'autoscaling-write', write: true };
  }
  if (operation.startsWith('DescribeAutoScaling') || ['DescribeScalingActivities', 'DescribeLifecycleHooks', 'DescribePolicies', 'DescribeWarmPool'].includes(operation)) return { service: 'autoscaling-read', write: false };
  if (operation === 'GetMetricData') return { service: 'cloudwatch', write: false };
  if (operation === 'SendCommand') return { service: 'ssm', write: true };
  if (operation === 'DescribeInstances') return { service: 'ec2', write: false };
  return { service: 'dynamodb', write: operation !== 'Query' && operation !== 'GetItem' };
}

/** Evaluates the condition expressions the store uses: attribute_(not_)exists, <, AND, OR, parentheses. */
export function evaluateCondition(expression: string, item: Item | undefined, values: Record<string, AttrValue> = {}): boolean {
  const tokens = expression.match(/attribute_not_exists\(\w+\)|attribute_exists\(\w+\)|\(|\)|AND|OR|[\w:]+|</g) ?? [];
  let pos = 0;
  const atom = (): boolean => {
    const t = tokens[pos++];
    if (t === '(') {
      const v = or();
      pos++; // ')'
      return v;
    }
    const exists = /^attribute_(not_)?exists\((\w+)\)$/.exec(t);
    if (exists) return (item?.[exists[2]] !== undefined) !== (exists[1] !== undefined);
    if (tokens[pos] === '<') {
      pos++;
      const right = values[tokens[pos++]];
      const left = item?.[t];
      return left?.N !== undefined && right?.N !== undefined && Number(left.N) < Number(right.N);
    }
    throw new Error(`condition not modelled: ${expression}`);
  };
  const and = (): boolean => {
    let v = atom();
    while (tokens[pos] === 'AND') {
      pos++;
      v = atom() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[pos] === 'OR') {
      pos++;
      v = and() || v;
    }
    return v;
  };
  return or();
}

/** Applies the update expressions the store uses: SET a = :x, b = :y REMOVE c ADD d :n. */
export function applyUpdate(expression: string, item: Item, values: Record<string, AttrValue>): Item {
  const clauses = expression.split(/\b(?=SET |REMOVE |ADD )/);
  for (const clause of clauses) {
    const [verb, ...rest] = clause.trim().split(/\s+/);
    const body = rest.join(' ');
    if (verb === 'SET') for (const part of body.split(',')) {
      const [name, value] = part.split('=').map((s) => s.trim());
      item[name] = values[value];
    }
    else if (verb === 'REMOVE') for (const name of body.split(',')) delete item[name.trim()];
    else if (verb === 'ADD') {
      const [name, value] = body.split(/\s+/);
      item[name] = { N: String(Number(item[name]?.N ?? 0) + Number(values[value].N)) };
    }
  }
  return item;
}
