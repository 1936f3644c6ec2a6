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
 *
 * This file holds the model's state, its lifecycle clock and the client hook; each service answers from
 * its own file under testing/aws-model/ (types, throttling and errors, DynamoDB expressions and table,
 * Auto Scaling, EC2/SSM/CloudWatch).
 */
import { DRAIN_HOOK_NAME } from '../core/contract/names';
import { AutoScalingApi } from './aws-model/auto-scaling';
import { DynamoTable } from './aws-model/dynamo-table';
import { InstancesAndMetrics } from './aws-model/ec2-ssm-cloudwatch';
import { awsError, classify, throttlingError, TokenBucket } from './aws-model/throttling';
import type { AwsModelOptions, Item, LifecycleState, ModelGroup, ModelInstance, ModelState, Service } from './aws-model/types';

export type { AwsModelOptions, LifecycleState, ModelGroup, ModelInstance } from './aws-model/types';
export { applyUpdate, evaluateCondition } from './aws-model/dynamo-expressions';

/**
 * PutLifecycleHook's defaults, HeartbeatTimeout 3600 s and DefaultResult ABANDON, and the global limit on a
 * wait: min(48 h, 100 × HeartbeatTimeout) (Auto Scaling API reference, PutLifecycleHook; user guide,
 * "Amazon EC2 Auto Scaling lifecycle hooks", "Considerations and limitations").
 */
const DEFAULT_HEARTBEAT_TIMEOUT_S = 3600;
const DEFAULT_RESULT = 'ABANDON';
const WAIT_LIMIT_MS = (heartbeatTimeoutMs: number) => Math.min(48 * 3600_000, 100 * heartbeatTimeoutMs);
const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';

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
  private readonly now: () => number;
  private readonly lagMs: number;
  private readonly latencyMs: number;
  private readonly autoScaling: AutoScalingApi;
  private readonly instancesAndMetrics: InstancesAndMetrics;
  private readonly dynamo: DynamoTable;

  constructor(options: AwsModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lagMs = options.consistencyLagMs ?? 5000;
    this.latencyMs = options.latencyMs ?? 0;
    for (const [k, v] of Object.entries(options.limits ?? {})) if (v) this.buckets.set(k as Service, new TokenBucket(v.rate, v.burst, this.now));
    const state: ModelState = {
      instances: this.instances,
      groups: this.groups,
      metrics: this.metrics,
      table: this.table,
      commands: this.commands,
      calls: this.calls,
      now: () => this.now(),
      described: (i) => this.described(i),
      beginTermination: (instanceId) => this.beginTermination(instanceId),
    };
    this.autoScaling = new AutoScalingApi(state);
    this.instancesAndMetrics = new InstancesAndMetrics(state);
    this.dynamo = new DynamoTable(state);
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
    i.wait = { hookName: hook[0], expiresAt: at + heartbeatTimeoutMs, limitAt: at + WAIT_LIMIT_MS(heartbeatTimeoutMs), heartbeatTimeoutMs, defaultResult: typeof hook[1].DefaultResult === 'string' ? hook[1].DefaultResult : DEFAULT_RESULT };
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
            throw throttlingError(service);
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
    const output = this.autoScaling.handle(operation, input) ?? this.instancesAndMetrics.handle(operation, input) ?? this.dynamo.handle(operation, input);
    if (output === undefined) throw awsError('UnknownOperationException', `${operation} is not modelled`);
    return output;
  }
}
