/**
 * The drain controller's functions' permissions: reads where AWS allows no scoping, lifecycle writes
 * only on our groups, SendCommand only to our instances. Apart from the construct (lib/drain-controller.ts),
 * which calls it once its functions exist.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DrainControllerProps, isAdopted } from './drain-controller-props';
import { TAG_ENVIRONMENT } from './names';
import { nagResourceFinding } from './nag-finding';

/** The controller's three functions. */
export interface ControllerFunctions {
  readonly eventFunction: lambda.IFunction;
  readonly sweepFunction: lambda.IFunction;
  readonly terminationPolicyFunction: lambda.IFunction;
}

/** Least privilege: reads where AWS allows no scoping, lifecycle writes only on our groups. */
export function grantControllerAccess(scope: Construct, fns: ControllerFunctions, grantTable: (fn: iam.IGrantable, ...actions: string[]) => void, props: DrainControllerProps): void {
  const drainFunctions = [fns.eventFunction, fns.sweepFunction];
  const groupArns = props.fleets.map((f) => f.group.autoScalingGroupArn);
  for (const fn of drainFunctions) {
    // Describe* actions support no resource-level permissions (Service Authorization Reference, Auto Scaling).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeScalingActivities'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'], resources: groupArns }),
    );
    grantTable(fn, 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem');
  }
  const c = props.controller;
  const readers: lambda.IFunction[] = [...drainFunctions, fns.terminationPolicyFunction];
  for (const fn of readers) {
    if (c.taskSource.kind === 'metric' || (fn === fns.terminationPolicyFunction && props.stragglersNamespace)) {
      // GetMetricData supports no resource-level permissions (Service Authorization Reference, CloudWatch).
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    }
  }
  const needsEc2 = [fns.terminationPolicyFunction, ...(c.taskSource.kind === 'trino' || c.stopWorker.kind === 'trino' ? drainFunctions : [])];
  for (const fn of needsEc2) {
    // DescribeInstances supports no resource-level permissions (Service Authorization Reference, EC2).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
  }
  if (c.stopWorker.kind === 'ssm') {
    const stack = Stack.of(scope);
    for (const fn of drainFunctions) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ssm:SendCommand'],
          resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' })],
        }),
      );
      // Only instances tagged with this environment: the workers of these fleets.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ssm:SendCommand'],
          resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
          conditions: { StringEquals: { [`ssm:resourceTag/${TAG_ENVIRONMENT}`]: props.environmentName } },
        }),
      );
      // Adopted groups' instances carry no tag of ours, but Auto Scaling tags every instance it launches
      // with aws:autoscaling:groupName (Auto Scaling user guide, "Tag Auto Scaling groups and instances").
      const adopted = props.fleets.filter((f) => isAdopted(f.group)).map((f) => f.group.autoScalingGroupName);
      if (adopted.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['ssm:SendCommand'],
            resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
            conditions: { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': adopted } },
          }),
        );
      }
    }
  }
  for (const fn of [...drainFunctions, fns.terminationPolicyFunction]) {
    Validations.of(fn).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Only Describe*/GetMetricData, X-Ray and ENI actions, which support no resource-level permissions; lifecycle writes are scoped to our groups.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Data keys of this environment\'s CMK, which encrypts the drain table and queues; granted by CDK for that key only.' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Re-encryption under this environment\'s CMK only, as CDK grants for encrypted queues and tables.' },
      {
        id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(scope), Stack.of(scope).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }))}]`,
        reason: "SendCommand on instances carrying this environment's tag (ssm:resourceTag condition).",
      },
      ...groupArns.map((arn) => ({
        id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(scope), arn)}]`,
        reason: 'A group ARN carries a UUID Auto Scaling assigns at creation; the group name pins it to our group.',
      })),
    );
  }
}
