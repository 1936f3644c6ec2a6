/** The runbooks' IAM (each role allows what its runbook does and no more) and their SSM Automation documents. */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { RunbookName } from '../../core/contract/runbooks';
import { ControllerFunction } from '../controller-function';
import { DURATION_PATTERN_SOURCE } from '../../core/util/duration';
import { nagResourceFinding } from '../nag-finding';
import { OperationsContext } from './context';

/** Runbooks answer an operator; anything slower is wrong. */
export const RUNBOOK_TIMEOUT = Duration.seconds(60);

interface Parameter {
  readonly name: string;
  readonly field: string;
  readonly type: 'String' | 'Boolean';
  readonly description: string;
  readonly default?: string | boolean;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
}

/** Each runbook's role allows what it does and no more; writes are scoped to our groups, table and apps. */
export function grantRunbooks(ctx: Pick<OperationsContext, 'scope' | 'props' | 'runbooks' | 'guard'>): void {
  const r = ctx.runbooks;
  const groupArns = ctx.props.fleets.map((f) => f.fleet.autoScalingGroup.autoScalingGroupArn);
  const controller = ctx.props.controller;
  const all = [...Object.values(r), ctx.guard];
  for (const fn of all) {
    // Describe* has no resource-level permissions (Service Authorization Reference, Auto Scaling).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }));
  }
  // The audit names who started the Automation execution (ExecutedBy), read from SSM, not from the input.
  const executions = Stack.of(ctx.scope).formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' });
  for (const fn of Object.values(r)) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetAutomationExecution'], resources: [executions] }));
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(ctx.scope), executions)}]`,
      reason: 'Read-only, on this account and region\'s Automation executions: execution ids are random, known only when the runbook is called; the audit reads who started its own execution.',
    });
  }
  for (const fn of [r['fleet-status'], r['force-complete'], r['extend-drain'], r['pause-scaling'], r['resume-scaling'], ctx.guard]) controller.grantTable(fn, 'dynamodb:Query');
  for (const fn of [r['fleet-status'], r['force-complete']]) {
    if (ctx.props.taskSource.kind === 'metric') fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    else fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
  }
  r['drain-instance'].addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'], resources: groupArns }));
  r['force-complete'].addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:CompleteLifecycleAction'], resources: groupArns }));
  controller.grantTable(r['force-complete'], 'dynamodb:PutItem', 'dynamodb:DeleteItem');
  controller.grantTable(r['extend-drain'], 'dynamodb:UpdateItem');
  for (const fn of [r['pause-scaling'], r['resume-scaling'], ctx.guard]) {
    // putHold is a transaction whose ConditionCheck (the ended-holder marker) needs its own permission.
    controller.grantTable(fn, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem');
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:SetInstanceProtection'], resources: groupArns }));
    // UpdateAutoScalingGroup is used for NewInstancesProtectedFromScaleIn only. IAM has no key for that
    // field, but it has keys for the others that matter (Service Authorization Reference, Amazon EC2 Auto
    // Scaling condition keys): requests that name sizes, a launch template or configuration, subnets or
    // load balancers are refused. Desired capacity has no key: that much broader write remains.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:UpdateAutoScalingGroup'],
        resources: groupArns,
        conditions: {
          Null: Object.fromEntries(
            ['autoscaling:MinSize', 'autoscaling:MaxSize', 'autoscaling:LaunchConfigurationName', 'autoscaling:LaunchTemplateVersionSpecified', 'autoscaling:VPCZoneIdentifiers', 'autoscaling:LoadBalancerNames', 'autoscaling:TargetGroupARNs'].map((k) => [k, 'true']),
          ),
        },
      }),
    );
  }
  // CreateDeployment needs the group, its config and the application's revisions (CodeDeploy permissions reference).
  r.deploy.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeploymentConfig', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
      resources: ctx.props.fleets.flatMap((f) => [f.deployment.deploymentGroup.deploymentGroupArn, f.deployment.application.applicationArn, f.deployment.deploymentGroup.deploymentConfig.deploymentConfigArn]),
    }),
  );
  r['deployment-status'].addToRolePolicy(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: ctx.props.fleets.map((f) => f.deployment.deploymentGroup.deploymentGroupArn) }));

  const stack = Stack.of(ctx.scope);
  for (const fn of all) {
    Validations.of(fn).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Only Describe*, GetMetricData, DescribeInstances, X-Ray and ENI actions, which support no resource-level permissions.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "Data keys of this environment's CMK only, which encrypts the drain table the runbook writes." },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "Re-encryption under this environment's CMK only, for writes to the encrypted drain table." },
      ...groupArns.map((arn) => ({ id: `AwsSolutions-IAM5[${nagResourceFinding(stack, arn)}]`, reason: 'A group ARN carries a UUID Auto Scaling assigns at creation; the group name pins it to our group.' })),
    );
  }
}

export function createDocuments(ctx: OperationsContext): Record<RunbookName, ssm.CfnDocument> {
  const fleetNames = ctx.props.fleets.map((f) => f.config.name);
  const instanceId: Parameter = { name: 'InstanceId', field: 'instanceId', type: 'String', description: 'The EC2 instance, in one of this environment\'s fleets.', allowedPattern: '^i-[0-9a-f]{8}([0-9a-f]{9})?$' };
  const fleet: Parameter = { name: 'Fleet', field: 'fleet', type: 'String', description: 'The fleet.', allowedValues: fleetNames };
  // No quotes or backslashes: the value goes into the JSON payload as it is.
  const reason: Parameter = { name: 'Reason', field: 'reason', type: 'String', description: 'Why (shows in status and the audit log).', allowedPattern: '^[^"\\\\]{3,512}$' };
  const docs: Record<RunbookName, { description: string; parameters: Parameter[] }> = {
    'fleet-status': {
      description: 'Per fleet: desired, in service and draining instances, scale-in holds; per draining instance: running tasks, when its drain began, its deadline and what the controller will do next.',
      parameters: [{ ...fleet, description: 'Only this fleet (empty: all).', default: '', allowedValues: ['', ...fleetNames] }],
    },
    'drain-instance': {
      description: 'Gracefully terminate one instance through its group, so the drain controller lets its work finish first.',
      parameters: [instanceId, { name: 'DecrementDesiredCapacity', field: 'decrementDesiredCapacity', type: 'Boolean', description: 'Lower the desired capacity instead of replacing the instance.', default: false }],
    },
    'force-complete': { description: 'Complete one draining instance\'s lifecycle action now; recorded as a forced termination with the tasks it killed.', parameters: [instanceId, reason] },
    'extend-drain': {
      description: 'Move one draining instance\'s deadline later, within the 48 h lifecycle limit.',
      parameters: [instanceId, { name: 'ExtendBy', field: 'extendBy', type: 'String', description: 'How much longer, e.g. 30m or 2h.', allowedPattern: DURATION_PATTERN_SOURCE }],
    },
    'pause-scaling': {
      description: 'Hold scale-in of a fleet (its instances are protected from scale-in); scale-out and drains continue.',
      parameters: [fleet, reason, { name: 'For', field: 'for', type: 'String', description: 'How long at most, e.g. 6h (up to 7 days).', default: '24h', allowedPattern: DURATION_PATTERN_SOURCE }],
    },
    'resume-scaling': { description: 'Release the operator pause of a fleet; scale-in resumes unless a deployment still holds it.', parameters: [fleet] },
    deploy: {
      description: 'Start a CodeDeploy deployment of a revision from this environment\'s revision bucket to one fleet.',
      parameters: [
        fleet,
        { name: 'RevisionKey', field: 'revisionKey', type: 'String', description: 'Object key of the revision in the revision bucket.', allowedPattern: '^[^"\\\\]{1,1024}$' },
        { name: 'BundleType', field: 'bundleType', type: 'String', description: 'Revision format.', default: 'zip', allowedValues: ['zip', 'tar', 'tgz', 'YAML', 'JSON'] },
        { name: 'Version', field: 'version', type: 'String', description: 'S3 object version (empty: latest).', default: '', allowedPattern: '^[^"\\\\]{0,1024}$' },
      ],
    },
    'deployment-status': { description: 'Progress of a deployment to one of this environment\'s fleets.', parameters: [{ name: 'DeploymentId', field: 'deploymentId', type: 'String', description: 'e.g. d-A1B2C3D4E', allowedPattern: '^d-[A-Z0-9]{9}$' }] },
  };
  const out = {} as Record<RunbookName, ssm.CfnDocument>;
  for (const [name, doc] of Object.entries(docs) as [RunbookName, (typeof docs)[RunbookName]][]) {
    out[name] = new ssm.CfnDocument(ctx.scope, `Document-${name}`, {
      documentType: 'Automation',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: automationContent(ctx, ctx.runbooks[name], doc.description, doc.parameters),
    });
  }
  return out;
}

/** Automation: invoke the runbook function, then fail the execution if it refused or failed. */
export function automationContent(ctx: OperationsContext, fn: ControllerFunction, description: string, parameters: Parameter[]): object {
  const all: Parameter[] = [
    { name: 'RequestedBy', field: 'requestedBy', type: 'String', description: 'Who is asking: your user name or the ticket (shows in the audit log).', allowedPattern: '^[\\w.@+=,:/ -]{2,128}$' },
    ...parameters,
    { name: 'DryRun', field: 'dryRun', type: 'Boolean', description: 'Check and report what would happen, change nothing.', default: false },
  ];
  // The execution id is Automation's system variable, not a parameter: the audit names the real
  // execution (and, through GetAutomationExecution, who started it), whatever RequestedBy says.
  const payload = `{${[...all.map((p) => `"${p.field}": ${p.type === 'Boolean' ? `{{ ${p.name} }}` : `"{{ ${p.name} }}"`}`), '"automationExecutionId": "{{ automation:EXECUTION_ID }}"'].join(', ')}}`;
  return {
    schemaVersion: '0.3',
    description: `graceful-autoscaler ${ctx.props.environmentName}: ${description}`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: { type: 'String', description: 'Role the automation runs as.', default: ctx.automationRole.roleArn },
      ...Object.fromEntries(
        all.map((p) => [
          p.name,
          {
            type: p.type,
            description: p.description,
            ...(p.default !== undefined ? { default: p.default } : {}),
            ...(p.allowedPattern ? { allowedPattern: p.allowedPattern } : {}),
            ...(p.allowedValues ? { allowedValues: p.allowedValues } : {}),
          },
        ]),
      ),
    },
    mainSteps: [
      {
        name: 'invoke',
        action: 'aws:invokeLambdaFunction',
        maxAttempts: 1,
        timeoutSeconds: RUNBOOK_TIMEOUT.toSeconds() + 30,
        onFailure: 'Abort',
        inputs: { FunctionName: fn.functionArn, Payload: payload },
        outputs: [{ Name: 'Payload', Selector: '$.Payload', Type: 'StringMap' }],
      },
      {
        name: 'check',
        action: 'aws:executeScript',
        onFailure: 'Abort',
        inputs: {
          Runtime: 'python3.11',
          Handler: 'check',
          InputPayload: { payload: '{{ invoke.Payload }}' },
          // A refusal comes back as Lambda's error payload: make it fail the execution, with its message.
          Script: 'def check(events, context):\n    p = events.get("payload")\n    if isinstance(p, dict) and "errorMessage" in p:\n        raise Exception(str(p.get("errorType", "Error")) + ": " + str(p["errorMessage"]))\n    return p\n',
        },
        outputs: [{ Name: 'Result', Selector: '$.Payload', Type: 'StringMap' }],
      },
    ],
    outputs: ['check.Result'],
  };
}
