import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BootSteps } from './boot-steps';
import type { FleetConfig } from './config';
import { nagResourceFinding } from './nag-finding';
import type { IWorkerFleet } from './worker-fleet-base';

/** The CodeDeploy agent's boot step, as the InstallFailures metric names it. */
export const CODEDEPLOY_AGENT_STEP = 'codedeploy-agent';

/** Properties of a FleetDeployment. */
export interface FleetDeploymentProps {
  /** The fleet's group. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /**
   * Installs the CodeDeploy agent as a boot step of these instances (before any other step added after
   * this construct). @default not installed: the instances' image must carry the agent
   */
  readonly installAgentOn?: BootSteps;
  /** How deployments roll across the fleet. @default codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME */
  readonly deploymentConfig?: codedeploy.IServerDeploymentConfig;
}

/**
 * CodeDeploy for one fleet: a Server application and an in-place deployment group bound to the group,
 * with the agent installed at boot and automatic rollback when a deployment fails or is stopped.
 */
export class FleetDeployment extends Construct {
  readonly application: codedeploy.ServerApplication;
  readonly deploymentGroup: codedeploy.ServerDeploymentGroup;

  constructor(scope: Construct, id: string, props: FleetDeploymentProps) {
    super(scope, id);
    this.application = new codedeploy.ServerApplication(this, 'Application');
    const stack = Stack.of(this);
    // CodeDeploy's service role, scoped to this fleet's group, in place of AWSCodeDeployRole, which allows
    // Auto Scaling writes (lifecycle hooks, capacity, scaling policies, group creation) on every group of
    // the account. An in-place deployment to a group needs: describing the group and its instances, and
    // on this group only, its own launch hook (put, delete, complete, heartbeat) and suspending and
    // resuming processes while it deploys (CodeDeploy user guide, "Integrating CodeDeploy with Amazon EC2
    // Auto Scaling"; the actions AWSCodeDeployRole grants, narrowed). Blue/green deployments, which copy
    // groups, are not supported by this role.
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'CodeDeploy in-place deployments to one graceful-autoscaler fleet',
    });
    const groupArn = stack.formatArn({ service: 'autoscaling', resource: 'autoScalingGroup', resourceName: `*:autoScalingGroupName/${props.autoScalingGroup.autoScalingGroupName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'autoscaling:PutLifecycleHook',
          'autoscaling:DeleteLifecycleHook',
          'autoscaling:CompleteLifecycleAction',
          'autoscaling:RecordLifecycleActionHeartbeat',
          'autoscaling:SuspendProcesses',
          'autoscaling:ResumeProcesses',
        ],
        resources: [groupArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // Describe and read-only calls: no resource-level permissions exist for them.
        actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLifecycleHooks', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'tag:GetResources'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Describe* and tag:GetResources have no resource-level permissions; every write is on this fleet\'s group only.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceFinding(stack, groupArn).slice('Resource::'.length)}]`.replace('[', '[Resource::'),
      reason: 'The group\'s ARN with its generated id wildcarded: IAM matches Auto Scaling groups by name this way.',
    });
    this.deploymentGroup = new codedeploy.ServerDeploymentGroup(this, 'DeploymentGroup', {
      // Immutable to the deployment group: it would otherwise attach AWSCodeDeployRole to any role it is given.
      role: role.withoutPolicyUpdates(),
      application: this.application,
      autoScalingGroups: [props.autoScalingGroup],
      // CDK's install runs `yum update -y` under `set -e` in the shared user data, so any failure there
      // stopped every later line; ours is an independent, retried, reported boot step instead.
      installAgent: false,
      deploymentConfig: props.deploymentConfig ?? codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME,
      autoRollback: { failedDeployment: true, stoppedDeployment: true },
    });
    if (props.installAgentOn) this.installAgent(props.installAgentOn);
  }

  /**
   * The agent from AWS's installer bucket of the region, as the CodeDeploy user guide documents for
   * Amazon Linux 2023 ("Install the CodeDeploy agent for Amazon Linux or RHEL"): Ruby, then `install
   * auto`. The installer fetches the agent package itself over HTTPS from the same public bucket.
   */
  private installAgent(fleet: BootSteps): void {
    const stack = Stack.of(this);
    const installer = `arn:${stack.partition}:s3:::aws-codedeploy-${stack.region}/latest/install`;
    fleet.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [installer] }));
    fleet.addBootStep(CODEDEPLOY_AGENT_STEP, [
      'dnf install -y ruby',
      'installer_dir=$(mktemp -d)',
      `aws s3 cp 's3://aws-codedeploy-${stack.region}/latest/install' "$installer_dir/install" --region ${stack.region}`,
      'chmod +x "$installer_dir/install"',
      '"$installer_dir/install" auto',
      'rm -rf "$installer_dir"',
      // The step succeeds only with the agent running: CodeDeploy's launch deployments need it.
      'systemctl is-active --quiet codedeploy-agent || systemctl start codedeploy-agent',
    ]);
  }
}

/** One deployed fleet and the constructs that serve it. */
export interface DeployedFleet {
  /** The fleet's resolved configuration (lib/config). */
  readonly config: FleetConfig;
  /** A WorkerFleet this stack launched, or an ExistingWorkerFleet it adopted. */
  readonly fleet: IWorkerFleet;
  /** Its CodeDeploy application and deployment group. */
  readonly deployment: FleetDeployment;
}
