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
    fleets: [{ fleet: 'adhoc', groupName: 'GROUP', coordinatorUrl: 'http://trino-adhoc-coordinator.staging.internal:8080', policy: { targetBacklogSeconds: 120, toleratedBacklogSeconds: 10, scaleInLookbackMinutes: 8, scaleInHorizonMinutes: 15, targetCpuPercent: 40 } }],
  });
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
});
