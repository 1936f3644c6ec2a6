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
  readonly name: string;
  /**
   * The fleet's group. One this stack defines (an `AutoScalingGroup`) gets the termination policy in its
   * own definition; an imported one (`AutoScalingGroup.fromAutoScalingGroupName`) is adopted through a
   * custom resource that restores the group's own policies when the stack is deleted.
   */
  readonly group: autoscaling.IAutoScalingGroup;
  readonly drainTimeout: Duration;
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
  readonly environmentName: string;
  readonly fleets: readonly ManagedFleet[];
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Encrypts the queue, its DLQ, the drain table and the function logs; must allow events.amazonaws.com. */
  readonly key: kms.IKey;
  readonly controller: ControllerConfig;
  /**
   * Where the straggler function publishes BottleneckedMinutes, when a fleet detects stragglers: the
   * termination policy then takes stragglers first among equally busy instances. @default none
   */
  readonly stragglersNamespace?: string;
}
