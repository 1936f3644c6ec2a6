import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { EnvironmentInput } from '../../lib/config';
import { DRAIN_HOOK_NAME } from '../../lib/names';
import { makeApp } from '../helpers';

// One Template for the prod stack (existing network, two fleets, a 3 h drain) and one for a variant
// environment that uses SSM to stop workers and Trino's API to count tasks.
const app = makeApp();
const [prod] = buildApp(app, { environments, selected: ['prod'], policyChecks: false });
const template = Template.fromStack(prod);

const variantInput: EnvironmentInput = {
  ...environments.dev,
  controller: { taskSource: { kind: 'trino', port: 8081 }, stopWorker: { kind: 'ssm', commands: ['sudo systemctl start trino-graceful-shutdown'] }, idleReadings: 2 },
};
const [variant] = buildApp(makeApp(), { environments: { variant: variantInput }, policyChecks: false });
const variantTemplate = Template.fromStack(variant);

const groupIds = prod.fleets.map((f) => prod.getLogicalId(f.fleet.autoScalingGroup.node.defaultChild as never));
const fnId = (fn: { node: { defaultChild?: unknown } }) => prod.getLogicalId(fn.node.defaultChild as never);

test('EventBridge rule for our hook on our groups, into the encrypted queue', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
      detail: { AutoScalingGroupName: groupIds.map((id) => ({ Ref: id })), LifecycleHookName: [DRAIN_HOOK_NAME] },
    },
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [prod.getLogicalId(prod.drainController.queue.node.defaultChild as never), 'Arn'] } })],
  });
});

test('queue and DLQ: KMS-encrypted, redrive after 5 receives, retention longer than any drain', () => {
  const dlqId = prod.getLogicalId(prod.drainController.deadLetterQueue.node.defaultChild as never);
  template.hasResourceProperties('AWS::SQS::Queue', {
    KmsMasterKeyId: Match.anyValue(),
    MessageRetentionPeriod: 4 * 86_400,
    VisibilityTimeout: 360,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
  });
  template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 86_400 });
});

test('event function: partial batch responses from the queue', () => {
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: fnId(prod.drainController.eventFunction) },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    BatchSize: 10,
  });
});

test('sweep every minute, not retried, without a reserved-concurrency requirement on the account', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 minute)',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId(prod.drainController.sweepFunction), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
  });
  template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 55, ReservedConcurrentExecutions: Match.absent() });
});

test('functions: Node.js 24 on arm64, in the VPC, traced, with settings naming every group and its drain', () => {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { CONTROLLER_SETTINGS: Match.anyValue() } } } });
  expect(Object.keys(fns)).toHaveLength(2);
  for (const fn of Object.values(fns)) {
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(environments.prod.network.kind === 'existing' ? environments.prod.network.privateSubnets.map((s) => s.subnetId) : []);
    const settings = JSON.stringify(fn.Properties.Environment.Variables.CONTROLLER_SETTINGS);
    expect(settings).toContain(DRAIN_HOOK_NAME);
    expect(settings).toContain('10800'); // etl's 3 h drain
    expect(settings).toContain('"kind\\":\\"metric');
  }
});

test('termination policy: 2 s timeout, attached to every group, invocable by the Auto Scaling service-linked role', () => {
  const tp = fnId(prod.drainController.terminationPolicyFunction);
  template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 2, Environment: { Variables: { TERMINATION_POLICY_SETTINGS: Match.anyValue() } } });
  const groups = template.findResources('AWS::AutoScaling::AutoScalingGroup');
  for (const id of groupIds) {
    expect(groups[id].Properties.TerminationPolicies).toEqual([{ 'Fn::GetAtt': [tp, 'Arn'] }]);
    expect(groups[id].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/AutoScalingInvokesTerminationPolicy/)]));
  }
  const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: { 'Fn::GetAtt': [tp, 'Arn'] } } }));
  expect(permissions).toHaveLength(1);
  expect(permissions[0].Properties.Action).toBe('lambda:InvokeFunction');
  expect(JSON.stringify(permissions[0].Properties.Principal)).toMatch(/:role\/aws-service-role\/autoscaling.amazonaws.com\/AWSServiceRoleForAutoScaling"/);
});

test('the termination policy runs outside the VPC when it reads metrics, inside when it reads each worker', () => {
  const vpcConfig = (t: Template, stack: typeof prod) => t.toJSON().Resources[stack.getLogicalId(stack.drainController.terminationPolicyFunction.node.defaultChild as never)].Properties.VpcConfig;
  expect(vpcConfig(template, prod)).toBeUndefined();
  // The drain functions stay in the VPC either way.
  expect(template.toJSON().Resources[fnId(prod.drainController.eventFunction)].Properties.VpcConfig).toBeDefined();
  expect(vpcConfig(variantTemplate, variant)).toMatchObject({ SecurityGroupIds: [{ 'Fn::GetAtt': [variant.getLogicalId(variant.drainController.securityGroup.node.defaultChild as never), 'GroupId'] }] });
});

test('IAM: lifecycle writes only on our groups, never autoscaling:* or writes on *', () => {
  const policies = template.findResources('AWS::IAM::Policy');
  const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  // CodeDeploy's service role manages its own launch hook: one statement per fleet, on that fleet's group only.
  const codeDeploy = statements.filter((s) => [s.Action].flat().includes('autoscaling:PutLifecycleHook'));
  expect(codeDeploy).toHaveLength(groupIds.length);
  for (const s of codeDeploy) expect(groupIds.filter((id) => JSON.stringify(s.Resource).includes(id))).toHaveLength(1);
  const lifecycle = statements.filter((s) => !codeDeploy.includes(s) && [s.Action].flat().some((a: string) => /LifecycleAction/.test(a)));
  // The event and sweep functions (complete + heartbeat), and the force-complete runbook (complete only).
  expect(lifecycle.filter((s) => [s.Action].flat().includes('autoscaling:RecordLifecycleActionHeartbeat'))).toHaveLength(2);
  expect(lifecycle).toHaveLength(3);
  for (const s of lifecycle) {
    expect(JSON.stringify(s.Resource)).not.toContain('"*"');
    for (const id of groupIds) expect(JSON.stringify(s.Resource)).toContain(id);
  }
  for (const s of statements) {
    const actions = [s.Action].flat() as string[];
    expect(actions).not.toContain('autoscaling:*');
    if ([s.Resource].flat().includes('*')) {
      for (const a of actions) expect(a).toMatch(/^(autoscaling:Describe|cloudwatch:GetMetricData|ec2:DescribeInstance|tag:GetResources$|xray:|cloudwatch:PutMetricData|ssm:(UpdateInstanceInformation|ListInstanceAssociations|UpdateInstanceAssociationStatus|DescribeInstanceProperties)$|ssmmessages:|ec2messages:)/);
    }
  }
});

test('drain table: encrypted with the CMK, point-in-time recovery, TTL on history, retained', () => {
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: Match.objectLike({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
    DeletionPolicy: 'Retain',
  });
});

test('variant: SSM stop is scoped to the environment tag; Trino counting opens the worker port to the controller only', () => {
  variantTemplate.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: 'ssm:SendCommand', Condition: { StringEquals: { 'ssm:resourceTag/graceful-autoscaler:environment': 'variant' } } }),
      ]),
    },
  });
  const statements = Object.values(variantTemplate.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  expect(statements.some((s) => [s.Action].flat().includes('ec2:DescribeInstances') && s.Resource === '*')).toBe(true);
  variantTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: 8081,
    ToPort: 8081,
    SourceSecurityGroupId: { 'Fn::GetAtt': [variant.getLogicalId(variant.drainController.securityGroup.node.defaultChild as never), 'GroupId'] },
  });
  const fns = variantTemplate.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { CONTROLLER_SETTINGS: Match.anyValue() } } } });
  const settings = JSON.stringify(Object.values(fns)[0].Properties.Environment.Variables.CONTROLLER_SETTINGS);
  expect(settings).toContain('trino-graceful-shutdown');
  expect(settings).toContain('"idleReadings\\":2');
});

test('every function that touches the drain table may use its customer-managed key, or DynamoDB refuses it', () => {
  const keyId = prod.getLogicalId(prod.key.node.defaultChild as never);
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  const tableUsers = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('"dynamodb:'));
  expect(tableUsers.length).toBeGreaterThanOrEqual(8); // event, sweep, six runbooks and the guard share roles per function
  for (const p of tableUsers) {
    const statements = p.Properties.PolicyDocument.Statement as any[];
    const writes = statements.some((st) => [st.Action].flat().some((a: string) => /dynamodb:(PutItem|UpdateItem|DeleteItem)/.test(a)));
    const kms = statements.filter((st) => JSON.stringify(st.Resource).includes(keyId)).flatMap((st) => [st.Action].flat());
    expect(kms).toEqual(expect.arrayContaining(writes ? ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:Encrypt'] : ['kms:Decrypt']));
  }
});

test('EventBridge may use the key for the encrypted queue even when the alarm topic is imported', () => {
  const input = { ...environments.dev, account: '123456789012', region: 'eu-west-1', notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } };
  const [stack] = buildApp(makeApp(), { environments: { imported: input }, policyChecks: false });
  const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
  const principals = (key.Properties.KeyPolicy.Statement as any[]).map((st) => JSON.stringify(st.Principal));
  expect(principals.some((p) => p.includes('events.amazonaws.com'))).toBe(true);
});

test('IAM: the event and sweep functions may call every Auto Scaling read the controller makes', () => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  for (const fn of [prod.drainController.eventFunction, prod.drainController.sweepFunction]) {
    const roleId = prod.getLogicalId(fn.role!.node.defaultChild as never);
    const actions = policies.filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId)).flatMap((p) => (p.Properties.PolicyDocument.Statement as any[]).flatMap((s) => [s.Action].flat()));
    // listWaitingInstances, filterWaiting, terminationStartTimes (lambdas/aws/auto-scaling-fleet.ts).
    expect(actions).toEqual(expect.arrayContaining(['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeScalingActivities', 'autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat']));
  }
});
