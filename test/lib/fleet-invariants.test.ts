import { CfnTemplate, checkFleetInvariants } from '../../lib/fleet-invariants';
import { DRAIN_HOOK_NAME } from '../../lib/names';

const hook = { LifecycleHookName: DRAIN_HOOK_NAME, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', DefaultResult: 'CONTINUE', HeartbeatTimeout: 720 };
const launchTemplate = {
  Type: 'AWS::EC2::LaunchTemplate',
  Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' }, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }] } },
};
const compliant: CfnTemplate = {
  Resources: {
    Group: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LifecycleHookSpecificationList: [hook] } },
    LaunchTemplate: launchTemplate,
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'autoscaling:DescribeAutoScalingGroups', Resource: '*' },
            { Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'], Resource: 'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/etl' },
          ],
        },
      },
    },
  },
};

test('a compliant template has no findings', () => {
  expect(checkFleetInvariants(compliant)).toEqual([]);
});

test.each<[string, CfnTemplate, string, string]>([
  ['group without any hook', { Resources: { G: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: {} } } }, 'GA-HOOK', 'G'],
  ['group with only a CodeDeploy launch hook', { Resources: { G: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LifecycleHookSpecificationList: [{ LifecycleHookName: 'CodeDeploy-managed-automatic-launch-deployment-hook-x', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }] } } } }, 'GA-HOOK', 'G'],
  ['our hook with ABANDON', { Resources: { G: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LifecycleHookSpecificationList: [{ ...hook, DefaultResult: 'ABANDON' }] } } } }, 'GA-HOOK', 'G'],
  ['our hook on an adopted group with ABANDON', { Resources: { H: { Type: 'AWS::AutoScaling::LifecycleHook', Properties: { ...hook, AutoScalingGroupName: 'theirs', DefaultResult: 'ABANDON' } } } }, 'GA-HOOK', 'H'],
  ['autoscaling:* on *', { Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'autoscaling:*', Resource: '*' }] } } } } }, 'GA-IAM-AUTOSCALING', 'P'],
  ['CompleteLifecycleAction on *', { Resources: { P: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'], Resource: ['*'] }] } } } } }, 'GA-IAM-AUTOSCALING', 'P'],
  ['* on * in a role inline policy', { Resources: { R: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }] } } } }, 'GA-IAM-AUTOSCALING', 'R'],
  ['IMDSv1 allowed', { Resources: { L: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } } } } }, 'GA-LAUNCH-TEMPLATE', 'L'],
  ['unencrypted volume', { Resources: { L: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' }, BlockDeviceMappings: [{ Ebs: { VolumeSize: 8 } }] } } } } }, 'GA-LAUNCH-TEMPLATE', 'L'],
])('%s is a finding', (_name, template, rule, logicalId) => {
  expect(checkFleetInvariants(template)).toEqual([expect.objectContaining({ rule, logicalId })]);
});

test('a Deny on * is not a finding', () => {
  const template: CfnTemplate = { Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'autoscaling:*', Resource: '*' }] } } } } };
  expect(checkFleetInvariants(template)).toEqual([]);
});

test('managed policies count: a role with AWSCodeDeployRole breaks GA-IAM-AUTOSCALING', () => {
  const template: CfnTemplate = {
    Resources: {
      ...compliant.Resources,
      DeployRole: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSCodeDeployRole']] }] } },
    },
  };
  expect(checkFleetInvariants(template)).toEqual([{ rule: 'GA-IAM-AUTOSCALING', logicalId: 'DeployRole', location: 'Properties/ManagedPolicyArns/0' }]);
});
