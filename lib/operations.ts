import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { TaskSourceSettings } from '../lambdas/domain/settings';
import { RunbookName } from '../lambdas/runbooks/runbooks';
import { ControllerFunction } from './controller-function';
import { ScalingSignals } from './scaling-signals';
import { StragglerDetection } from './stragglers';
import { DEFERRED_METRIC, DETECTION_FAILED_METRIC, REPLACEMENTS_METRIC, STRAGGLERS_METRIC } from '../lambdas/handlers/stragglers';
import { BACKLOG_SECONDS_METRIC, DECISION_METRIC, FINISHED_METRIC, QUERIES_INVISIBLE_METRIC, QUEUED_METRIC, RUNNING_METRIC, SIGNALS_FAILED_METRIC } from '../lambdas/handlers/scaling-signals';
import { WORKING_CPU_PERCENT } from '../lambdas/domain/coordinator-signals';
import { ScalingRule } from '../lambdas/domain/scaling-policy';
import { DrainController, metricsServiceName } from './drain-controller';
import { DeployedFleet } from './fleet-stack';
import { DURATION_PATTERN_SOURCE } from '../lambdas/domain/duration';
import { BOOT_STEP_ATTEMPTS, INSTALL_FAILURES_METRIC } from './boot-steps';
import { METRICS_NAMESPACE, agentNamespace, sourcePrefix } from './names';
import { nagResourceFinding } from './nag-finding';

/** How often the deployment guard releases expired holds. */
const GUARD_PERIOD = Duration.minutes(5);
/** Runbooks answer an operator; anything slower is wrong. */
const RUNBOOK_TIMEOUT = Duration.seconds(60);
/** Minutes the decision says "capacity ceiling" before the backpressure alarm. */
const CEILING_MINUTES = 5;
/** Minutes without a fleet's signals before the operator is told. */
const SIGNALS_DOWN_MINUTES = 5;
/**
 * Minutes a working fleet's coordinator lists no query before the operator is told: long enough to ride
 * out a coordinator restart, whose empty list ends as the workers' CPU falls with their killed tasks.
 */
const QUERIES_INVISIBLE_MINUTES = 10;
/** Every rule, for the decision widget (one line each). */
const SCALING_RULES: readonly ScalingRule[] = ['no-data', 'action-in-flight', 'stalled', 'backlog', 'capacity-ceiling', 'scale-in', 'hold'];
/** Minutes at maximum capacity with CPU above target before capacity is called exhausted. */
const PINNED_MINUTES = 15;

/** Properties of Operations. */
export interface OperationsProps {
  readonly environmentName: string;
  readonly fleets: readonly DeployedFleet[];
  /** The fleets' scaling signals, when any fleet has them on: their widgets and alarms. */
  readonly signals?: ScalingSignals;
  /** The fleets' straggler detection, when any fleet has it on: its widgets. */
  readonly stragglers?: StragglerDetection;
  readonly controller: DrainController;
  readonly revisionBucket: s3.IBucket;
  readonly alarmTopic: sns.ITopic;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly key: kms.IKey;
  readonly taskSource: TaskSourceSettings;
  readonly idleReadings: number;
}

interface Parameter {
  readonly name: string;
  readonly field: string;
  readonly type: 'String' | 'Boolean';
  readonly description: string;
  readonly default?: string | boolean;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
}

/**
 * What operators use: one Lambda per runbook wrapped as an SSM Automation document, the deployment guard,
 * a dashboard, and alarms to the environment's topic.
 */
export class Operations extends Construct {
  readonly runbooks: Record<RunbookName, ControllerFunction>;
  readonly guard: ControllerFunction;
  readonly automationRole: iam.Role;
  readonly documents: Record<RunbookName, ssm.CfnDocument>;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: OperationsProps) {
    super(scope, id);
    const settings = Stack.of(this).toJsonString({
      environment: props.environmentName,
      hookName: 'graceful-autoscaler-drain',
      revisionBucket: props.revisionBucket.bucketName,
      fleets: Object.fromEntries(
        props.fleets.map((f) => [
          f.config.name,
          {
            groupName: f.fleet.autoScalingGroup.autoScalingGroupName,
            applicationName: f.deployment.application.applicationName,
            deploymentGroupName: f.deployment.deploymentGroup.deploymentGroupName,
            drainTimeoutSeconds: f.config.drainTimeoutSeconds,
            heartbeatTimeoutSeconds: f.config.heartbeatTimeoutSeconds,
            stopSettleSeconds: props.controller.stopSettleSeconds[f.config.name],
          },
        ]),
      ),
      policy: { idleReadings: props.idleReadings },
      taskSource: props.taskSource,
    });
    const make = (name: RunbookName | 'deployment-guard', description: string) =>
      new ControllerFunction(this, `Runbook-${name}`, {
        entry: 'runbook',
        serviceName: metricsServiceName(props.environmentName),
        description: `graceful-autoscaler ${props.environmentName}: ${description}`,
        network: { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroup: props.controller.securityGroup },
        key: props.key,
        timeout: RUNBOOK_TIMEOUT,
        environment: { RUNBOOK_NAME: name, RUNBOOK_SETTINGS: settings, DRAIN_TABLE_NAME: props.controller.table.tableName },
      });

    this.runbooks = {
      'fleet-status': make('fleet-status', 'runbook: fleet status'),
      'drain-instance': make('drain-instance', 'runbook: drain one instance'),
      'force-complete': make('force-complete', 'runbook: force one drain'),
      'extend-drain': make('extend-drain', 'runbook: extend one drain'),
      'pause-scaling': make('pause-scaling', 'runbook: hold scale-in'),
      'resume-scaling': make('resume-scaling', 'runbook: release scale-in'),
      deploy: make('deploy', 'runbook: start a deployment'),
      'deployment-status': make('deployment-status', 'runbook: deployment progress'),
    };
    this.guard = make('deployment-guard', 'hold scale-in while CodeDeploy deploys');
    this.grantRunbooks();

    new events.Rule(this, 'DeploymentEvents', {
      description: `graceful-autoscaler ${props.environmentName}: CodeDeploy state changes of our fleets`,
      eventPattern: {
        source: ['aws.codedeploy'],
        detailType: ['CodeDeploy Deployment State-change Notification'],
        detail: { application: props.fleets.map((f) => f.deployment.application.applicationName) },
      },
      targets: [new targets.LambdaFunction(this.guard)],
    });
    new events.Rule(this, 'GuardSchedule', {
      description: `graceful-autoscaler ${props.environmentName}: release expired scale-in holds`,
      schedule: events.Schedule.rate(GUARD_PERIOD),
      targets: [new targets.LambdaFunction(this.guard)],
    });

    this.automationRole = new iam.Role(this, 'AutomationRole', {
      description: `graceful-autoscaler ${props.environmentName}: SSM Automation runbooks invoke the runbook functions`,
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    // The unqualified functions only (grantInvoke would add every version and alias with ":*").
    this.automationRole.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(this.runbooks).map((fn) => fn.functionArn) }));
    this.documents = this.createDocuments();
    this.dashboard = this.createDashboard();
    this.createAlarms();
  }

  /** Each runbook's role allows what it does and no more; writes are scoped to our groups, table and apps. */
  private grantRunbooks(): void {
    const r = this.runbooks;
    const groupArns = this.props.fleets.map((f) => f.fleet.autoScalingGroup.autoScalingGroupArn);
    const controller = this.props.controller;
    const all = [...Object.values(r), this.guard];
    for (const fn of all) {
      // Describe* has no resource-level permissions (Service Authorization Reference, Auto Scaling).
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }));
    }
    // The audit names who started the Automation execution (ExecutedBy), read from SSM, not from the input.
    const executions = Stack.of(this).formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' });
    for (const fn of Object.values(r)) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetAutomationExecution'], resources: [executions] }));
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(this), executions)}]`,
        reason: 'Read-only, on this account and region\'s Automation executions: execution ids are random, known only when the runbook is called; the audit reads who started its own execution.',
      });
    }
    for (const fn of [r['fleet-status'], r['force-complete'], r['extend-drain'], r['pause-scaling'], r['resume-scaling'], this.guard]) controller.grantTable(fn, 'dynamodb:Query');
    for (const fn of [r['fleet-status'], r['force-complete']]) {
      if (this.props.taskSource.kind === 'metric') fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      else fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    }
    r['drain-instance'].addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'], resources: groupArns }));
    r['force-complete'].addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:CompleteLifecycleAction'], resources: groupArns }));
    controller.grantTable(r['force-complete'], 'dynamodb:PutItem', 'dynamodb:DeleteItem');
    controller.grantTable(r['extend-drain'], 'dynamodb:UpdateItem');
    for (const fn of [r['pause-scaling'], r['resume-scaling'], this.guard]) {
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
        resources: this.props.fleets.flatMap((f) => [f.deployment.deploymentGroup.deploymentGroupArn, f.deployment.application.applicationArn, f.deployment.deploymentGroup.deploymentConfig.deploymentConfigArn]),
      }),
    );
    r['deployment-status'].addToRolePolicy(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: this.props.fleets.map((f) => f.deployment.deploymentGroup.deploymentGroupArn) }));

    const stack = Stack.of(this);
    for (const fn of all) {
      Validations.of(fn).acknowledge(
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Only Describe*, GetMetricData, DescribeInstances, X-Ray and ENI actions, which support no resource-level permissions.' },
        { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "Data keys of this environment's CMK only, which encrypts the drain table the runbook writes." },
        { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "Re-encryption under this environment's CMK only, for writes to the encrypted drain table." },
        ...groupArns.map((arn) => ({ id: `AwsSolutions-IAM5[${nagResourceFinding(stack, arn)}]`, reason: 'A group ARN carries a UUID Auto Scaling assigns at creation; the group name pins it to our group.' })),
      );
    }
  }

  private createDocuments(): Record<RunbookName, ssm.CfnDocument> {
    const fleetNames = this.props.fleets.map((f) => f.config.name);
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
      out[name] = new ssm.CfnDocument(this, `Document-${name}`, {
        documentType: 'Automation',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: this.automationContent(this.runbooks[name], doc.description, doc.parameters),
      });
    }
    return out;
  }

  /** Automation: invoke the runbook function, then fail the execution if it refused or failed. */
  private automationContent(fn: ControllerFunction, description: string, parameters: Parameter[]): object {
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
      description: `graceful-autoscaler ${this.props.environmentName}: ${description}`,
      assumeRole: '{{ AutomationAssumeRole }}',
      parameters: {
        AutomationAssumeRole: { type: 'String', description: 'Role the automation runs as.', default: this.automationRole.roleArn },
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

  private controllerMetric(metricName: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: metricsServiceName(this.props.environmentName) }, statistic, period });
  }

  private groupMetric(metricName: string, groupName: string, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName, dimensionsMap: { AutoScalingGroupName: groupName }, statistic: 'Average', period: Duration.minutes(1), label });
  }

  private cpu(groupName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensionsMap: { AutoScalingGroupName: groupName }, statistic: 'Average', period: Duration.minutes(1), label: 'average CPU' });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const c = this.props.controller;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `graceful-autoscaler-${this.props.environmentName}`,
      defaultInterval: Duration.hours(6),
    });
    for (const f of this.props.fleets) {
      const group = f.fleet.autoScalingGroup.autoScalingGroupName;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${f.config.name}: desired vs in service vs draining`,
          width: 8,
          left: [this.groupMetric('GroupDesiredCapacity', group, 'desired'), this.groupMetric('GroupInServiceInstances', group, 'in service'), this.groupMetric('GroupTerminatingInstances', group, 'draining (terminating)')],
        }),
        new cloudwatch.GraphWidget({
          title: `${f.config.name}: CPU against the ${f.config.targetCpuPercent}% target`,
          width: 8,
          left: [this.cpu(group)],
          leftAnnotations: [{ value: f.config.targetCpuPercent, label: 'target', color: '#d62728' }],
          leftYAxis: { min: 0, max: 100 },
        }),
        new cloudwatch.GraphWidget({
          title: `${f.config.name}: running tasks`,
          width: 8,
          left: [
            new cloudwatch.MathExpression({
              // Display only. Each worker publishes in its own namespace, `<agent namespace>/arn:…:instance/<id>`, so no
              // schema can name them all: a partial Namespace match on the composite token `<agent namespace>/arn`
              // finds every instance's, and never the shared agent namespace (CloudWatch user guide, "Search expression syntax").
              expression: `SUM(SEARCH('Namespace=${agentNamespace(this.props.environmentName)}/arn MetricName="RunningTasks" AutoScalingGroupName="${group}"', 'Maximum', 60))`,
              label: 'running tasks (sum over instances)',
              period: Duration.minutes(1),
            }),
          ],
        }),
      );
      const sig = this.props.signals;
      if (f.config.scaling && sig) {
        const name = f.config.name;
        dashboard.addWidgets(
          new cloudwatch.GraphWidget({
            title: `${name}: queue (backlog) and needed ÷ current capacity`,
            width: 8,
            left: [
              sig.metric(name, QUEUED_METRIC, 'Maximum', 'queued'),
              sig.metric(name, RUNNING_METRIC, 'Maximum', 'running'),
              sig.metric(name, FINISHED_METRIC, 'Sum', 'finished a minute'),
              sig.metric(name, QUERIES_INVISIBLE_METRIC, 'Sum', 'working, yet the coordinator lists no queries'),
            ],
            right: [sig.ratio(name)],
            rightAnnotations: [{ value: 1, label: 'ratio tracked at 1.0', color: '#2ca02c' }],
          }),
          new cloudwatch.GraphWidget({
            title: `${name}: which rule decided (minutes per rule)`,
            width: 8,
            stacked: true,
            left: SCALING_RULES.map((rule) => sig.metric(name, DECISION_METRIC, 'Sum', rule, { Rule: rule })),
            right: [sig.metric(name, BACKLOG_SECONDS_METRIC, 'Maximum', 'backlog time (s)')],
          }),
          new cloudwatch.AlarmWidget({ title: `${name}: capacity ceiling: queries queueing`, width: 8, alarm: this.ceilingAlarm(name) }),
        );
      }
      const st = this.props.stragglers;
      if (f.config.stragglers && st) {
        const name = f.config.name;
        dashboard.addWidgets(
          new cloudwatch.GraphWidget({
            title: `${name}: stragglers now, replaced, waiting for a replacement slot`,
            width: 8,
            left: [st.metric(name, STRAGGLERS_METRIC, 'Maximum', 'stragglers'), st.metric(name, REPLACEMENTS_METRIC, 'Sum', 'marked unhealthy for replacement')],
            right: [st.metric(name, DEFERRED_METRIC, 'Sum', 'replacement deferred (minutes)'), st.metric(name, DETECTION_FAILED_METRIC, 'Sum', 'detection unavailable (minutes)')],
          }),
          new cloudwatch.GraphWidget({
            title: `${name}: bottlenecked workers (minutes in a row; a straggler at ${f.config.stragglers.detector.replaceAfterMinutes})`,
            width: 8,
            left: [st.bottlenecked(group)],
            leftAnnotations: [{ value: f.config.stragglers.detector.replaceAfterMinutes, label: 'straggler', color: '#d62728' }],
          }),
        );
      }
    }
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Drain duration p50 / p99 (s)', width: 8, left: [this.controllerMetric('DrainDurationSeconds', 'p50', Duration.minutes(5)), this.controllerMetric('DrainDurationSeconds', 'p99', Duration.minutes(5))] }),
      new cloudwatch.GraphWidget({ title: 'Forced terminations and tasks killed', width: 8, left: [this.controllerMetric('ForcedTerminations', 'Sum'), this.controllerMetric('TasksKilled', 'Sum')], right: [this.controllerMetric('GracefulCompletions', 'Sum')] }),
      new cloudwatch.GraphWidget({ title: 'Draining now / oldest drain (s)', width: 8, left: [this.controllerMetric('InstancesDraining', 'Maximum')], right: [this.controllerMetric('OldestDrainAgeSeconds', 'Maximum')] }),
      new cloudwatch.GraphWidget({
        title: 'Controller errors and throttles',
        width: 8,
        left: [this.controllerMetric('InstanceErrors', 'Sum'), ...[c.eventFunction, c.sweepFunction, c.terminationPolicyFunction].map((fn) => fn.metricErrors({ period: Duration.minutes(1), label: `${fn.node.id} errors` }))],
        right: [c.eventFunction, c.sweepFunction, c.terminationPolicyFunction].map((fn) => fn.metricThrottles({ period: Duration.minutes(1), label: `${fn.node.id} throttles` })),
      }),
      new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', width: 8, left: [c.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })] }),
      new cloudwatch.GraphWidget({
        title: 'Boot installs failed (CodeDeploy agent, worker agent)',
        width: 8,
        left: this.props.fleets.map((f) => this.installFailures(f.config.name)),
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Deployments (scale-in guard)',
        width: 8,
        logGroupNames: [this.guard.logGroup.logGroupName],
        queryLines: ['fields @timestamp, fleet, deploymentId, state, scaleInHeld', 'filter message = "deployment guard"', 'sort @timestamp desc', 'limit 20'],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Forced terminations: what was killed',
        width: 24,
        logGroupNames: [c.eventFunction.logGroup.logGroupName, c.sweepFunction.logGroup.logGroupName, this.runbooks['force-complete'].logGroup.logGroupName],
        queryLines: ['fields @timestamp, instanceId, fleet, tasksKilled, drainSeconds, requestedBy, reason', 'filter message like /forced/', 'sort @timestamp desc', 'limit 50'],
      }),
    );
    return dashboard;
  }

  /** Boot steps that failed on the fleet's instances (lib/boot-steps.ts), in the agent's namespace. */
  private installFailures(fleet: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: agentNamespace(this.props.environmentName), metricName: INSTALL_FAILURES_METRIC, dimensionsMap: { Fleet: fleet }, statistic: 'Sum', period: Duration.minutes(5), label: `${fleet}: failed installs` });
  }

  private addAlarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    // Named under the environment's prefix: the topic and the key admit only its own alarms.
    const a = new cloudwatch.Alarm(this, id, { alarmName: `${sourcePrefix(this.props.environmentName)}${id}`, ...props });
    a.addAlarmAction(new actions.SnsAction(this.props.alarmTopic));
    this.alarms.push(a);
    return a;
  }

  private readonly ceilingAlarms = new Map<string, cloudwatch.Alarm>();

  /**
   * Heron's backpressure made visible: the decision says the fleet needs more than its maximum (rule
   * capacity-ceiling) for CEILING_MINUTES in a row, so queries queue instead of the fleet growing.
   */
  private ceilingAlarm(fleet: string): cloudwatch.Alarm {
    let a = this.ceilingAlarms.get(fleet);
    if (!a) {
      const f = this.props.fleets.find((x) => x.config.name === fleet)!;
      a = this.addAlarm(`CapacityCeilingAlarm-${fleet}`, {
        alarmDescription: `graceful-autoscaler ${this.props.environmentName}: capacity ceiling: queries queueing. Fleet ${fleet} is at its maximum${f.config.existing ? '' : ` of ${f.config.maxCapacity} instances`} and its coordinator's backlog still needs more (rule capacity-ceiling, ${CEILING_MINUTES} minutes running). Raise maxCapacity, or accept the queue; the dashboard shows the queue and the backlog time.`,
        metric: this.props.signals!.metric(fleet, DECISION_METRIC, 'Sum', 'capacity-ceiling minutes', { Rule: 'capacity-ceiling' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: CEILING_MINUTES,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.ceilingAlarms.set(fleet, a);
    }
    return a;
  }

  private createAlarms(): void {
    const c = this.props.controller;
    const env = this.props.environmentName;
    const alarm = (id: string, props: cloudwatch.AlarmProps) => this.addAlarm(id, props);
    alarm('ForcedTerminationAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: a drain reached its deadline and was forced, killing running tasks. See the dashboard's "what was killed".`,
      metric: this.controllerMetric('ForcedTerminations', 'Sum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('DrainPastDeadlineAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: an instance is still draining past its deadline plus two sweeps: the controller is not forcing it.`,
      metric: this.controllerMetric('DrainsPastDeadline', 'Maximum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ControllerErrorAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: the drain controller failed on instances or its functions errored.`,
      metric: new cloudwatch.MathExpression({
        expression: 'instanceErrors + eventErrors + sweepErrors',
        usingMetrics: {
          instanceErrors: this.controllerMetric('InstanceErrors', 'Sum', Duration.minutes(5)),
          eventErrors: c.eventFunction.metricErrors({ period: Duration.minutes(5) }),
          sweepErrors: c.sweepFunction.metricErrors({ period: Duration.minutes(5) }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('WarmPoolReuseAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: a scale-in sent an instance back to a warm pool (InstanceReusePolicy ReuseOnScaleIn). It waits in Warmed:Pending:Wait, not Terminating:Wait, so it was not drained: its running queries are lost when Auto Scaling stops it. Turn ReuseOnScaleIn off with PutWarmPool. The event function's log names the instance.`,
      metric: this.controllerMetric('WarmPoolReuseEvents', 'Sum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('SweepNotRunningAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: the one-minute sweep has not run for 5 minutes: drains depend on events alone.`,
      metric: c.sweepFunction.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    alarm('DeadLetterAlarm', {
      alarmDescription: `graceful-autoscaler ${env}: lifecycle events are in the dead-letter queue (malformed, or failing repeatedly). Each carries its reason.`,
      metric: c.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const f of this.props.fleets) {
      // Our boot steps run only on instances we launch; an adopted group's boot is its owner's.
      if (!f.config.existing) alarm(`InstallFailedAlarm-${f.config.name}`, {
        alarmDescription: `graceful-autoscaler ${env}: an instance of fleet ${f.config.name} failed to install the CodeDeploy agent or our worker agent at boot after ${BOOT_STEP_ATTEMPTS} attempts. The other steps still ran. The Component dimension of ${INSTALL_FAILURES_METRIC} names the step; the instance's /var/log/cloud-init-output.log says why. Without the CodeDeploy agent its launch deployment fails; without ours its drains are forced at the deadline.`,
        metric: this.installFailures(f.config.name),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (f.config.scaling && this.props.signals) {
        this.ceilingAlarm(f.config.name);
        alarm(`SignalsUnavailableAlarm-${f.config.name}`, {
          alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name}'s scaling signals could not be read for ${SIGNALS_DOWN_MINUTES} minutes (coordinator ${f.config.coordinatorUrl} unreachable or not answering /v1/query, or the function failing). Its ratio policy sees no data: it neither scales out on the queue nor agrees to any scale-in, so the fleet only grows on CPU. The function's log says why.`,
          metric: new cloudwatch.MathExpression({
            expression: 'FILL(unavailable, 0) + FILL(errors, 0)',
            usingMetrics: {
              unavailable: this.props.signals.metric(f.config.name, SIGNALS_FAILED_METRIC, 'Sum', 'signals unavailable'),
              errors: this.props.signals.function.metricErrors({ period: Duration.minutes(1) }),
            },
            period: Duration.minutes(1),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: SIGNALS_DOWN_MINUTES,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm(`QueriesInvisibleAlarm-${f.config.name}`, {
          alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name}'s CPU has been at ${WORKING_CPU_PERCENT}% or more for ${QUERIES_INVISIBLE_MINUTES} minutes while its coordinator ${f.config.coordinatorUrl} lists no queries at all, so its queue reads empty and it never scales out on it. Trino's /v1/query lists only the queries the caller may view: give the signals user view on every query owner (file-based access control: a query rule for that user with "allow": ["view"], queryOwner defaulting to all), or check that coordinatorUrl is this fleet's coordinator. The fleet still scales on CPU.`,
          metric: this.props.signals.metric(f.config.name, QUERIES_INVISIBLE_METRIC, 'Sum', 'queries invisible'),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: QUERIES_INVISIBLE_MINUTES,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
      const group = f.fleet.autoScalingGroup.autoScalingGroupName;
      // An adopted group's maximum is its owner's to change: read it from the group's own metric.
      const max = f.config.existing ? 'maxSize' : String(f.config.maxCapacity);
      alarm(`CpuPinnedAlarm-${f.config.name}`, {
        alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name} is at its maximum${f.config.existing ? '' : ` of ${f.config.maxCapacity} instances`} with CPU above its ${f.config.targetCpuPercent}% target for ${PINNED_MINUTES} minutes: raise maxCapacity or expect queueing.`,
        metric: new cloudwatch.MathExpression({
          expression: `IF(inService >= ${max} AND cpu > ${f.config.targetCpuPercent}, 1, 0)`,
          usingMetrics: {
            inService: this.groupMetric('GroupInServiceInstances', group, 'in service'),
            cpu: this.cpu(group),
            ...(f.config.existing ? { maxSize: this.groupMetric('GroupMaxSize', group, 'maximum') } : {}),
          },
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: PINNED_MINUTES,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
