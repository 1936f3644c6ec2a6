/**
 * Adoption of groups this stack does not define: a function and one custom resource per group, which set
 * our termination policy and the group metrics the dashboard reads, and restore what they found on delete
 * (lambdas/adoption/handler.ts). Built by the DrainController (lib/drain-controller.ts).
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ControllerFunction } from './controller-function';
import { DrainControllerProps, ManagedFleet } from './drain-controller-props';
import { DRAIN_HOOK_NAME, metricsServiceName } from './names';
import { nagResourceFinding } from './nag-finding';

/**
 * CloudFormation waits up to an hour for a custom resource; adoption is a few Auto Scaling calls. The
 * handler keeps its last 30 s for answering (RESPONSE_RESERVE_MS), so the work has 60 s.
 */
const ADOPTION_TIMEOUT = Duration.seconds(90);

/** The adoption function, and per adopted fleet the custom resource that holds our termination policy on its group. */
export interface AdoptedGroups {
  readonly adoptionFunction: ControllerFunction;
  readonly adoptions: Map<string, CustomResource>;
}

/**
 * Groups this stack does not define: a custom resource per group sets our termination policy and the
 * group metrics the dashboard reads, and on delete puts back what it found (lambdas/adoption/handler.ts).
 * Its function runs outside the VPC: it calls only Auto Scaling and CloudFormation's response URL.
 */
export function adoptGroups(scope: Construct, terminationPolicyFunction: lambda.IFunction, props: DrainControllerProps, fleets: readonly ManagedFleet[], permission: lambda.CfnPermission): AdoptedGroups {
  const stack = Stack.of(scope);
  const adoptionFunction = new ControllerFunction(scope, 'GroupAdoptionFunction', {
    entry: 'group-adoption',
    key: props.key,
    serviceName: metricsServiceName(props.environmentName),
    description: `graceful-autoscaler ${props.environmentName}: adopts existing groups (termination policy, group metrics) and restores them on delete`,
    timeout: ADOPTION_TIMEOUT,
    // What a genuine request must match: the handler trusts no stack, group or function named only in
    // the event (it carries no resource policy, but this account's principals may still invoke it).
    environment: {
      DRAIN_HOOK_NAME,
      STACK_ID: stack.stackId,
      TERMINATION_POLICY_ARN: terminationPolicyFunction.functionArn,
      ADOPTED_GROUPS: stack.toJsonString(fleets.map((f) => f.group.autoScalingGroupName)),
    },
    retryAttempts: 0,
  });
  // Describe* have no resource-level permissions; the writes are on the adopted groups only.
  adoptionFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeLifecycleHooks', 'autoscaling:DescribeWarmPool'], resources: ['*'] }));
  const groupArns = fleets.map((f) => f.group.autoScalingGroupArn);
  adoptionFunction.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:EnableMetricsCollection', 'autoscaling:DisableMetricsCollection'], resources: groupArns }),
  );
  Validations.of(adoptionFunction).acknowledge(
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'DescribeAutoScalingGroups, DescribeLifecycleHooks and DescribeWarmPool support no resource-level permissions; the writes are on the adopted groups only.' },
    ...groupArns.map((arn) => ({
      id: `AwsSolutions-IAM5[${nagResourceFinding(stack, arn)}]`,
      reason: 'An adopted group is named, not created here: IAM matches it by name with its generated id wildcarded.',
    })),
    {
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason: "It runs only during deploys and calls only Auto Scaling's public API and CloudFormation's pre-signed response URL; it reaches nothing inside the VPC.",
    },
  );
  const adoptions = new Map<string, CustomResource>();
  for (const f of fleets) {
    const adoption = new CustomResource(scope, `Adopt-${f.name}`, {
      serviceToken: adoptionFunction.functionArn,
      resourceType: 'Custom::GracefulAutoscalerGroupAdoption',
      properties: { GroupName: f.group.autoScalingGroupName, TerminationPolicy: terminationPolicyFunction.functionArn },
    });
    // Auto Scaling must be allowed to invoke the function before a group names it.
    adoption.node.addDependency(permission);
    adoptions.set(f.name, adoption);
  }
  return { adoptionFunction, adoptions };
}
