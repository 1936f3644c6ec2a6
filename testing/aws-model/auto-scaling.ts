/**
 * Auto Scaling's API on the model's groups and instances: Describe*, lifecycle actions, protection, health,
 * group settings, hooks, policies, metrics collection and TerminateInstanceInAutoScalingGroup.
 */
import { randomUUID } from 'node:crypto';
import { awsError } from './throttling';
import { IDS_PER_CALL, type LifecycleState, type ModelGroup, type ModelInstance, type ModelState } from './types';

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

/** SetInstanceProtection accepts only these states (Auto Scaling API reference, SetInstanceProtection; "Use instance scale-in protection"). */
const PROTECTABLE = new Set<LifecycleState>(['InService', 'EnteringStandby', 'Standby']);
/** CompleteLifecycleAction's LifecycleActionResult: "CONTINUE | ABANDON" (Auto Scaling API reference). */
const LIFECYCLE_RESULTS = new Set(['CONTINUE', 'ABANDON']);
/** DescribeScalingActivities status codes that end an activity (Auto Scaling API reference, Activity). */
const ACTIVITY_DONE = new Set(['Successful', 'Failed', 'Cancelled']);

export class AutoScalingApi {
  constructor(private readonly m: ModelState) {}

  /** Answers an Auto Scaling operation, or undefined when the operation is not Auto Scaling's. */
  handle(operation: string, input: any): Record<string, unknown> | undefined {
    switch (operation) {
      case 'DescribeAutoScalingGroups':
        return this.describeGroups(input);
      case 'DescribeAutoScalingInstances': {
        const ids: string[] = input.InstanceIds ?? [];
        if (ids.length > IDS_PER_CALL) throw awsError('ValidationError', `The number of instance ids that may be passed in is limited to ${IDS_PER_CALL}`);
        return {
          AutoScalingInstances: ids
            .map((id) => this.m.instances.get(id))
            .filter((i): i is ModelInstance => !!i && i.state !== 'Terminated')
            .map((i) => ({ InstanceId: i.instanceId, AutoScalingGroupName: i.groupName, LifecycleState: this.m.described(i), ProtectedFromScaleIn: i.protectedFromScaleIn ?? false })),
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
        const i = this.m.instances.get(input.InstanceId);
        const wait = i?.wait;
        if (!i || !wait || i.state !== 'Terminating:Wait' || i.groupName !== input.AutoScalingGroupName || wait.hookName !== input.LifecycleHookName) {
          throw awsError('ValidationError', `No active Lifecycle Action found with instance ID ${input.InstanceId}`);
        }
        if (operation === 'CompleteLifecycleAction') {
          i.state = 'Terminating:Proceed';
          i.completedAt = this.m.now();
          i.result = { result: input.LifecycleActionResult, by: 'complete' };
        } else {
          // A heartbeat restarts the timeout, never past the global limit (RecordLifecycleActionHeartbeat).
          wait.expiresAt = Math.min(wait.limitAt, this.m.now() + wait.heartbeatTimeoutMs);
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
        const i = this.m.instances.get(input.InstanceId);
        if (!i || i.state === 'Terminated') throw awsError('ValidationError', `Instance Id not found - No managed instance found for instance ID ${input.InstanceId}`);
        const g = this.group(i.groupName);
        if (input.ShouldDecrementDesiredCapacity) {
          // TerminateInstanceInAutoScalingGroup may not take desired capacity below the minimum.
          if (g.desiredCapacity <= g.minSize) throw awsError('ValidationError', `Currently, desiredSize equals minSize (${g.minSize}). Terminating instance without replacement will violate group's min size constraint.`);
          g.desiredCapacity--;
        }
        this.m.beginTermination(i.instanceId);
        return { Activity: { ActivityId: `act-${i.instanceId}`, StatusCode: 'InProgress' } };
      }
      default:
        return undefined;
    }
  }

  private group(name: string): ModelGroup {
    const g = this.m.groups.get(name);
    if (!g) throw awsError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
    return g;
  }

  private describeGroups(input: any) {
    const names: string[] = input.AutoScalingGroupNames ?? [];
    const max = input.MaxRecords ?? 50;
    if (names.length > Math.max(50, max)) throw awsError('ValidationError', 'too many AutoScalingGroupNames');
    const start = Number(input.NextToken ?? 0);
    const page = names.slice(start, start + max).filter((name) => this.m.groups.has(name) || [...this.m.instances.values()].some((i) => i.groupName === name));
    const groups = page.map((name) => {
      const g = this.m.groups.get(name);
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
        Instances: [...this.m.instances.values()]
          .filter((i) => i.groupName === name && this.m.described(i) !== 'Terminated')
          .map((i) => ({ InstanceId: i.instanceId, LifecycleState: this.m.described(i), HealthStatus: i.healthStatus ?? 'Healthy', ProtectedFromScaleIn: i.protectedFromScaleIn ?? false })),
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
    const now = this.m.now();
    const mine = [...this.m.instances.values()].filter((i) => i.groupName === input.AutoScalingGroupName);
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
    const i = this.m.instances.get(input.InstanceId);
    if (!i || i.state === 'Terminated') throw awsError('ValidationError', `Instance Id not found - No managed instance found for instance ID ${input.InstanceId}`);
    if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy') throw awsError('ValidationError', `Valid values for HealthStatus are Healthy and Unhealthy`);
    const grace = (this.m.groups.get(i.groupName)?.healthCheckGracePeriodSeconds ?? 0) * 1000;
    const inGrace = input.ShouldRespectGracePeriod !== false && i.launchedAt !== undefined && this.m.now() < i.launchedAt + grace;
    if (inGrace) return {};
    i.healthStatus = input.HealthStatus;
    if (input.HealthStatus === 'Unhealthy' && i.state === 'InService') this.m.beginTermination(i.instanceId);
    return {};
  }

  /** Whole-call rejection: one instance that is not InService/EnteringStandby/Standby refuses them all. */
  private setInstanceProtection(input: any) {
    const ids: string[] = input.InstanceIds ?? [];
    if (ids.length > IDS_PER_CALL) throw awsError('ValidationError', `The number of instance ids that may be passed in is limited to ${IDS_PER_CALL}`);
    this.group(input.AutoScalingGroupName);
    for (const id of ids) {
      const i = this.m.instances.get(id);
      if (!i || i.groupName !== input.AutoScalingGroupName || i.state === 'Terminated') {
        throw awsError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${input.AutoScalingGroupName}.`);
      }
      if (!PROTECTABLE.has(i.state)) throw awsError('ValidationError', `The instance ${id} is not in InService or EnteringStandby or Standby.`);
    }
    for (const id of ids) this.m.instances.get(id)!.protectedFromScaleIn = input.ProtectedFromScaleIn;
    return {};
  }
}
