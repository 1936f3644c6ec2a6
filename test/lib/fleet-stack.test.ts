import { WorkerFleet } from '../../lib/worker-fleet';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { EnvironmentConfig, NewFleetConfig, resolveEnvironments } from '../../lib/config';
import { FleetStack } from '../../lib/fleet-stack';
import { DRAIN_HOOK_NAME, METRICS_NAMESPACE } from '../../lib/names';
import { makeApp } from '../helpers';

// One app and one Template per environment stack, shared by every assertion below.
const app = makeApp();
const stacks = buildApp(app, { environments, policyChecks: false });
const configs = resolveEnvironments(environments);
const templates = new Map<string, Template>(stacks.map((s) => [s.stackName, Template.fromStack(s)]));

const cases = configs.map((config): [string, EnvironmentConfig, FleetStack, Template] => {
  const stack = stacks.find((s) => s.stackName === `GracefulAutoscaler-${config.name}`)!;
  return [config.name, config, stack, templates.get(stack.stackName)!];
});

/** How the template names a fleet's group: a Ref to ours, the name of an adopted one. */
function groupRef(stack: FleetStack, fleetName: string): unknown {
  const fleet = stack.fleets.find((f) => f.config.name === fleetName)!;
  return fleet.config.existing ? fleet.config.existing.groupName : { Ref: groupLogicalId(stack, fleetName) };
}

function groupLogicalId(stack: FleetStack, fleetName: string): string {
  const fleet = stack.fleets.find((f) => f.config.name === fleetName)!;
  return stack.getLogicalId(fleet.fleet.autoScalingGroup.node.defaultChild as never);
}

function launchTemplateLogicalId(stack: FleetStack, fleetName: string): string {
  const fleet = stack.fleets.find((f) => f.config.name === fleetName)!;
  return stack.getLogicalId((fleet.fleet as WorkerFleet).launchTemplate.node.defaultChild as never);
}

test('one stack per environment with stable names', () => {
  expect(stacks.map((s) => s.stackName)).toEqual(['GracefulAutoscaler-dev', 'GracefulAutoscaler-staging', 'GracefulAutoscaler-prod']);
});

test('prod is pinned to its region; dev and staging stay env-agnostic', () => {
  const byName = Object.fromEntries(stacks.map((s) => [s.stackName, s]));
  expect(byName['GracefulAutoscaler-prod'].region).toBe('eu-west-1');
  expect(byName['GracefulAutoscaler-dev'].environment).toBe('aws://unknown-account/unknown-region');
});

describe.each(cases)('environment %s', (_name, config, stack, template) => {
  test('one Auto Scaling group, scaling policy, application and deployment group per fleet', () => {
    const n = config.fleets.length;
    const adopted = config.fleets.filter((f) => f.existing).length;
    // Groups and launch templates only for the fleets this stack launches; adopted groups keep their own.
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', n - adopted);
    // CPU target tracking on every fleet; on fleets with scaling signals, the ratio's second policy and the
    // step policy that scales out from zero; on the fleets it launches, predictive scaling unless off.
    const predictive = config.fleets.filter((f) => !f.existing && f.predictiveScaling !== 'off').length;
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', n + 2 * config.fleets.filter((f) => f.scaling).length + predictive);
    template.resourceCountIs('AWS::CodeDeploy::Application', n);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', n);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', n - adopted);
    // Our hook is inline on our groups, never a separate resource that could miss the first instances;
    // only an adopted group, which we cannot define, gets it as a resource of its own.
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', adopted);
  });

  describe.each(config.fleets.filter((f): f is NewFleetConfig => !f.existing).map((f) => [f.name, f] as const))('fleet %s', (fleetName, fleet) => {
    test('group: sizes, warmup, 1-minute group metrics, inline terminate hook from the drain timeout', () => {
      const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[groupLogicalId(stack, fleetName)];
      expect(group.Properties).toMatchObject({
        MinSize: String(fleet.minCapacity),
        MaxSize: String(fleet.maxCapacity),
        DefaultInstanceWarmup: fleet.instanceWarmupSeconds,
        MetricsCollection: [{ Granularity: '1Minute' }],
        LifecycleHookSpecificationList: [
          {
            LifecycleHookName: DRAIN_HOOK_NAME,
            LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            DefaultResult: 'CONTINUE',
            HeartbeatTimeout: fleet.heartbeatTimeoutSeconds,
            NotificationMetadata: JSON.stringify({ fleet: fleet.name, drainTimeoutSeconds: fleet.drainTimeoutSeconds }),
          },
        ],
      });
      expect(group.Properties.DesiredCapacity).toBeUndefined();
      expect(group.Properties.Tags).toEqual(
        expect.arrayContaining([{ Key: 'graceful-autoscaler:fleet', Value: fleet.name, PropagateAtLaunch: true }]),
      );
    });

    test('group: instance types as mixed-instances overrides in order of preference', () => {
      const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[groupLogicalId(stack, fleetName)];
      const overrides = group.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides;
      expect(overrides).toEqual(fleet.instanceTypes.map((InstanceType) => ({ InstanceType })));
      expect(group.Properties.CapacityRebalance).toBe(fleet.spot !== undefined);
      const distribution = group.Properties.MixedInstancesPolicy.InstancesDistribution;
      expect(distribution.OnDemandPercentageAboveBaseCapacity).toBe(fleet.spot?.onDemandPercentageAboveBase ?? 100);
    });

    test(`target tracking on ASGAverageCPUUtilization at ${fleet.targetCpuPercent}`, () => {
      template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
        AutoScalingGroupName: { Ref: groupLogicalId(stack, fleetName) },
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
          TargetValue: fleet.targetCpuPercent,
        },
      });
    });

    test(fleet.scaling ? 'scaling signals: a second target tracking policy holds the needed-capacity ratio at 1.0' : 'no scaling signals: CPU is the only policy', () => {
      const policies = Object.values(template.findResources('AWS::AutoScaling::ScalingPolicy')).filter((p) => JSON.stringify(p.Properties.AutoScalingGroupName) === JSON.stringify({ Ref: groupLogicalId(stack, fleetName) }));
      const ratio = policies.filter((p) => p.Properties.TargetTrackingConfiguration?.CustomizedMetricSpecification);
      expect(policies.filter((p) => p.Properties.PolicyType === 'StepScaling')).toHaveLength(fleet.scaling ? 1 : 0);
      if (!fleet.scaling) {
        expect(ratio).toHaveLength(0);
        return;
      }
      expect(ratio).toHaveLength(1);
      expect(ratio[0].Properties).toMatchObject({
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          TargetValue: 1,
          CustomizedMetricSpecification: { Namespace: `${METRICS_NAMESPACE}/${config.name}/signals`, MetricName: 'NeededCapacityRatio', Dimensions: [{ Name: 'Fleet', Value: fleet.name }], Statistic: 'Average' },
        },
      });
      // Both target tracking policies scale in: Auto Scaling then scales in only when both agree. The step
      // policy only ever adds (a ChangeInCapacity of +1), so it has no say in a scale-in.
      const tracking = policies.filter((p) => p.Properties.PolicyType === 'TargetTrackingScaling');
      expect(tracking).toHaveLength(2);
      expect(tracking.every((p) => !p.Properties.TargetTrackingConfiguration.DisableScaleIn)).toBe(true);
    });

    test('CodeDeploy deployment group bound to the group, rolling back on failure or stop', () => {
      const deploymentConfigName =
        typeof fleet.deploymentConfig === 'string' ? `CodeDeployDefault.${fleet.deploymentConfig}` : Match.objectLike({ Ref: Match.anyValue() });
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        AutoScalingGroups: [{ Ref: groupLogicalId(stack, fleetName) }],
        AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']) },
        DeploymentConfigName: deploymentConfigName,
      });
      if (typeof fleet.deploymentConfig !== 'string') {
        template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
          MinimumHealthyHosts: { Type: 'FLEET_PERCENT', Value: fleet.deploymentConfig.minimumHealthyHostsPercent },
        });
      }
    });

    test('launch template: AL2023 from SSM at deploy time, IMDSv2, encrypted gp3, no public IP, detailed monitoring, agent in user data', () => {
      const lt = template.findResources('AWS::EC2::LaunchTemplate')[launchTemplateLogicalId(stack, fleetName)];
      const data = lt.Properties.LaunchTemplateData;
      expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' });
      expect(data.BlockDeviceMappings).toEqual([
        { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: fleet.rootVolumeGiB, VolumeType: 'gp3' } },
      ]);
      expect(data.NetworkInterfaces[0].AssociatePublicIpAddress).toBe(false);
      expect(data.Monitoring).toEqual({ Enabled: true });
      expect(data.ImageId.Ref).toMatch(/al2023/i);
      expect(JSON.stringify(data.UserData)).toContain('aws-codedeploy-');
    });
  });

  test('instance roles: the SSM agent\'s actions, PutMetricData only in the instance\'s own namespace and this environment\'s, read-only revisions', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': [`${METRICS_NAMESPACE}/${config.name}/\${ec2:SourceInstanceARN}`, `${METRICS_NAMESPACE}/${config.name}`] } },
          }),
          Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow' }),
        ]),
      },
    });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] } },
    });
    expect(Object.keys(roles)).toHaveLength(config.fleets.filter((f) => !f.existing).length);
    for (const role of Object.values(roles)) {
      // Not AmazonSSMManagedInstanceCore: it grants ssm:GetParameter(s) on every parameter in the account.
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain('AmazonSSMManagedInstanceCore');
    }
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements)).not.toMatch(/ssm:GetParameter/);
    expect(statements.some((st: { Action: unknown }) => Array.isArray(st.Action) && st.Action.includes('ssm:UpdateInstanceInformation'))).toBe(true);
  });

  test('encryption: rotating CMK that limits grants to AWS services; KMS revision bucket', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:CreateGrant',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }), BucketKeyEnabled: true }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'revisions/' }),
    });
  });

  test('the key lets CloudWatch Logs, EventBridge and alarms use it: every encrypted log group, queue and topic works', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
    const principals = JSON.stringify((key.Properties.KeyPolicy.Statement as any[]).map((st) => st.Principal));
    expect(principals).toMatch(/logs\.(", \{"Ref":"AWS::Region"\}, "|[a-z0-9-]+)\.amazonaws\.com|"logs\.",\{"Ref":"AWS::Region"\}/);
    expect(principals).toContain('events.amazonaws.com');
    expect(principals).toContain('cloudwatch.amazonaws.com');
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(lg.Properties.KmsKeyId).toBeDefined();
  });

  test('alarm topic encrypted with the CMK, with the configured subscriptions', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::SNS::Subscription', config.notifications.emails.length);
    for (const email of config.notifications.emails) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
    }
  });

  test('launch and terminate failures of each group go to the alarm topic', () => {
    for (const fleet of config.fleets) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.autoscaling'],
          'detail-type': ['EC2 Instance Launch Unsuccessful', 'EC2 Instance Terminate Unsuccessful'],
          detail: { AutoScalingGroupName: [groupRef(stack, fleet.name)] },
        },
      });
    }
  });

  test('drain controller: lifecycle rule, queue with DLQ, one-minute sweep, three functions, drain table', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['EC2 Instance-terminate Lifecycle Action'], detail: Match.objectLike({ LifecycleHookName: [DRAIN_HOOK_NAME] }) }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    for (const variable of ['CONTROLLER_SETTINGS', 'TERMINATION_POLICY_SETTINGS']) {
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ [variable]: Match.anyValue() }) } });
    }
    for (const group of Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))) {
      expect(group.Properties.TerminationPolicies).toHaveLength(1);
    }
  });

  test('network: created VPC with flow logs, or the configured subnets by id', () => {
    if (config.network.kind === 'create') {
      template.resourceCountIs('AWS::EC2::VPC', 1);
      template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.network.cidr });
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
      template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
    } else {
      template.resourceCountIs('AWS::EC2::VPC', 0);
      const ids = config.network.privateSubnets.map((s) => s.subnetId);
      for (const group of Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))) {
        expect(group.Properties.VPCZoneIdentifier).toEqual(ids);
      }
    }
  });
});

test.each(cases)('%s: the dashboard carries no Tags, which CloudFormation rejects in us-east-1 (cfn-lint E3002)', (_name, _config, _stack, template) => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards.length).toBe(1);
  expect(dashboards[0].Properties.Tags).toBeUndefined();
  // Everything else still carries the environment tag.
  template.hasResourceProperties('AWS::SQS::Queue', { Tags: Match.arrayWith([Match.objectLike({ Key: 'graceful-autoscaler:environment' })]) });
});

describe('least privilege and own sources only (prod)', () => {
  const prod = stacks.find((s) => s.stackName === 'GracefulAutoscaler-prod')!;
  const template = templates.get(prod.stackName)!;
  const statements = (type: string, field: string) => Object.values(template.findResources(type)).flatMap((r) => r.Properties[field].Statement as any[]);

  test('CloudWatch Logs may use the key only for this stack\'s own log groups, which are all named after it', () => {
    const key = statements('AWS::KMS::Key', 'KeyPolicy');
    const logs = key.filter((st) => JSON.stringify(st.Principal?.Service ?? '').includes('logs.'));
    expect(logs).toHaveLength(1);
    const pattern = logs[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'];
    expect(JSON.stringify(pattern)).toContain(':log-group:GracefulAutoscaler-prod-*');
    expect(JSON.stringify(pattern)).not.toContain(':log-group:*');
    // Every log group the key encrypts gets a name CloudFormation makes from the stack's: none is named by hand.
    const encrypted = Object.values(template.findResources('AWS::Logs::LogGroup')).filter((g) => g.Properties.KmsKeyId);
    expect(encrypted.length).toBeGreaterThan(0);
    for (const g of encrypted) expect(g.Properties.LogGroupName).toBeUndefined();
  });

  test('worker roles may use the key only as an SQS producer needs: GenerateDataKey and Decrypt, through SQS', () => {
    const workerPolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => /InstanceRole/.test(id));
    expect(workerPolicies.length).toBeGreaterThan(0);
    for (const [, p] of workerPolicies) {
      const kms = (p.Properties.PolicyDocument.Statement as any[]).filter((st) => JSON.stringify(st.Action).includes('kms:'));
      const actions = kms.flatMap((st) => [st.Action].flat());
      expect(actions).not.toEqual(expect.arrayContaining(['kms:Encrypt']));
      for (const a of actions) expect(['kms:Decrypt', 'kms:GenerateDataKey']).toContain(a);
      const sqsKeyUse = kms.find((st) => [st.Action].flat().includes('kms:GenerateDataKey'));
      expect(sqsKeyUse?.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.stringMatching(/^sqs\.[a-z0-9-]+\.amazonaws\.com$/) } });
    }
  });

  test('no role carries a managed policy that grants Auto Scaling writes on *; CodeDeploy\'s role writes only its group', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(JSON.stringify(roles.map((r) => r.Properties.ManagedPolicyArns ?? []))).not.toMatch(/AWSCodeDeployRole|AutoScalingFullAccess|AmazonSSMManagedInstanceCore/);
    const codeDeployRoles = roles.filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('codedeploy.amazonaws.com'));
    expect(codeDeployRoles).toHaveLength(prod.fleets.length);
  });

  test('the worker role reads exactly its agent object, not the CDK asset bucket', () => {
    const reads = statements('AWS::IAM::Policy', 'PolicyDocument').filter((st) => [st.Action].flat().some((a: string) => a.startsWith('s3:')));
    const assetReads = reads.filter((st) => JSON.stringify(st.Resource).includes('cdk-hnb659fds-assets'));
    expect(assetReads.length).toBe(prod.fleets.length);
    for (const st of assetReads) {
      expect(st.Action).toBe('s3:GetObject');
      expect(JSON.stringify(st.Resource)).toMatch(/\/[0-9a-f]{64}\.(js|zip)"/);
      expect(JSON.stringify(st.Resource)).not.toMatch(/assets-[^"]*\/\*"/);
    }
  });

  test('pause, resume and the guard may update a group only without sizes, templates or subnets', () => {
    const updates = statements('AWS::IAM::Policy', 'PolicyDocument').filter((st) => [st.Action].flat().includes('autoscaling:UpdateAutoScalingGroup'));
    expect(updates.length).toBe(3);
    for (const st of updates) expect(st.Condition.Null).toMatchObject({ 'autoscaling:MinSize': 'true', 'autoscaling:MaxSize': 'true', 'autoscaling:LaunchTemplateVersionSpecified': 'true' });
  });

  test('the event queue admits EventBridge only for our lifecycle rule, the topic only our rules and alarms, the key only our alarms', () => {
    const queue = statements('AWS::SQS::QueuePolicy', 'PolicyDocument').find((st) => st.Effect === 'Deny' && st.Principal?.Service === 'events.amazonaws.com');
    expect(queue.Condition.ArnNotEquals['aws:SourceArn']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/LifecycleEvents/), 'Arn'] });
    // The Allow itself names our rule: no statement admits EventBridge on the account alone.
    const queueAllows = statements('AWS::SQS::QueuePolicy', 'PolicyDocument').filter((st) => st.Effect === 'Allow' && st.Principal?.Service === 'events.amazonaws.com');
    expect(queueAllows).toEqual([expect.objectContaining({ Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/LifecycleEvents/), 'Arn'] } } } })]);
    const topicAllows = statements('AWS::SNS::TopicPolicy', 'PolicyDocument').filter((st) => st.Effect === 'Allow' && st.Principal?.Service === 'events.amazonaws.com');
    expect(topicAllows.length).toBeGreaterThan(0);
    for (const st of topicAllows) expect(st.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/Failures/), 'Arn'] } } });
    const topic = statements('AWS::SNS::TopicPolicy', 'PolicyDocument').filter((st) => st.Effect === 'Deny' && st.Condition?.ArnNotLike);
    expect(topic.map((st): string => st.Principal.Service).sort()).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    const key = statements('AWS::KMS::Key', 'KeyPolicy');
    const alarmDenies = key.filter((st) => st.Effect === 'Deny' && st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(alarmDenies).toHaveLength(1);
    expect(JSON.stringify(alarmDenies[0].Condition.ArnNotLike)).toContain('alarm:ga.prod.');
    // EventBridge's KMS requests carry no aws:SourceArn: no key statement may condition or deny on it,
    // or every lifecycle event and failure notice would be dropped. Its bound is the queue and topic policy,
    // and the key admits this account's EventBridge only, for what a queue and topic need.
    const eventsStatements = key.filter((st) => [st.Principal?.Service].flat().includes('events.amazonaws.com'));
    expect(eventsStatements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
    ]);
    expect(JSON.stringify(eventsStatements)).not.toContain('aws:SourceArn');
    expect(eventsStatements.some((st) => st.Effect === 'Deny')).toBe(false);
    // The rules and alarms are named under the prefix the policies admit.
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.Targets?.some((t: any) => JSON.stringify(t.Arn).match(/EventQueue|AlarmTopic/)));
    for (const r of rules) expect(r.Properties.Name).toMatch(/^ga\.prod\./);
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmName).toMatch(/^ga\.prod\./);
  });
});
