/**
 * A fleet that adopts a group someone else created: what the stack adds to it, and that deleting the
 * stack takes away exactly that. The delete behaviour is played on the faithful model of Auto Scaling
 * (testing/aws-model.ts): the template's own resources are applied to a group with settings of its owner's,
 * in CloudFormation's order, then deleted in reverse, and the group must end as it began.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLifecycleHooksCommand, DescribePoliciesCommand, DeleteLifecycleHookCommand, UpdateAutoScalingGroupCommand, DeletePolicyCommand, PutLifecycleHookCommand, PutScalingPolicyCommand } from '@aws-sdk/client-auto-scaling';
import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Template } from 'aws-cdk-lib/assertions';
import { AutoScalingGroupSettings, respondToCloudFormation } from '../../lambdas/aws/group-settings';
import { ADOPTION_GROUP_METRICS, decodeAdoption, makeGroupAdoptionHandler, AdoptionSettings, RESPONSE_ATTEMPTS, RESPONSE_RESERVE_MS, cloudFormationResponseUrl } from '../../lambdas/adoption/handler';
import { CustomResourceRequest, CustomResourceResponse } from '../../core/ports';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildApp } from '../../lib/app';
import { ConfigError, EnvironmentInput, resolveEnvironment } from '../../lib/config';
import { ExistingWorkerFleet } from '../../lib/existing-worker-fleet';
import { PropsValidationError } from '../../lib/props-validation';
import { DRAIN_HOOK_NAME, agentNamespace } from '../../lib/names';
import { AwsModel } from '../../testing/aws-model';
import { MemoryLog } from '../../sim/memory-ports';
import { makeApp } from '../helpers';

const GROUP = 'trino-legacy-workers';
const adopting: Record<string, EnvironmentInput> = {
  adopt: {
    account: '123456789012',
    region: 'eu-west-1',
    network: { kind: 'create', maxAzs: 2, natGateways: 1 },
    fleets: [
      { name: 'etl', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 4 },
      { name: 'legacy', existing: { groupName: GROUP, agentInstalled: true }, targetCpuPercent: 50, drainTimeout: '20m' },
    ],
  },
};

const app = makeApp();
const [stack] = buildApp(app, { environments: adopting, policyChecks: false });
const template = Template.fromStack(stack);
const resources: Record<string, { Type: string; Properties?: any; DependsOn?: string | string[]; DeletionPolicy?: string }> = template.toJSON().Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const mentionsGroup = (value: unknown) => JSON.stringify(value).includes(GROUP);

describe('an adopted group in the template', () => {
  test('the stack defines no group, launch template or instance of its own for it', () => {
    // Only the launched fleet has a group and a launch template.
    expect(ofType('AWS::AutoScaling::AutoScalingGroup')).toHaveLength(1);
    expect(ofType('AWS::EC2::LaunchTemplate')).toHaveLength(1);
    expect(ofType('AWS::AutoScaling::AutoScalingGroup').some(([, r]) => mentionsGroup(r))).toBe(false);
  });

  test('our termination hook, as its own resource on the named group, from the drain timeout', () => {
    const hooks = ofType('AWS::AutoScaling::LifecycleHook');
    expect(hooks).toHaveLength(1);
    const fleet = resolveEnvironment('adopt', adopting.adopt).fleets[1];
    expect(hooks[0][1].Properties).toEqual({
      AutoScalingGroupName: GROUP,
      LifecycleHookName: DRAIN_HOOK_NAME,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      DefaultResult: 'CONTINUE',
      HeartbeatTimeout: fleet.heartbeatTimeoutSeconds,
      NotificationMetadata: JSON.stringify({ fleet: 'legacy', drainTimeoutSeconds: 1200 }),
    });
  });

  test('our CPU target tracking at the fleet\'s target', () => {
    const policies = ofType('AWS::AutoScaling::ScalingPolicy').filter(([, r]) => r.Properties.AutoScalingGroupName === GROUP);
    expect(policies).toHaveLength(1);
    expect(policies[0][1].Properties).toMatchObject({
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 50 },
    });
  });

  test('the least-busy termination policy, through the adoption resource, after Auto Scaling may invoke it', () => {
    const adoptions = ofType('Custom::GracefulAutoscalerGroupAdoption');
    expect(adoptions).toHaveLength(1);
    const [, adoption] = adoptions[0];
    const tpLogicalId = stack.getLogicalId(stack.drainController.terminationPolicyFunction.node.defaultChild as never);
    expect(adoption.Properties.GroupName).toBe(GROUP);
    expect(adoption.Properties.TerminationPolicy).toEqual({ 'Fn::GetAtt': [tpLogicalId, 'Arn'] });
    const permission = ofType('AWS::Lambda::Permission').find(([, r]) => JSON.stringify(r.Properties.Principal).includes('AWSServiceRoleForAutoScaling'))!;
    expect([adoption.DependsOn].flat()).toContain(permission[0]);
  });

  test('the adoption function is told our stack, our function and our groups, and no other principal may invoke it', () => {
    const [logicalId, fn] = ofType('AWS::Lambda::Function').find(([, r]) => /adopts existing groups/.test(r.Properties.Description))!;
    const policy = ofType('Custom::GracefulAutoscalerGroupAdoption')[0][1].Properties.TerminationPolicy;
    expect(fn.Properties.Environment.Variables).toMatchObject({
      STACK_ID: { Ref: 'AWS::StackId' },
      TERMINATION_POLICY_ARN: policy,
      ADOPTED_GROUPS: JSON.stringify([GROUP]),
    });
    // CloudFormation invokes a ServiceToken function with the deploying principal's credentials: no
    // resource-based policy is needed, and none would narrow who may call it.
    expect(ofType('AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties.FunctionName).includes(logicalId))).toEqual([]);
    // Its last 30 s are kept for answering CloudFormation.
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(RESPONSE_RESERVE_MS / 1000 + 60);
  });

  test('the CodeDeploy deployment group, on the named group', () => {
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup').filter(([, r]) => mentionsGroup(r.Properties.AutoScalingGroups));
    expect(groups).toHaveLength(1);
    expect(groups[0][1].Properties.AutoScalingGroups).toEqual([GROUP]);
  });

  test('the controller drains it like any other: lifecycle events, settings and lifecycle writes', () => {
    const rule = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventPattern?.['detail-type']?.includes('EC2 Instance-terminate Lifecycle Action'))!;
    expect(rule[1].Properties.EventPattern.detail.AutoScalingGroupName).toContain(GROUP);
    const sweep = ofType('AWS::Lambda::Function').find(([, r]) => /re-check every waiting instance/.test(r.Properties.Description))!;
    expect(JSON.stringify(sweep[1].Properties.Environment.Variables.CONTROLLER_SETTINGS)).toContain(`\\"${GROUP}\\":{\\"fleet\\":\\"legacy\\"`);
    const lifecycleWrites = ofType('AWS::IAM::Policy').flatMap(([, r]) => r.Properties.PolicyDocument.Statement).filter((s: any) => [s.Action].flat().includes('autoscaling:CompleteLifecycleAction'));
    expect(lifecycleWrites.some((s: any) => JSON.stringify(s.Resource).includes(`autoScalingGroupName/${GROUP}`))).toBe(true);
  });

  test('a managed policy for the operator to attach: task counts in our namespace, revisions and their key', () => {
    const [[, policy]] = ofType('AWS::IAM::ManagedPolicy');
    const statements = policy.Properties.PolicyDocument.Statement;
    // Each instance its own namespace (IAM resolves the variable), and the shared one (test/lib/worker-metric-policy.test.ts).
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': [`${agentNamespace('adopt')}/\${ec2:SourceInstanceARN}`, agentNamespace('adopt')] } } }));
    expect(statements.map((s: any) => s.Action)).toEqual(expect.arrayContaining([['s3:GetObject', 's3:GetObjectVersion'], 'kms:Decrypt']));
    const outputs = template.toJSON().Outputs;
    // A key the runbook's `out legacyWorkerPolicyArn` finds, not a hashed construct path.
    expect(outputs.legacyWorkerPolicyArn.Value).toEqual({ Ref: ofType('AWS::IAM::ManagedPolicy')[0][0] });
    expect(Object.keys(outputs).filter((k) => /WorkerPolicyArn/.test(k))).toEqual(['legacyWorkerPolicyArn']);
    const agentConfig = Object.entries<any>(outputs).find(([k]) => k.startsWith('legacyAgentConfig'))![1];
    expect(JSON.stringify(agentConfig.Value)).toContain(`\\"groupName\\":\\"${GROUP}\\"`);
  });

  test('every resource that touches the group is deleted with the stack: none is retained', () => {
    const touching = Object.entries(resources).filter(([, r]) => ['AWS::AutoScaling::LifecycleHook', 'AWS::AutoScaling::ScalingPolicy', 'Custom::GracefulAutoscalerGroupAdoption', 'AWS::CodeDeploy::DeploymentGroup'].includes(r.Type) && mentionsGroup(r.Properties));
    expect(touching.map(([, r]) => r.Type).sort()).toEqual(['AWS::AutoScaling::LifecycleHook', 'AWS::AutoScaling::ScalingPolicy', 'AWS::CodeDeploy::DeploymentGroup', 'Custom::GracefulAutoscalerGroupAdoption']);
    for (const [, r] of touching) expect(r.DeletionPolicy ?? 'Delete').toBe('Delete');
    // Nothing else writes to the group: no scheduled action, warm pool, notification or tag of ours.
    for (const type of ['AWS::AutoScaling::ScheduledAction', 'AWS::AutoScaling::WarmPool', 'AWS::AutoScaling::LaunchConfiguration']) {
      expect(ofType(type).filter(([, r]) => mentionsGroup(r))).toEqual([]);
    }
  });
});

/** Our stack, as CloudFormation names it in every request, and its region's response URL. */
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/GracefulAutoscaler-adopt/5f0c3a70-c9e2-11eb-becd-0a67c1b2c3d4';
const RESPONSE_URL = `https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/${encodeURIComponent(STACK_ID)}%7CAdopt%7Cr1?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1555451971&Signature=x`;

/** CloudFormation's custom resource protocol against the real adapter on the faithful model. */
function adoptionOn(aws: AwsModel, settings: Partial<AdoptionSettings> = {}) {
  const client = aws.attach(new AutoScalingClient({ region: 'eu-west-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 }));
  const responses: CustomResourceResponse[] = [];
  const urls: string[] = [];
  const log = new MemoryLog();
  const handler = makeGroupAdoptionHandler({
    groups: new AutoScalingGroupSettings(client),
    respond: async (url, r) => void (urls.push(url), responses.push(r)),
    log,
    hookName: DRAIN_HOOK_NAME,
    settings: { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP], ...settings },
  });
  let n = 0;
  const send = async (type: CustomResourceRequest['RequestType'], properties: Record<string, unknown>, physicalId?: string, old?: Record<string, unknown>, overrides: Partial<CustomResourceRequest> = {}) => {
    await handler({ RequestType: type, ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: `r${++n}`, LogicalResourceId: 'Adopt', PhysicalResourceId: physicalId, ResourceProperties: properties, OldResourceProperties: old, ...overrides });
    return responses[responses.length - 1];
  };
  return { client, send, log, responses, urls, handler };
}

/** A group as its owner left it: their own policies, hook, scaling policy and one group metric. */
function ownersGroup(aws: AwsModel) {
  aws.groups.set(GROUP, {
    newInstancesProtected: false,
    minSize: 2,
    maxSize: 10,
    desiredCapacity: 3,
    terminationPolicies: ['OldestLaunchTemplate', 'Default'],
    enabledMetrics: ['GroupInServiceInstances'],
    hooks: new Map([['their-launch-hook', { LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', DefaultResult: 'ABANDON', HeartbeatTimeout: 300 }]]),
    policies: new Map([['their-step-policy', { PolicyName: 'their-step-policy', PolicyType: 'StepScaling' }]]),
  });
}

async function snapshot(client: AutoScalingClient) {
  const [g] = (await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups!;
  const hooks = (await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: GROUP }))).LifecycleHooks!;
  const policies = (await client.send(new DescribePoliciesCommand({ AutoScalingGroupName: GROUP }))).ScalingPolicies!;
  return {
    sizes: [g.MinSize, g.MaxSize, g.DesiredCapacity],
    terminationPolicies: g.TerminationPolicies,
    metrics: g.EnabledMetrics!.map((m) => m.Metric!).sort(),
    hooks: hooks.map((h) => h.LifecycleHookName!).sort(),
    policies: policies.map((p) => p.PolicyName!).sort(),
  };
}

/** A template value with the one GetAtt it holds resolved to the function's ARN. */
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:GracefulAutoscaler-adopt-TerminationPolicy';
const resolve = (props: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(props), (_k, v) => (v && typeof v === 'object' && 'Fn::GetAtt' in v ? FUNCTION_ARN : v));

test('two adopted fleets whose names give the same output key in one stack are refused, naming both', () => {
  const stack = new Stack(makeApp(), 'S');
  const fleet = (id: string, fleetName: string) =>
    new ExistingWorkerFleet(stack, id, { fleetName, autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, `${id}Group`, `${id}-group`), metricsNamespace: agentNamespace('x') });
  fleet('A', 'etl-a');
  let refused: unknown;
  try {
    fleet('B', 'etla');
  } catch (e) {
    refused = e;
  }
  expect(refused).toBeInstanceOf(PropsValidationError);
  expect((refused as Error).message).toBe('S/B: fleetName ("etla") must differ, ignoring non-alphanumerics, from every other adopted fleet\'s in stack S: S/A ("etl-a") already outputs etlaWorkerPolicyArn');
  expect(() => fleet('C', 'etl-b')).not.toThrow();
});

describe('deleting the stack leaves the adopted group as it was', () => {
  const hook = ofType('AWS::AutoScaling::LifecycleHook')[0];
  const cpu = ofType('AWS::AutoScaling::ScalingPolicy').find(([, r]) => r.Properties.AutoScalingGroupName === GROUP)!;
  const adoption = ofType('Custom::GracefulAutoscalerGroupAdoption')[0];
  const { ServiceToken: _token, ...adoptionProps } = resolve(adoption[1].Properties);

  /** Creates the template's resources on the group in CloudFormation's order; returns how to delete them. */
  async function deploy(aws: AwsModel) {
    const { client, send, log } = adoptionOn(aws);
    await client.send(new PutLifecycleHookCommand(hook[1].Properties));
    await client.send(new PutScalingPolicyCommand({ ...cpu[1].Properties, PolicyName: cpu[0] }));
    const created = await send('Create', adoptionProps);
    expect(created.Status).toBe('SUCCESS');
    const destroy = async () => {
      const deleted = await send('Delete', adoptionProps, created.PhysicalResourceId);
      expect(deleted.Status).toBe('SUCCESS');
      await client.send(new DeletePolicyCommand({ AutoScalingGroupName: GROUP, PolicyName: cpu[0] }));
      await client.send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: GROUP, LifecycleHookName: DRAIN_HOOK_NAME }));
    };
    return { client, destroy, log, created };
  }

  test('deployed: our hook, policy, termination policy and the metrics we read are on it, and nothing of theirs is gone', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, created } = await deploy(aws);
    const state = await snapshot(client);
    expect(state.terminationPolicies).toEqual([FUNCTION_ARN]);
    expect(state.hooks).toEqual([DRAIN_HOOK_NAME, 'their-launch-hook']);
    expect(state.policies).toEqual([cpu[0], 'their-step-policy'].sort());
    expect(state.metrics).toEqual([...new Set(['GroupInServiceInstances', ...ADOPTION_GROUP_METRICS])].sort());
    expect(state.sizes).toEqual([2, 10, 3]);
    // The one metric the owner already collected is not ours to turn off later.
    expect(JSON.parse(created.PhysicalResourceId).metricsEnabled).not.toContain('GroupInServiceInstances');
  });

  test('deleted: termination policies, metrics, hooks, policies and sizes are the owner\'s again', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client } = adoptionOn(aws);
    const before = await snapshot(client);
    const { destroy } = await deploy(aws);
    await destroy();
    expect(await snapshot(client)).toEqual(before);
  });

  test('a termination policy the owner changed after us is theirs: delete leaves it', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, destroy, log } = await deploy(aws);
    aws.groups.get(GROUP)!.terminationPolicies = ['NewestInstance'];
    await destroy();
    expect((await snapshot(client)).terminationPolicies).toEqual(['NewestInstance']);
    expect(log.lines.some((l) => /changed since adoption/.test(l.message))).toBe(true);
  });

  test('a group deleted before the stack: the delete succeeds and changes nothing', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { send } = adoptionOn(aws);
    const created = await send('Create', adoptionProps);
    aws.groups.delete(GROUP);
    expect((await send('Delete', adoptionProps, created.PhysicalResourceId)).Status).toBe('SUCCESS');
  });

  test('an update that only moves the function keeps what the first adoption found', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, send: sendBefore } = adoptionOn(aws);
    const created = await sendBefore('Create', adoptionProps);
    // The deploy that moves the function updates the adoption function's settings first (it depends on it).
    const { send } = adoptionOn(aws, { terminationPolicyArn: `${FUNCTION_ARN}-v2` });
    const moved = { ...adoptionProps, TerminationPolicy: `${FUNCTION_ARN}-v2` };
    const updated = await send('Update', moved, created.PhysicalResourceId, adoptionProps);
    expect(updated).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    expect((await snapshot(client)).terminationPolicies).toEqual([`${FUNCTION_ARN}-v2`]);
    await send('Delete', moved, created.PhysicalResourceId);
    expect((await snapshot(client)).terminationPolicies).toEqual(['OldestLaunchTemplate', 'Default']);
  });
});

describe('adoption refuses what it cannot do, and changes nothing', () => {
  const props = { GroupName: GROUP, TerminationPolicy: FUNCTION_ARN };

  test('a group that does not exist fails the deploy naming it; the delete that follows is a no-op', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const { send } = adoptionOn(aws);
    const failed = await send('Create', props);
    expect(failed).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`"${GROUP}" does not exist`) });
    expect((await send('Delete', props, failed.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(aws.byOperation.get('UpdateAutoScalingGroup')).toBeUndefined();
  });

  test('a group under another service-linked role: our function could not be invoked, so no change', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    aws.groups.get(GROUP)!.serviceLinkedRoleArn = 'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_custom';
    const { client, send } = adoptionOn(aws);
    const failed = await send('Create', props);
    expect(failed).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('AWSServiceRoleForAutoScaling_custom') });
    expect((await snapshot(client)).terminationPolicies).toEqual(['OldestLaunchTemplate', 'Default']);
  });

  test('a warm pool that reuses instances on scale-in: its instances would leave undrained, so no change', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    aws.groups.get(GROUP)!.warmPool = { MinSize: 2, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } };
    const { client, send } = adoptionOn(aws);
    const failed = await send('Create', props);
    expect(failed).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('ReuseOnScaleIn') });
    expect(failed.Reason).toContain('Nothing was changed');
    expect((await snapshot(client)).terminationPolicies).toEqual(['OldestLaunchTemplate', 'Default']);
    expect(aws.byOperation.get('EnableMetricsCollection')).toBeUndefined();
    // The same pool without reuse: its instances are terminated as usual (or never served), so adoption goes ahead.
    aws.groups.get(GROUP)!.warmPool = { MinSize: 2, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: false } };
    const { send: sendAgain, log } = adoptionOn(aws);
    expect(await sendAgain('Create', props)).toMatchObject({ Status: 'SUCCESS', Data: { WarmPool: 'true' } });
    // Its instances' first boot is the one risk left, and adoption cannot see the worker's unit: it says so.
    expect(log.lines.some((l) => l.level === 'warn' && /warm pool.*start gate/.test(l.message))).toBe(true);
  });

  test('another termination hook on the group is reported, not refused: both must complete', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    aws.groups.get(GROUP)!.hooks!.set('their-drain', { LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' });
    const { send, log } = adoptionOn(aws);
    const created = await send('Create', props);
    expect(created).toMatchObject({ Status: 'SUCCESS', Data: { OtherTerminatingHooks: 'their-drain' } });
    expect(log.lines.some((l) => l.level === 'warn' && /other termination lifecycle hooks/.test(l.message))).toBe(true);
  });

  test('forged properties fail with the field named; an event with no response URL is logged and skipped', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const { send, log, responses, handler } = adoptionOn(aws);
    expect(await send('Create', { GroupName: GROUP, TerminationPolicy: 'OldestInstance' })).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('TerminationPolicy "OldestInstance" must be this stack\'s termination policy function') });
    // An unknown request type is refused, not taken for a Create.
    expect(await send('Adopt' as never, { GroupName: GROUP, TerminationPolicy: FUNCTION_ARN })).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('RequestType "Adopt"') });
    expect(aws.byOperation.get('DescribeAutoScalingGroups')).toBeUndefined();
    const count = responses.length;
    await handler({ RequestType: 'Create', ResponseURL: 'http://169.254.169.254/latest', ResourceProperties: { GroupName: 'x'.repeat(10_000) } } as never);
    expect(responses.length).toBe(count);
    const line = log.lines[log.lines.length - 1];
    expect(line.message).toMatch(/not a custom resource request for this stack/);
    expect(String(line.fields!.event).length).toBeLessThan(2200);
  });
});

describe('adoption acts only for our stack, on our group, with our function, and answers only CloudFormation', () => {
  const props = { GroupName: GROUP, TerminationPolicy: FUNCTION_ARN };
  const EVIL = 'arn:aws:lambda:eu-west-1:999999999999:function:evil';

  test('a forged Update naming another account\'s function as the termination policy is refused', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, send } = adoptionOn(aws);
    const created = await send('Create', props);
    const forged = await send('Update', { GroupName: GROUP, TerminationPolicy: EVIL }, created.PhysicalResourceId, props);
    expect(forged).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`TerminationPolicy "${EVIL}" must be this stack's termination policy function`) });
    expect((await snapshot(client)).terminationPolicies).toEqual([FUNCTION_ARN]);
  });

  test('a request from another stack, or naming a group we do not adopt, changes nothing', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, send } = adoptionOn(aws);
    const created = await send('Create', props);
    const before = await snapshot(client);
    const otherStack = STACK_ID.replace('GracefulAutoscaler-adopt', 'Mallory');
    expect(await send('Delete', props, created.PhysicalResourceId, undefined, { StackId: otherStack })).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining("is not this function's stack") });
    expect(await send('Create', { ...props, GroupName: 'their-group' })).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('"their-group" is not a group this stack adopts') });
    // A Delete whose recorded adoption names another group: nothing is restored there.
    const forgedId = JSON.stringify({ group: 'their-group', previousTerminationPolicies: ['Default'], metricsEnabled: [...ADOPTION_GROUP_METRICS] });
    expect((await send('Delete', props, forgedId)).Status).toBe('SUCCESS');
    expect(aws.byOperation.get('DisableMetricsCollection')).toBeUndefined();
    expect(await snapshot(client)).toEqual(before);
  });

  test('a Delete after the group was deleted and created again by another owner leaves their settings alone', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { client, send, log } = adoptionOn(aws);
    const created = await send('Create', props);
    expect(JSON.parse(created.PhysicalResourceId).groupArn).toMatch(/^arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/trino-legacy-workers$/);
    // Recreated under the same name: a new ARN; its owner collects the same metrics and (say) names our function too.
    aws.groups.delete(GROUP);
    ownersGroup(aws);
    aws.groups.get(GROUP)!.enabledMetrics = [...ADOPTION_GROUP_METRICS];
    aws.groups.get(GROUP)!.terminationPolicies = [FUNCTION_ARN];
    const before = await snapshot(client);
    expect((await send('Delete', props, created.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(await snapshot(client)).toEqual(before);
    expect(aws.byOperation.get('DisableMetricsCollection')).toBeUndefined();
    expect(log.lines.some((l) => /created again since adoption/.test(l.message))).toBe(true);
  });

  test('an Update that finds the group created again adopts the new one afresh under a new physical id', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { send } = adoptionOn(aws);
    const created = await send('Create', props);
    aws.groups.delete(GROUP);
    ownersGroup(aws);
    const updated = await send('Update', props, created.PhysicalResourceId, props);
    expect(updated.Status).toBe('SUCCESS');
    expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(JSON.parse(updated.PhysicalResourceId).previousTerminationPolicies).toEqual(['OldestLaunchTemplate', 'Default']);
  });

  test.each([
    ['another https host', 'https://attacker.example.com/r'],
    ['the bucket name under another domain', 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example/r'],
    ['another region\'s bucket', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/r'],
    ['plain http', 'http://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/r'],
    ['a port', 'https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com:8443/r'],
    ['credentials', 'https://u:p@cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/r'],
  ])('a ResponseURL on %s is never answered, and nothing is done', async (_name, url) => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const { handler, urls, log } = adoptionOn(aws);
    await handler({ RequestType: 'Create', ResponseURL: url, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props });
    expect(urls).toEqual([]);
    expect(aws.byOperation.get('DescribeAutoScalingGroups')).toBeUndefined();
    expect(log.lines.at(-1)?.message).toMatch(/not a custom resource request for this stack/);
  });

  test('the response bucket\'s real endpoints are accepted, in every partition we know', () => {
    const eu = STACK_ID;
    for (const host of ['s3.amazonaws.com', 's3-eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com']) {
      expect(cloudFormationResponseUrl(`https://cloudformation-custom-resource-response-euwest1.${host}/x?Signature=y`, eu)).toBeDefined();
    }
    const cn = 'arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/1134083a-2608-1e91-9897-022501a2c456';
    expect(cloudFormationResponseUrl('https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x', cn)).toBeDefined();
    const gov = 'arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/s/1134083a-2608-1e91-9897-022501a2c456';
    expect(cloudFormationResponseUrl('https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/x', gov)).toBeDefined();
    expect(cloudFormationResponseUrl('https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com/x', cn)).toBeUndefined();
  });

  test('the answer is retried when the PUT fails, and given up after a bounded number of attempts', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    ownersGroup(aws);
    const client = aws.attach(new AutoScalingClient({ region: 'eu-west-1', credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 }));
    let failures = 2;
    const delivered: CustomResourceResponse[] = [];
    const attempts: number[] = [];
    const log = new MemoryLog();
    const respond = async (_url: string, r: CustomResourceResponse) => {
      attempts.push(attempts.length + 1);
      if (failures-- > 0) throw new Error('HTTP 503');
      delivered.push(r);
    };
    const settings = { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP] };
    const handler = makeGroupAdoptionHandler({ groups: new AutoScalingGroupSettings(client), respond, log, hookName: DRAIN_HOOK_NAME, settings, sleep: async () => {} });
    const request = { RequestType: 'Create' as const, ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props };
    await handler(request);
    expect(attempts).toEqual([1, 2, 3]);
    expect(delivered).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
    failures = 100;
    attempts.length = 0;
    await handler({ ...request, RequestType: 'Delete', PhysicalResourceId: delivered[0].PhysicalResourceId });
    expect(attempts).toHaveLength(RESPONSE_ATTEMPTS);
    expect(log.lines.at(-1)).toMatchObject({ level: 'error', message: 'CloudFormation response could not be delivered' });
  });

  test('work that hangs is answered FAILED before the function\'s own timeout', async () => {
    const responses: CustomResourceResponse[] = [];
    const hanging = { describe: () => new Promise<never>(() => {}) } as never;
    const settings = { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP] };
    const handler = makeGroupAdoptionHandler({ groups: hanging, respond: async (_u, r) => void responses.push(r), log: new MemoryLog(), hookName: DRAIN_HOOK_NAME, settings });
    const started = Date.now();
    await handler({ RequestType: 'Create', ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props }, { getRemainingTimeInMillis: () => RESPONSE_RESERVE_MS + 100 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining("before the function's own timeout") })]);
  });

  test('a create that fails after its first write answers FAILED with what it found, so the rollback restores the group', async () => {
    const responses: CustomResourceResponse[] = [];
    const writes: string[] = [];
    let policies = ['OldestInstance'];
    const groups = {
      describe: async () => ({ arn: `arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:uuid-1:autoScalingGroupName/${GROUP}`, terminationPolicies: policies, enabledMetrics: [], terminatingHooks: [] }),
      setTerminationPolicies: async (_g: string, p: readonly string[]) => void (writes.push(`policies ${p.join(',')}`), (policies = [...p])),
      enableMetrics: async () => {
        throw new Error('Throttling: Rate exceeded');
      },
      disableMetrics: async () => void writes.push('disable'),
    };
    const settings = { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP] };
    const handler = makeGroupAdoptionHandler({ groups, respond: async (_u, r) => void responses.push(r), log: new MemoryLog(), hookName: DRAIN_HOOK_NAME, settings });
    await handler({ RequestType: 'Create', ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props });
    expect(responses[0]).toMatchObject({ Status: 'FAILED' });
    expect(decodeAdoption(responses[0].PhysicalResourceId)).toMatchObject({ group: GROUP, previousTerminationPolicies: ['OldestInstance'] });
    // CloudFormation's rollback deletes the failed resource with that id: our policy comes off again.
    await handler({ RequestType: 'Delete', ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r2', LogicalResourceId: 'Adopt', ResourceProperties: props, PhysicalResourceId: responses[0].PhysicalResourceId });
    expect(writes).toEqual([`policies ${FUNCTION_ARN}`, 'policies OldestInstance']);
  });

  test('work still running when FAILED went out writes nothing after it', async () => {
    const responses: CustomResourceResponse[] = [];
    const writes: string[] = [];
    let release: () => void = () => {};
    const slowDescribe = new Promise<void>((r) => (release = r));
    const groups = {
      describe: async () => (await slowDescribe, { terminationPolicies: ['Default'], enabledMetrics: [], terminatingHooks: [] }),
      setTerminationPolicies: async () => void writes.push('policies'),
      enableMetrics: async () => void writes.push('metrics'),
      disableMetrics: async () => void writes.push('disable'),
    };
    const settings = { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP] };
    const handler = makeGroupAdoptionHandler({ groups, respond: async (_u, r) => void responses.push(r), log: new MemoryLog(), hookName: DRAIN_HOOK_NAME, settings });
    await handler({ RequestType: 'Create', ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props }, { getRemainingTimeInMillis: () => RESPONSE_RESERVE_MS + 50 });
    expect(responses).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'failed-r1' })]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual([]);
  });

  test('a crash in the work is answered FAILED, not left unanswered', async () => {
    const responses: CustomResourceResponse[] = [];
    const broken = { describe: async () => { throw new TypeError('boom'); } } as never;
    const settings = { stackId: STACK_ID, terminationPolicyArn: FUNCTION_ARN, groupNames: [GROUP] };
    const handler = makeGroupAdoptionHandler({ groups: broken, respond: async (_u, r) => void responses.push(r), log: new MemoryLog(), hookName: DRAIN_HOOK_NAME, settings });
    await handler({ RequestType: 'Create', ResponseURL: RESPONSE_URL, StackId: STACK_ID, RequestId: 'r1', LogicalResourceId: 'Adopt', ResourceProperties: props });
    expect(responses).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: 'TypeError: boom' })]);
  });
});

describe('the response PUT', () => {
  test('never follows a redirect: a 307 is a failed attempt and nothing reaches the other host', async () => {
    const elsewhere: string[] = [];
    const other = createServer((req, res) => void (elsewhere.push(req.method!), res.end()));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/stolen`;
    const redirecting = createServer((_req, res) => void res.writeHead(307, { location: target }).end());
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/response`;
      await expect(respondToCloudFormation(url, { Status: 'SUCCESS', PhysicalResourceId: 'p', StackId: STACK_ID, RequestId: 'r', LogicalResourceId: 'l' })).rejects.toThrow(/HTTP 307/);
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((r) => other.close(r));
      await new Promise((r) => redirecting.close(r));
    }
  });
});

test('the model holds termination policies to their documented order: a custom one first, Default last', async () => {
  const aws = new AwsModel({ consistencyLagMs: 0 });
  ownersGroup(aws);
  const { client } = adoptionOn(aws);
  await expect(client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, TerminationPolicies: ['Default', 'OldestInstance'] }))).rejects.toThrow(/Default last/);
  await expect(client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, TerminationPolicies: ['OldestInstance', FUNCTION_ARN] }))).rejects.toThrow(/custom termination policy must be first/);
  expect((await snapshot(client)).terminationPolicies).toEqual(['OldestLaunchTemplate', 'Default']);
});

describe('config for an existing group', () => {
  const env = (fleet: Record<string, unknown>, controller?: EnvironmentInput['controller']): EnvironmentInput => ({
    network: { kind: 'create' },
    fleets: [{ name: 'legacy', ...fleet } as never],
    ...(controller ? { controller } : {}),
  });
  const problems = (input: EnvironmentInput) => {
    try {
      resolveEnvironment('prod', input);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  test.each([
    ['a launched fleet\'s fields', { existing: { groupName: GROUP, agentInstalled: true }, minCapacity: 1, instanceTypes: ['m7i.large'] }, undefined, /fleets\[0\]\.instanceTypes \(\["m7i\.large"\]\) must not be set with existing/],
    ['an IAM wildcard in the name', { existing: { groupName: 'trino-*', agentInstalled: true } }, undefined, /fleets\[0\]\.existing\.groupName \("trino-\*"\) must be the Auto Scaling group's name/],
    ['an empty name', { existing: { groupName: '', agentInstalled: true } }, undefined, /existing\.groupName \(""\)/],
    ['a name over 255 characters', { existing: { groupName: 'g'.repeat(256), agentInstalled: true } }, undefined, /existing\.groupName/],
    ['the agent not confirmed while it must stop the workers', { existing: { groupName: GROUP } }, undefined, /existing\.agentInstalled \(undefined\) must be true while controller\.stopWorker is "agent"/],
    ['no security group while the controller calls the workers', { existing: { groupName: GROUP } }, { taskSource: { kind: 'trino' as const }, stopWorker: { kind: 'trino' as const } }, /existing\.securityGroupId \(undefined\) is required while controller\.taskSource is "trino"/],
    ['a malformed security group', { existing: { groupName: GROUP, securityGroupId: 'default' } }, { taskSource: { kind: 'trino' as const }, stopWorker: { kind: 'trino' as const } }, /existing\.securityGroupId \("default"\) must be a security group id/],
  ])('refuses %s, naming env, field, value and rule', (_case, fleet, controller, rule) => {
    const found = problems(env(fleet, controller));
    expect(found.some((p) => p.startsWith('env "prod": ') && rule.test(p))).toBe(true);
  });

  test('an existing fleet with Trino stops needs no agent, only the workers\' security group', () => {
    expect(problems(env({ existing: { groupName: GROUP, securityGroupId: 'sg-0abc12345def67890' } }, { taskSource: { kind: 'trino' }, stopWorker: { kind: 'trino' } }))).toEqual([]);
  });
});
