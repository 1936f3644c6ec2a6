import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { heartbeatTimeoutForDrain } from '../core/lifecycle-limits';
import { Acknowledgement, IWorkerFleet } from './worker-fleet-base';
import { DRAIN_HOOK_NAME, workerMetricNamespaces, workerPolicyOutputKey } from './names';
import { DEFAULT_DRAIN_TIMEOUT, DEFAULT_TARGET_CPU_PERCENT } from './worker-fleet';
import { PropsValidationError, childPath } from './props-validation';

/** Properties of an ExistingWorkerFleet. */
export interface ExistingWorkerFleetProps {
  /** Short fleet name (`etl`), used in construct ids and the hook's notification metadata. */
  readonly fleetName: string;
  /**
   * The group another stack, Terraform or the console created, e.g.
   * `autoscaling.AutoScalingGroup.fromAutoScalingGroupName(this, 'Group', 'trino-workers')`.
   */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** The environment's agent namespace (names.agentNamespace): each worker may publish to its own namespace under it, and to it. */
  readonly metricsNamespace: string;
  /**
   * The workers' security group, when the controller calls the workers' HTTP API (task source or stop
   * "trino"): this stack adds one ingress rule to it from the controller. @default none
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /** Average CPU percent our target tracking policy holds the group at. @default DEFAULT_TARGET_CPU_PERCENT */
  readonly targetCpuPercent?: number;
  /** How long a draining instance may wait before the controller forces it. @default DEFAULT_DRAIN_TIMEOUT */
  readonly drainTimeout?: Duration;
}

/**
 * A group this stack does not own, adopted: our termination hook as an `AWS::AutoScaling::LifecycleHook`
 * on it, our CPU target tracking policy, and a managed policy for the operator to attach to the workers'
 * own instance role. The least-busy termination policy is set by the drain controller (it owns the
 * function) through a custom resource that restores the group's own on delete. Every one of these is a
 * resource of this stack: deleting the stack removes each and leaves the group as it was. The group's
 * launch template, sizes, instances, tags and other hooks and policies are never touched.
 */
export class ExistingWorkerFleet extends Construct implements IWorkerFleet {
  readonly fleetName: string;
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  readonly drainTimeout: Duration;
  readonly heartbeatTimeout: Duration;
  readonly securityGroup?: ec2.ISecurityGroup;
  /** Our termination hook on the group. */
  readonly hook: autoscaling.CfnLifecycleHook;
  /** Target tracking on the group's average CPU. */
  readonly cpuPolicy: autoscaling.TargetTrackingScalingPolicy;
  /**
   * What the workers need from us (publishing task counts, reading CodeDeploy revisions): attach it to the
   * group's instance role. The stack outputs its ARN.
   */
  readonly workerPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ExistingWorkerFleetProps) {
    // The worker policy's output key is the fleet's name (workerPolicyOutputKey): unique within the stack.
    // Checked before this construct joins the tree, so a refused fleet leaves nothing behind.
    const outputKey = workerPolicyOutputKey(props.fleetName);
    const stack = Stack.of(scope);
    const clash = stack.node.findAll().find((c): c is ExistingWorkerFleet => c instanceof ExistingWorkerFleet && workerPolicyOutputKey(c.fleetName) === outputKey);
    if (clash) {
      throw new PropsValidationError(
        childPath(scope, id),
        'fleetName',
        props.fleetName,
        `must differ, ignoring non-alphanumerics, from every other adopted fleet's in stack ${stack.stackName}: ${clash.node.path} ("${clash.fleetName}") already outputs ${outputKey}`,
      );
    }
    super(scope, id);
    this.fleetName = props.fleetName;
    this.autoScalingGroup = props.autoScalingGroup;
    this.securityGroup = props.securityGroup;
    this.drainTimeout = props.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
    this.heartbeatTimeout = Duration.seconds(heartbeatTimeoutForDrain(this.drainTimeout.toSeconds()));
    const targetCpuPercent = props.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;

    // A separate hook resource, not the group's inline list (which only the group's owner can write).
    // Instances already running are covered from the moment it exists: a hook applies to every
    // termination Auto Scaling starts after PutLifecycleHook (Auto Scaling user guide, "Add lifecycle hooks").
    this.hook = new autoscaling.CfnLifecycleHook(this, 'DrainHook', {
      autoScalingGroupName: props.autoScalingGroup.autoScalingGroupName,
      lifecycleHookName: DRAIN_HOOK_NAME,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      // If the controller is gone, the instance still terminates rather than waiting forever.
      defaultResult: 'CONTINUE',
      heartbeatTimeout: this.heartbeatTimeout.toSeconds(),
      notificationMetadata: Stack.of(this).toJsonString({ fleet: props.fleetName, drainTimeoutSeconds: this.drainTimeout.toSeconds() }),
    });

    // Auto Scaling combines it with any policy the group already has: out if any asks, in only if all agree
    // (Auto Scaling user guide, "Multiple dynamic scaling policies"). Its warmup is the group's default.
    this.cpuPolicy = new autoscaling.TargetTrackingScalingPolicy(this, 'CpuTargetTracking', {
      autoScalingGroup: props.autoScalingGroup,
      predefinedMetric: autoscaling.PredefinedMetric.ASG_AVERAGE_CPU_UTILIZATION,
      targetValue: targetCpuPercent,
    });

    // PutMetricData has no resource-level permissions: the namespace condition is the only scope IAM
    // offers (CloudWatch IAM reference, "cloudwatch:namespace"), so a worker can write only its own
    // instance's namespace (${ec2:SourceInstanceARN}) and the environment's shared one, never another
    // worker's task counts or pressure, nor the signals namespace that scales the fleet.
    this.workerPolicy = new iam.ManagedPolicy(this, 'WorkerPolicy', {
      description: `graceful-autoscaler ${props.fleetName}: attach to the adopted group's instance role (the agent's task counts, CodeDeploy revisions)`,
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': workerMetricNamespaces(props.metricsNamespace) } },
        }),
      ],
    });
    Validations.of(this.workerPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "cloudwatch:PutMetricData has no resource-level permissions; the cloudwatch:namespace condition holds it to the calling instance's own namespace and this environment's shared agent namespace.",
    });
    const output = new CfnOutput(this, 'WorkerPolicyArn', {
      description: `Attach to the instance role of group ${props.fleetName}'s workers (docs/adopt-existing-fleet.md)`,
      value: this.workerPolicy.managedPolicyArn,
    });
    // A key an operator can ask for by name (docs/RUNBOOK.md's `out`), beside FleetStack's <fleet>GroupName
    // and <fleet>AgentConfig: under this construct CDK would hash it (FleetlegacyWorkerPolicyArn640AAA0C).
    // Renaming an output replaces nothing, and it has no export another stack could import.
    output.overrideLogicalId(outputKey);
  }

  addToWorkerPolicy(statement: iam.PolicyStatement, acknowledgements: readonly Acknowledgement[] = []): void {
    this.workerPolicy.addStatements(statement);
    if (acknowledgements.length > 0) Validations.of(this.workerPolicy).acknowledge(...acknowledgements);
  }
}
