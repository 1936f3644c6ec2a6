import { Annotations, Arn, ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TERMINATE_ACTION_DETAIL_TYPE } from '../core/lifecycle-event';
import { DEFAULT_DRAIN_POLICY } from '../core/drain';
import { EVENT_MAX_RECEIVE_COUNT, SWEEP_PERIOD_SECONDS, TaskSourceSettings, policyForGroup } from '../core/contract/lambda-settings';
import { instanceArnPrefix } from '../core/instance-namespace';
import { FunctionEnvironment } from '../core/contract/function-env';
import { ControllerConfig } from './config';
import { ControllerFunction } from './controller-function';
import { PATTERNS } from './config/problems';
import { hasAgentInstalled, requireProp } from './props-validation';
import { DRAIN_HOOK_NAME, metricsServiceName, sourcePrefix } from './names';
import { grantControllerAccess } from './drain-controller-access';
import { DrainControllerProps, isAdopted } from './drain-controller-props';
import { adoptGroups } from './group-adoption';
import { ownRuleTarget } from './own-rule-target';
import { acceptDrainReports, acceptReadings } from './drain-controller-queues';

export type { DrainControllerProps, ManagedFleet } from './drain-controller-props';
export { metricsServiceName } from './names';

/** How often the sweep re-checks every waiting instance. */
export const SWEEP_PERIOD = Duration.seconds(SWEEP_PERIOD_SECONDS);
/** Event function timeout; the queue's visibility timeout is six times this (Lambda developer guide, "Using Lambda with Amazon SQS"). */
const EVENT_FUNCTION_TIMEOUT = Duration.seconds(60);
/** Sweep timeout: under the sweep period, so two sweeps never overlap for long. */
const SWEEP_FUNCTION_TIMEOUT = Duration.seconds(55);
/** Auto Scaling waits 2 s for a custom termination policy (user guide, "Create a custom termination policy with Lambda"). */
const TERMINATION_POLICY_TIMEOUT = Duration.seconds(2);
/** Deliveries before a message that keeps failing moves to the dead-letter queue. */
/** SQS keeps messages at most 14 days (SQS developer guide, "Message retention"): the DLQ keeps them that long. */
const DLQ_RETENTION = Duration.days(14);
/** Event queue retention: longer than the longest drain (48 h) so no event expires while its drain is live. */
const QUEUE_RETENTION = Duration.days(4);

/**
 * The drain controller: EventBridge lifecycle events → encrypted SQS queue (with DLQ) → drain function
 * (fast path); a sweep every minute over every waiting instance (safety net); a durable drain table; and
 * a least-busy-first custom termination policy on every managed group.
 */
export class DrainController extends Construct {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventFunction: ControllerFunction;
  readonly sweepFunction: ControllerFunction;
  readonly terminationPolicyFunction: ControllerFunction;
  readonly securityGroup: ec2.SecurityGroup;
  /** Where task counts come from, as the functions' settings say. */
  readonly taskSource: TaskSourceSettings;
  /** Per fleet name: readings this long after the stop count towards idle (what the controller applies). */
  readonly stopSettleSeconds: Readonly<Record<string, number>>;
  /** Sets and restores adopted groups' termination policies; present when a fleet's group is imported. */
  adoptionFunction?: ControllerFunction;
  /** Per adopted fleet: the custom resource that holds our termination policy on its group. */
  readonly adoptions = new Map<string, CustomResource>();
  /** Per fleet whose agents send their in-service readings through SQS: its own readings queue. */
  readonly readingsQueues = new Map<string, sqs.Queue>();
  /** Drains the readings queues into the table; present when any fleet has one. */
  readonly readingsFunction?: ControllerFunction;

  constructor(scope: Construct, id: string, props: DrainControllerProps) {
    super(scope, id);
    requireProp(this, typeof props.environmentName === 'string' && PATTERNS.envName.test(props.environmentName), 'environmentName', props.environmentName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 24 characters (it names rules and metrics)');
    requireProp(this, props.fleets.length > 0, 'fleets', [], 'must list at least one fleet');
    const names = props.fleets.map((f) => f.name);
    requireProp(this, new Set(names).size === names.length, 'fleets', names, 'must name each fleet once');
    requireProp(this, Number.isInteger(props.controller.idleReadings) && props.controller.idleReadings >= 1 && props.controller.idleReadings <= 60, 'controller.idleReadings', props.controller.idleReadings, 'must be a whole number from 1 to 60');
    for (const [which, endpoint] of [['taskSource', props.controller.taskSource], ['stopWorker', props.controller.stopWorker]] as const) {
      if (endpoint.kind !== 'trino') continue;
      props.fleets.forEach((f, i) =>
        requireProp(this, f.securityGroup !== undefined, `fleets[${i}].securityGroup`, f.securityGroup, `must be given: the controller calls fleet ${f.name}'s workers on their HTTP API, port ${endpoint.port} (${which} "trino")`),
      );
    }
    // Whether a fleet runs the agent is known only once the app is built (WorkerAgent.installOn may come later).
    this.node.addValidation({ validate: () => this.warnUndrainable(props) });
    const stack = Stack.of(this);

    this.table = new dynamodb.Table(this, 'DrainTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // Drain history is the record of what was forced and killed: keep it if the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'EventQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: Duration.seconds(EVENT_FUNCTION_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: EVENT_MAX_RECEIVE_COUNT },
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the event queue.' },
      { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: 'This is the dead-letter queue of the event queue; messages end here.' },
    );

    const lifecycleRule = new events.Rule(this, 'LifecycleEvents', {
      ruleName: `${sourcePrefix(props.environmentName)}lifecycle`,
      description: `graceful-autoscaler ${props.environmentName}: our terminate hook's lifecycle actions`,
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: [TERMINATE_ACTION_DETAIL_TYPE],
        detail: {
          AutoScalingGroupName: props.fleets.map((f) => f.group.autoScalingGroupName),
          LifecycleHookName: [DRAIN_HOOK_NAME],
        },
      },
      targets: [ownRuleTarget({ arn: this.queue.queueArn, action: 'sqs:SendMessage', addToResourcePolicy: (st) => this.queue.addToResourcePolicy(st) })],
    });
    // EventBridge may send to the queue only for this rule: the Allow above names it, and this Deny
    // bounds any Allow added later. CDK's SqsQueue target grants events.amazonaws.com on aws:SourceAccount
    // alone, which any rule in the account satisfies: anyone able to create a rule could feed the
    // controller forged lifecycle events.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': lifecycleRule.ruleArn } },
      }),
    );

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `graceful-autoscaler ${props.environmentName} drain controller`,
      allowAllOutbound: true,
    });
    const c = props.controller;
    for (const endpoint of [c.taskSource, c.stopWorker]) {
      if (endpoint.kind !== 'trino') continue;
      for (const f of props.fleets) {
        // Present: the props check above refuses a fleet without it.
        f.securityGroup!.connections.allowFrom(this.securityGroup, ec2.Port.tcp(endpoint.port), 'drain controller to worker HTTP API');
      }
    }

    const policy = { idleReadings: c.idleReadings };
    const readingFleets = props.fleets.filter((f) => f.readingsRole !== undefined);
    this.stopSettleSeconds = Object.fromEntries(
      props.fleets.map((f) => [f.name, policyForGroup({ policy: DEFAULT_DRAIN_POLICY, workerControl: c.stopWorker }, { shutdownGraceSeconds: f.shutdownGrace.toSeconds() }).stopSettleSeconds]),
    );
    const taskSource: TaskSourceSettings = c.taskSource.kind === 'trino' ? { ...c.taskSource, timeoutMs: 2000 } : metricSettings(c.taskSource, stack);
    this.taskSource = taskSource;
    const workerControl = c.stopWorker.kind === 'trino' ? { ...c.stopWorker, timeoutMs: 5000 } : c.stopWorker;
    const controllerSettings = stack.toJsonString({
      hookName: DRAIN_HOOK_NAME,
      groups: Object.fromEntries(
        props.fleets.map((f) => [
          f.group.autoScalingGroupName,
          {
            fleet: f.name,
            drainTimeoutSeconds: f.drainTimeout.toSeconds(),
            heartbeatTimeoutSeconds: f.heartbeatTimeout.toSeconds(),
            shutdownGraceSeconds: f.shutdownGrace.toSeconds(),
            // SQS stamps each report with `<role id>:<instance id>`; the role id is what the handler checks.
            ...(f.reportingRole ? { workerRoleId: f.reportingRole.roleId } : {}),
          },
        ]),
      ),
      policy,
      taskSource,
      workerControl,
    });
    const network = { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroup: this.securityGroup };
    const common = { network, key: props.key, serviceName: metricsServiceName(props.environmentName) };
    const controllerEnvironment: FunctionEnvironment<'drain-events' | 'drain-sweep'> = {
      CONTROLLER_SETTINGS: controllerSettings,
      DRAIN_TABLE_NAME: this.table.tableName,
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
    };

    this.eventFunction = new ControllerFunction(this, 'EventFunction', {
      ...common,
      entry: 'drain-events',
      description: `graceful-autoscaler ${props.environmentName}: drain instances on their lifecycle events`,
      timeout: EVENT_FUNCTION_TIMEOUT,
      environment: controllerEnvironment,
    });
    this.eventFunction.addEventSource(new sources.SqsEventSource(this.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true }));
    this.deadLetterQueue.grantSendMessages(this.eventFunction);

    this.sweepFunction = new ControllerFunction(this, 'SweepFunction', {
      ...common,
      entry: 'drain-sweep',
      description: `graceful-autoscaler ${props.environmentName}: re-check every waiting instance each minute`,
      timeout: SWEEP_FUNCTION_TIMEOUT,
      environment: controllerEnvironment,
      // A failed sweep is not retried: the next one is a minute away. No reserved concurrency: overlapping
      // sweeps are safe (every write is conditional) and the 55 s timeout keeps them apart anyway, while a
      // reservation fails the deploy in accounts with Lambda's minimum quota (10 must stay unreserved).
      retryAttempts: 0,
    });
    new events.Rule(this, 'Sweep', {
      description: `graceful-autoscaler ${props.environmentName}: drain sweep`,
      schedule: events.Schedule.rate(SWEEP_PERIOD),
      targets: [new targets.LambdaFunction(this.sweepFunction, { retryAttempts: 0 })],
    });

    // Auto Scaling gives the termination policy 2 s, cold start included. With metric task counts it calls
    // only CloudWatch and EC2, public APIs, so it runs outside the VPC: no NAT on its path, and no
    // Hyperplane ENI that Lambda reclaims from a function idle for weeks, after which the next invocation
    // fails while the function is Pending (Lambda developer guide, "Lambda function states"). Scale-ins
    // can be weeks apart. Only when it reads each worker's /v1/task does it need the VPC.
    this.terminationPolicyFunction = new ControllerFunction(this, 'TerminationPolicyFunction', {
      ...common,
      network: taskSource.kind === 'trino' ? network : undefined,
      entry: 'termination-policy',
      description: `graceful-autoscaler ${props.environmentName}: least-busy-first scale-in`,
      timeout: TERMINATION_POLICY_TIMEOUT,
      environment: {
        TERMINATION_POLICY_SETTINGS: stack.toJsonString({ policy, taskSource, ...(props.stragglersNamespace ? { stragglersNamespace: props.stragglersNamespace } : {}), ...(readingFleets.length > 0 ? { readingsInStore: true } : {}) }),
        ...(readingFleets.length > 0 ? ({ DRAIN_TABLE_NAME: this.table.tableName } satisfies Partial<FunctionEnvironment<'termination-policy'>>) : {}),
      },
    });
    // The in-service readings of fleets that send them through SQS: one Query of the group's items.
    if (readingFleets.length > 0) this.grantTable(this.terminationPolicyFunction, 'dynamodb:Query');

    if (taskSource.kind !== 'trino') {
      Validations.of(this.terminationPolicyFunction).acknowledge({
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason: "It calls only CloudWatch GetMetricData and EC2 DescribeInstances, public AWS APIs, within Auto Scaling's 2 s; in a VPC it would depend on the NAT path, and a VPC function idle for weeks (scale-ins can be that rare) fails its next invocation while Lambda recreates its network interface.",
      });
    }
    grantControllerAccess(this, this, (fn, ...actions) => this.grantTable(fn, ...actions), props);
    this.attachTerminationPolicy(props);
    acceptDrainReports(this, this.queue, props);
    // Outside the VPC: it calls only SQS (through its event sources) and DynamoDB, public AWS APIs (its
    // cfn-guard acknowledgement says so); the parameter's type leaves the network out, so pass none.
    if (readingFleets.length > 0) this.readingsFunction = acceptReadings(this, props, readingFleets, { key: common.key, serviceName: common.serviceName });
  }

  /**
   * A fleet this stack launches that no WorkerAgent was installed on, while the controller relies on the
   * agent to stop its workers or to publish the task counts it reads: every drain would run to its
   * timeout and kill what is still running. Adopted groups are the operator's to declare (docs/adopt-existing-fleet.md).
   */
  private warnUndrainable(props: DrainControllerProps): string[] {
    const c = props.controller;
    const needs = [
      ...(c.stopWorker.kind === 'agent' ? ['stopWorker "agent" (nothing else stops the workers)'] : []),
      ...(c.taskSource.kind === 'metric' && c.taskSource.perInstance ? ["the agent's RunningTasks metric (nothing else publishes it)"] : []),
    ];
    if (needs.length === 0) return [];
    for (const f of props.fleets) {
      if (isAdopted(f.group) || hasAgentInstalled(f.group)) continue;
      Annotations.of(this).addWarningV2(
        'graceful-autoscaler:cannot-drain',
        `Fleet ${f.name}: no WorkerAgent is installed on its group, but the controller uses ${needs.join(' and ')}: no drain can finish before its ${f.drainTimeout.toHumanString()} timeout. Call WorkerAgent.installOn(fleet, …), or use stopWorker "ssm"/"trino" with a task source of your own.`,
      );
    }
    return [];
  }

  /**
   * Table actions, plus the table's customer-managed key: Table.grant() grants only the DynamoDB actions,
   * and a call without the key fails with AccessDenied (DynamoDB developer guide, "Using customer managed
   * keys"). Reads need Decrypt and DescribeKey; writes also Encrypt, ReEncrypt and GenerateDataKey.
   */
  grantTable(fn: iam.IGrantable, ...actions: string[]): void {
    this.table.grant(fn, ...actions);
    const readOnly = actions.every((a) => a === 'dynamodb:Query' || a === 'dynamodb:GetItem');
    this.table.encryptionKey!.grant(fn, 'kms:Decrypt', 'kms:DescribeKey', ...(readOnly ? [] : ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']));
  }

  /**
   * Least-busy-first scale-in on every group. Auto Scaling invokes the function with its service-linked
   * role, which needs this resource policy; the group must not reference the function before it exists.
   */
  private attachTerminationPolicy(props: DrainControllerProps): void {
    const stack = Stack.of(this);
    const serviceLinkedRole = Arn.format(
      { service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling', arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      stack,
    );
    const permission = new lambda.CfnPermission(this, 'AutoScalingInvokesTerminationPolicy', {
      action: 'lambda:InvokeFunction',
      functionName: this.terminationPolicyFunction.functionArn,
      principal: serviceLinkedRole,
    });
    for (const f of props.fleets) {
      if (isAdopted(f.group)) continue;
      const cfnGroup = f.group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
      cfnGroup.terminationPolicies = [this.terminationPolicyFunction.functionArn];
      cfnGroup.node.addDependency(permission);
    }
    const adopted = props.fleets.filter((f) => isAdopted(f.group));
    if (adopted.length > 0) {
      const a = adoptGroups(this, this.terminationPolicyFunction, props, adopted, permission);
      this.adoptionFunction = a.adoptionFunction;
      for (const [fleet, resource] of a.adoptions) this.adoptions.set(fleet, resource);
    }
  }
}

/**
 * The metric as the functions read it. The agent's is read per instance, from each instance's own
 * namespace (`<namespace>/<instance ARN>`, core/instance-namespace.ts): the only one the
 * instance's credentials may write, so a forged zero or count about another worker is never read.
 */
function metricSettings(metric: Extract<ControllerConfig['taskSource'], { kind: 'metric' }>, stack: Stack): TaskSourceSettings {
  const { perInstance, ...settings } = metric;
  return perInstance ? { ...settings, instanceArnPrefix: instanceArnPrefix({ partition: stack.partition, region: stack.region, account: stack.account }) } : settings;
}
