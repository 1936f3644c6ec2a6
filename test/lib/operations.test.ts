import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { RUNBOOKS } from '../../lambdas/runbooks/runbooks';
import { makeApp } from '../helpers';

const [prod] = buildApp(makeApp(), { environments, selected: ['prod'], policyChecks: false });
const template = Template.fromStack(prod);
const ops = prod.operations;
const id = (c: { node: { defaultChild?: unknown } }) => prod.getLogicalId((c.node.defaultChild ?? c) as never);

test('one SSM Automation document per runbook, invoking its function and failing on a refusal', () => {
  const docs = template.findResources('AWS::SSM::Document', { Properties: { DocumentType: 'Automation' } });
  expect(Object.keys(docs)).toHaveLength(Object.keys(RUNBOOKS).length);
  for (const name of Object.keys(RUNBOOKS) as (keyof typeof RUNBOOKS)[]) {
    const doc = docs[id(ops.documents[name])].Properties.Content;
    expect(doc.schemaVersion).toBe('0.3');
    expect(doc.assumeRole).toBe('{{ AutomationAssumeRole }}');
    expect(doc.parameters.RequestedBy).toMatchObject({ type: 'String', allowedPattern: expect.any(String) });
    expect(doc.parameters.DryRun).toEqual(expect.objectContaining({ type: 'Boolean', default: false }));
    const [invoke, check] = doc.mainSteps;
    expect(invoke).toMatchObject({ action: 'aws:invokeLambdaFunction', inputs: { FunctionName: { 'Fn::GetAtt': [id(ops.runbooks[name]), 'Arn'] } } });
    expect(JSON.parse(invoke.inputs.Payload.replace(/\{\{ \w+ \}\}/g, '0'))).toHaveProperty('requestedBy');
    expect(check).toMatchObject({ action: 'aws:executeScript', inputs: { Handler: 'check', Script: expect.stringContaining('raise Exception') } });
  }
});

test('runbook parameters are typed and constrained: fleets by name, instance ids by pattern', () => {
  const docs = template.findResources('AWS::SSM::Document');
  const pause = docs[id(ops.documents['pause-scaling'])].Properties.Content.parameters;
  expect(pause.Fleet.allowedValues).toEqual(['etl', 'adhoc']);
  expect(pause.Reason.allowedPattern).toBeDefined();
  const drain = docs[id(ops.documents['drain-instance'])].Properties.Content.parameters;
  expect(drain.InstanceId.allowedPattern).toBe('^i-[0-9a-f]{8}([0-9a-f]{9})?$');
  expect(drain.DecrementDesiredCapacity).toMatchObject({ type: 'Boolean', default: false });
});

test('runbook functions are IAM-invoked only: no resource policy but the automation role\'s grant', () => {
  for (const fn of Object.values(ops.runbooks)) {
    template.resourcePropertiesCountIs('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [id(fn), 'Arn'] } }, 0);
    template.resourcePropertiesCountIs('AWS::Lambda::Url', { TargetFunctionArn: { 'Fn::GetAtt': [id(fn), 'Arn'] } }, 0);
  }
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ssm.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } } })] },
  });
});

test('deployment guard: CodeDeploy state changes of our applications, and a schedule that releases expired holds', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: { source: ['aws.codedeploy'], 'detail-type': ['CodeDeploy Deployment State-change Notification'], detail: { application: prod.fleets.map((f) => ({ Ref: id(f.deployment.application) })) } },
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(ops.guard), 'Arn'] } })],
  });
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(ops.guard), 'Arn'] } })] });
});

test('dashboard: capacity, CPU against target, running tasks, drains, forced, errors, DLQ, deployments', () => {
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
  expect(Object.keys(dashboards)).toHaveLength(1);
  const body = JSON.stringify(Object.values(dashboards)[0].Properties.DashboardBody);
  for (const needle of [
    'GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupTerminatingInstances', 'CPUUtilization', 'target', 'RunningTasks',
    'DrainDurationSeconds', 'p99', 'ForcedTerminations', 'TasksKilled', 'InstanceErrors', 'Throttles', 'ApproximateNumberOfMessagesVisible', 'deployment guard',
  ]) {
    expect(body).toContain(needle);
  }
});

test('alarms to the environment topic: forced termination, past deadline, errors, sweep stopped, DLQ, warm pool reuse, CPU pinned at max', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const topic = prod.resolve(prod.alarmTopic.topicArn);
  for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([topic]);
  const byMetric = (name: string) => alarms.filter((a) => JSON.stringify(a.Properties).includes(name));
  expect(byMetric('ForcedTerminations')).toHaveLength(1);
  expect(byMetric('DrainsPastDeadline')).toHaveLength(1);
  expect(byMetric('InstanceErrors')).toHaveLength(1);
  expect(byMetric('Invocations')).toHaveLength(1);
  expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(1);
  expect(byMetric('WarmPoolReuseEvents')).toHaveLength(1);
  const pinned = byMetric('GroupInServiceInstances');
  expect(pinned).toHaveLength(prod.fleets.length);
  expect(JSON.stringify(pinned[0].Properties.Metrics)).toMatch(/IF\(inService >= \d+ AND cpu > 40, 1, 0\)/);
  expect(pinned[0].Properties.EvaluationPeriods).toBe(15);
});

test('runbook IAM: each allows only its own writes, on our groups, table and deployment groups', () => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  const statementsOf = (fnKey: keyof typeof ops.runbooks) => {
    const roleId = prod.getLogicalId(ops.runbooks[fnKey].role!.node.defaultChild as never);
    return policies.filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  };
  const actions = (fnKey: keyof typeof ops.runbooks) => statementsOf(fnKey).flatMap((s) => [s.Action].flat());
  // Read-only: describes, queries, metric reads, and decrypting the encrypted table.
  expect(actions('fleet-status').filter((a: string) => !/Describe|Query|GetMetricData|xray|ec2:.*NetworkInterface|kms:Decrypt|ssm:GetAutomationExecution/.test(a))).toEqual([]);
  expect(actions('drain-instance')).toContain('autoscaling:TerminateInstanceInAutoScalingGroup');
  expect(actions('drain-instance')).not.toContain('autoscaling:CompleteLifecycleAction');
  expect(actions('deploy')).toContain('codedeploy:CreateDeployment');
  expect(actions('deployment-status')).toEqual(expect.arrayContaining(['codedeploy:GetDeployment']));
  expect(actions('deployment-status')).not.toContain('codedeploy:CreateDeployment');
  // The store's writes: a hold is a TransactWriteItems with a ConditionCheck (DynamoDB needs
  // ConditionCheckItem for it); force-complete's finish deletes, puts history and a tombstone.
  expect(actions('pause-scaling')).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem']));
  expect(actions('force-complete')).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']));
  for (const s of statementsOf('pause-scaling').filter((x) => [x.Action].flat().includes('autoscaling:SetInstanceProtection'))) {
    expect(JSON.stringify(s.Resource)).not.toContain('"*"');
  }
});
