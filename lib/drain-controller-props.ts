/**
 * What a DrainController takes: the fleets it drains and where it runs. Apart from the construct so the
 * files that build its parts (its IAM, group adoption) read the same types without importing it.
 */
import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ControllerConfig } from './config';

/** A group this stack does not define (imported by name): its settings are adopted, not declared. */
export function isAdopted(group: autoscaling.IAutoScalingGroup): boolean {
  return !(group.node.defaultChild instanceof autoscaling.CfnAutoScalingGroup);
}

/** A fleet the controller drains. */
export interface ManagedFleet {
  /** The fleet's name, unique among the controller's fleets: its settings, queues and drain records know the fleet by it. */
  readonly name: string;
  /**
   * The fleet's group. One this stack defines (an `AutoScalingGroup`) gets the termination policy in its
   * own definition; an imported one (`AutoScalingGroup.fromAutoScalingGroupName`) is adopted through a
   * custom resource that restores the group's own policies when the stack is deleted.
   */
  readonly group: autoscaling.IAutoScalingGroup;
  /** How long a draining instance may wait for its running tasks before the controller completes its lifecycle action anyway. */
  readonly drainTimeout: Duration;
  /** The fleet's hook's heartbeat timeout (IWorkerFleet.heartbeatTimeout): a drain longer than it is kept waiting with heartbeats. */
  readonly heartbeatTimeout: Duration;
  /** The workers' graceful-shutdown grace period (Trino `shutdown.grace-period`): the unsafe window after a stop. */
  readonly shutdownGrace: Duration;
  /**
   * The workers' security group; opened to the controller when it calls the workers' HTTP API, which
   * then needs it. @default none
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * The instance role of the fleet's workers, when their agent reports "drained" to the queue: it may
   * send messages, and reports are accepted only from instances under it (by its unique id, so a role
   * this stack creates). @default no reports
   */
  readonly reportingRole?: iam.Role;
  /**
   * The instance role of the fleet's workers, when their agent sends its in-service readings to the
   * fleet's own readings queue instead of CloudWatch: it may send to that queue only, and readings are
   * accepted only from instances under it (by its unique id, so a role this stack creates). @default the
   * agent publishes its readings to CloudWatch (an adopted group, whose role is not ours to name)
   */
  readonly readingsRole?: iam.Role;
}

/** Properties of a DrainController. */
export interface DrainControllerProps {
  /** The environment (lower-case letters, digits and dashes, at most 24): it names the controller's rules and metrics. */
  readonly environmentName: string;
  /** The fleets it drains, at least one, each named once. */
  readonly fleets: readonly ManagedFleet[];
  /** The VPC its functions run in: they call the workers (their HTTP API, or SSM) and AWS through it. */
  readonly vpc: ec2.IVpc;
  /** The subnets of `vpc` its functions run in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Encrypts the queue, its DLQ, the drain table and the function logs; must allow events.amazonaws.com. */
  readonly key: kms.IKey;
  /** How the controller counts a worker's tasks and stops it, and how many idle readings make it drained (defaultControllerConfig). */
  readonly controller: ControllerConfig;
  /**
   * Where the straggler function publishes BottleneckedMinutes, when a fleet detects stragglers: the
   * termination policy then takes stragglers first among equally busy instances. @default none
   */
  readonly stragglersNamespace?: string;
}
