import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { resolveEnvironments } from '../../lib/config';
import { FleetStack } from '../../lib/fleet-stack';
import { agentNamespace, signalsNamespace } from '../../lib/names';
import { makeApp } from '../helpers';

// Staging's adhoc fleet names its coordinator, so its signals are on by default; dev has none.
const stacks = buildApp(makeApp(), { environments, policyChecks: false });
const staging = stacks.find((s) => s.stackName === 'GracefulAutoscaler-staging') as FleetStack;
const dev = stacks.find((s) => s.stackName === 'GracefulAutoscaler-dev') as FleetStack;
const template = Template.fromStack(staging);
const config = resolveEnvironments(environments).find((c) => c.name === 'staging')!;
const signalled = config.fleets.filter((f) => f.scaling);
const fnId = () => staging.getLogicalId(staging.scalingSignals!.function.node.defaultChild as never);

test('the workloads under test have signals on somewhere and off somewhere', () => {
  expect(signalled.map((f) => f.name)).toEqual(['adhoc']);
  expect(dev.scalingSignals).toBeUndefined();
  expect(Template.fromStack(dev).findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SIGNALS_SETTINGS: Match.anyValue() } } } })).toEqual({});
});

test('one signals function in the VPC, once a minute, configured with each fleet, its coordinator and its tunables', () => {
  const fn = template.findResources('AWS::Lambda::Function')[fnId()];
  expect(fn.Properties.VpcConfig).toBeDefined();
  // The settings are JSON joined around the group's Ref: put the group's name in its place and read them.
  const joined = staging.resolve(fn.Properties.Environment.Variables.SIGNALS_SETTINGS)['Fn::Join'][1] as unknown[];
  const settings = JSON.parse(joined.map((part) => (typeof part === 'string' ? part : 'GROUP')).join(''));
  expect(settings).toEqual({
    namespace: signalsNamespace('staging'),
    user: 'graceful-autoscaler',
    timeoutMs: 5000,
    fleets: [
      {
        fleet: 'adhoc',
        groupName: 'GROUP',
        coordinatorUrl: 'http://trino-adhoc-coordinator.staging.internal:8080',
        policy: { targetBacklogSeconds: 120, toleratedBacklogSeconds: 10, scaleInLookbackMinutes: 8, scaleInHorizonMinutes: 15, targetCpuPercent: 40 },
        // The drain's price check, on by default with signals: an hour of an instance per kill, drains up to 6 h, and the vCPUs of its first instance type.
        drainPricing: { killPenaltyInstanceSeconds: 3600, maxDrainSeconds: 21600, vcpus: config.fleets.find((f) => f.name === 'adhoc')!.drainPricing!.vcpus },
      },
    ],
  });
  expect(fn.Properties.Environment.Variables.DRAIN_TABLE_NAME).toEqual(staging.resolve(staging.drainController.table.tableName));
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 minute)',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId(), 'Arn'] } })],
  });
});

test('least privilege: publishes only to the signals namespace, reads metrics and groups, and never sets capacity', () => {
  const roleId = staging.getLogicalId(staging.scalingSignals!.function.role!.node.defaultChild as never);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: { Ref?: string }) => r.Ref === roleId));
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
  expect(actions).toEqual(expect.arrayContaining(['cloudwatch:PutMetricData', 'cloudwatch:GetMetricData', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities']));
  expect(actions.filter((a: string) => /SetDesiredCapacity|UpdateAutoScalingGroup|ExecutePolicy|PutScalingPolicy/.test(a))).toEqual([]);
  // The drain price check: the drain table only, to list drains, move a deadline and keep run-time histories; never delete.
  const dynamo = statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
  expect(dynamo.flatMap((s: { Action: string | string[] }) => [s.Action].flat()).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  for (const s of dynamo) expect(JSON.stringify(s.Resource)).toContain(staging.getLogicalId(staging.drainController.table.node.defaultChild as never));
  // Only its two partitions: the run-time histories, and the active drains, of which it may change the deadline alone.
  const of = (action: string) => dynamo.find((s: { Action: string | string[] }) => [s.Action].flat().includes(action));
  expect(of('dynamodb:PutItem').Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['RUNTIMES'] } });
  expect(of('dynamodb:GetItem')).toBe(of('dynamodb:PutItem'));
  expect(of('dynamodb:Query').Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACTIVE#*'] } });
  expect(of('dynamodb:UpdateItem').Condition).toMatchObject({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACTIVE#*'] }, 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'deadlineAt'] } });
  const put = statements.find((s: { Action: string | string[] }) => [s.Action].flat().includes('cloudwatch:PutMetricData'));
  expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': signalsNamespace('staging') } });
  // The workers may write the agent's namespace only: none can publish a ratio that scales its fleet.
  expect(signalsNamespace('staging')).not.toBe(agentNamespace('staging'));
});

test('backpressure, missing signals and an empty query list on a working fleet alarm to the environment topic, per signalled fleet', () => {
  const topic = staging.resolve(staging.alarmTopic.topicArn);
  for (const f of signalled) {
    const ceiling = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `ga.staging.CapacityCeilingAlarm-${f.name}` } });
    const [alarm] = Object.values(ceiling);
    // A labelled metric renders as a one-entry Metrics array.
    expect(alarm.Properties.AlarmActions).toEqual([topic]);
    expect(alarm.Properties.Metrics[0].MetricStat).toMatchObject({
      Metric: { MetricName: 'ScalingDecisions', Namespace: signalsNamespace('staging'), Dimensions: expect.arrayContaining([{ Name: 'Fleet', Value: f.name }, { Name: 'Rule', Value: 'capacity-ceiling' }]) },
      Stat: 'Sum',
    });
    expect(alarm.Properties.EvaluationPeriods).toBe(5);
    expect(alarm.Properties.AlarmDescription).toContain('capacity ceiling: queries queueing');
    const missing = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `ga.staging.SignalsUnavailableAlarm-${f.name}` } }));
    expect(missing).toHaveLength(1);
    expect(missing[0].Properties.AlarmActions).toEqual([topic]);
    // A coordinator that lists nothing while the fleet works: 10 minutes, then the operator is told why.
    const [invisible] = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `ga.staging.QueriesInvisibleAlarm-${f.name}` } }));
    expect(invisible.Properties.AlarmActions).toEqual([topic]);
    expect(invisible.Properties.Metrics[0].MetricStat).toMatchObject({ Metric: { MetricName: 'QueriesInvisible', Namespace: signalsNamespace('staging'), Dimensions: [{ Name: 'Fleet', Value: f.name }] }, Stat: 'Sum' });
    expect(invisible.Properties.EvaluationPeriods).toBe(10);
    expect(invisible.Properties.TreatMissingData).toBe('notBreaching');
    expect(invisible.Properties.AlarmDescription).toContain('lists only the queries the caller may view');
  }
  // Fleets without signals get none of them.
  for (const f of config.fleets.filter((x) => !x.scaling)) {
    expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `ga.staging.CapacityCeilingAlarm-${f.name}` } })).toEqual({});
    expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `ga.staging.QueriesInvisibleAlarm-${f.name}` } })).toEqual({});
  }
});

test('the dashboard shows the queue, the ratio, the rule that decided and the ceiling line', () => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(staging.resolve(dashboard.Properties.DashboardBody));
  expect(body).toContain('adhoc: queue (backlog) and needed ÷ current capacity');
  expect(body).toContain('adhoc: which rule decided');
  expect(body).toContain('capacity ceiling: queries queueing');
  expect(body).toContain('NeededCapacityRatio');
  expect(body).toContain('working, yet the coordinator lists no queries');
  // The drain's price check: what it weighed, what it did, and how well its history predicts.
  expect(body).toContain('adhoc: drain price check: queries a force would kill, drains extended');
  for (const metric of ['DrainQueriesAtRisk', 'DrainsExtended', 'RemainingTimeUnderrunShare']) expect(body).toContain(metric);
});

test('a signalled fleet scales out from zero: a step policy adds one instance on an alarm over queued queries and none in service', () => {
  const steps = template.findResources('AWS::AutoScaling::ScalingPolicy', { Properties: { PolicyType: 'StepScaling' } });
  expect(Object.keys(steps)).toHaveLength(signalled.length);
  const [[stepId, step]] = Object.entries(steps);
  expect(step.Properties).toMatchObject({ AdjustmentType: 'ChangeInCapacity', MetricAggregationType: 'Maximum', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] });
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a.Properties.AlarmActions ?? []).includes(stepId));
  expect(alarms).toHaveLength(1);
  const [alarm] = alarms;
  expect(alarm.Properties).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching' });
  const metrics = alarm.Properties.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string; Namespace: string }; Period: number; Stat: string } }[];
  const expression = metrics.find((m) => m.Expression);
  expect(expression).toMatchObject({ Expression: 'IF(inService == 0 AND queued > 0, 1, 0)' });
  expect(metrics.find((m) => m.Id === 'inService')!.MetricStat).toMatchObject({ Metric: { MetricName: 'GroupInServiceInstances', Namespace: 'AWS/AutoScaling' }, Period: 60, Stat: 'Maximum' });
  expect(metrics.find((m) => m.Id === 'queued')!.MetricStat).toMatchObject({ Metric: { MetricName: 'QueuedQueries', Namespace: signalsNamespace('staging') }, Period: 60, Stat: 'Maximum' });
  // GroupInServiceInstances exists only while the group collects its metrics.
  const groupId = step.Properties.AutoScalingGroupName.Ref;
  const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[groupId];
  expect(group.Properties.MetricsCollection).toEqual([{ Granularity: '1Minute' }]);
  // A fleet without signals has no queue to see, and no such policy.
  expect(Template.fromStack(dev).findResources('AWS::AutoScaling::ScalingPolicy', { Properties: { PolicyType: 'StepScaling' } })).toEqual({});
});
