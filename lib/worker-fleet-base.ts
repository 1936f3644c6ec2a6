import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A fleet as the drain controller, its deployment and operations see it, whether this stack launched its
 * group (WorkerFleet) or adopted one another stack, Terraform or the console made (ExistingWorkerFleet).
 */
export interface IWorkerFleet {
  /** Short fleet name (`etl`): in tags, construct ids and the hook's notification metadata. */
  readonly fleetName: string;
  /** The group our hook, termination policy and target tracking are on. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** How long a draining instance may wait before the controller forces it. */
  readonly drainTimeout: Duration;
  /** The hook's heartbeat timeout, derived from the drain timeout. */
  readonly heartbeatTimeout: Duration;
  /**
   * The workers' security group, opened to the controller when it calls the workers' HTTP API.
   * @default unknown: the controller may not call the workers
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Grants the workers' instances a permission: on our instance role, or on the policy an adopted fleet's
   * operator attaches. The acknowledgements go where the statement lands (cdk-nag findings it raises).
   */
  addToWorkerPolicy(statement: iam.PolicyStatement, acknowledgements?: readonly Acknowledgement[]): void;
}

/** A policy finding acknowledged with its reason (Validations.acknowledge). */
export interface Acknowledgement {
  /** The finding's id, as the validation report names it (`AwsSolutions-IAM5[Resource::*]`). */
  readonly id: string;
  /** Why the finding is accepted, for the report and its reviewer. */
  readonly reason: string;
}
