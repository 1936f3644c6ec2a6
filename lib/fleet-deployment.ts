import { Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import { nagResourceFinding } from './nag-finding';

/** Properties of a FleetDeployment. */
export interface FleetDeploymentProps {
  /** The fleet's group; a concrete group, because installing the agent adds to its user data. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
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
    this.deploymentGroup = new codedeploy.ServerDeploymentGroup(this, 'DeploymentGroup', {
      application: this.application,
      autoScalingGroups: [props.autoScalingGroup],
      installAgent: true,
      deploymentConfig: props.deploymentConfig ?? codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME,
      autoRollback: { failedDeployment: true, stoppedDeployment: true },
    });
    // installAgent grants the instance role read on AWS's public agent installer bucket for the region.
    const stack = Stack.of(this);
    const agentObjects = nagResourceFinding(stack, `arn:${stack.partition}:s3:::aws-codedeploy-${stack.region}/latest/*`);
    Validations.of(props.autoScalingGroup.role).acknowledge(
      ...['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', agentObjects].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: 'Read-only access to the AWS-owned CodeDeploy agent installer bucket of this region, as CodeDeploy documents for installing the agent at boot.',
      })),
    );
    Validations.of(this.deploymentGroup).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRole]',
      reason: 'AWSCodeDeployRole is the service role CodeDeploy documents for EC2/Auto Scaling deployments: it installs and completes lifecycle hooks of its own, whose names CodeDeploy generates, on the group.',
    });
  }
}
