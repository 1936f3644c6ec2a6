import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { QUEUED_METRIC, RATIO_METRIC } from '../core/contract/metrics';
import { SCALE_FROM_ZERO, SCALE_FROM_ZERO_EXPRESSION, ScalingPolicySettings } from '../core/scaling-policy';
import { DrainPricingSettings, SignalsSettings } from '../core/contract/signals-settings';
import { FunctionEnvironment } from '../core/contract/function-env';
import { ControllerFunction } from './controller-function';
import { signalsNamespace } from './names';
import { requireProp } from './props-validation';
import { ACTIVE_DRAIN_PARTITION_PREFIX, RUNTIMES_PARTITION } from '../core/contract/names';

/** The decision runs once a minute: the period of the target tracking alarms that act on it. */
export const SIGNALS_PERIOD = Duration.minutes(1);
/** The coordinator answers /v1/query from memory; 5 s is a coordinator in trouble. */
const COORDINATOR_TIMEOUT_MS = 5000;

/** One fleet whose signals are on. */
export interface SignalsFleetProps {
  /** The fleet's name: a dimension of the metrics the function publishes. */
  readonly fleetName: string;
  /** The fleet's group: the ratio's target tracking policy and the scale-from-zero step policy are added to it. */
  readonly group: autoscaling.IAutoScalingGroup;
  /** The fleet's Trino coordinator (`http(s)://host:port`), whose query list is the queue. */
  readonly coordinatorUrl: string;
  /** How the queue becomes a capacity ratio (docs/scaling.md), and the CPU target it sits beside. */
  readonly policy: ScalingPolicySettings;
  /** The drain's price check (docs/scaling.md, "The drain's price check"). @default off */
  readonly drainPricing?: DrainPricingSettings;
}

/** The drain table the price check moves deadlines in and keeps the run-time histories in. */
export interface DrainTableAccess {
  readonly table: dynamodb.ITable;
}

export interface ScalingSignalsProps {
  /** The environment: it names the signals namespace and is in the function's description. */
  readonly environmentName: string;
  /** The fleets whose coordinators it reads. */
  readonly fleets: readonly SignalsFleetProps[];
  /** The VPC the function runs in, to reach the coordinators. */
  readonly vpc: ec2.IVpc;
  /** The subnets of `vpc` the function runs in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Encrypts the function's logs. */
  readonly key: kms.IKey;
  /** Sent as X-Trino-User to the coordinators. */
  readonly user: string;
  /** The drain controller's table; required when a fleet prices its drains. @default none (no fleet may price its drains) */
  readonly controller?: DrainTableAccess;
}

/**
 * The scaling signals of an environment's fleets (docs/scaling.md): one function in the VPC that, each
 * minute, reads every coordinator's queue and publishes each fleet's needed-to-current capacity ratio;
 * and per fleet a second target tracking policy that holds that ratio at 1.0 beside the CPU policy. Auto
 * Scaling combines the two (user guide, "Multiple dynamic scaling policies"): out when either asks, in
 * only when both agree. Nothing here sets desired capacity.
 */
export class ScalingSignals extends Construct {
  readonly function: ControllerFunction;
  readonly securityGroup: ec2.SecurityGroup;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: ScalingSignalsProps) {
    super(scope, id);
    const pricing = props.fleets.some((f) => f.drainPricing);
    requireProp(this, !pricing || props.controller !== undefined, 'controller', props.controller, "must be given when a fleet prices its drains: the price check moves deadlines in the drain controller's table");
    this.namespace = signalsNamespace(props.environmentName);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `graceful-autoscaler ${props.environmentName} scaling signals (to the coordinators)`,
      allowAllOutbound: true,
    });
    const settings: SignalsSettings = {
      namespace: this.namespace,
      user: props.user,
      timeoutMs: COORDINATOR_TIMEOUT_MS,
      fleets: props.fleets.map((f) => ({ fleet: f.fleetName, groupName: f.group.autoScalingGroupName, coordinatorUrl: f.coordinatorUrl, policy: f.policy, ...(f.drainPricing ? { drainPricing: f.drainPricing } : {}) })),
    };
    this.function = new ControllerFunction(this, 'Function', {
      entry: 'scaling-signals',
      serviceName: 'graceful-autoscaler-signals',
      description: `graceful-autoscaler ${props.environmentName}: each fleet's queue, its scaling decision and ratio, once a minute`,
      network: { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroup: this.securityGroup },
      key: props.key,
      timeout: Duration.seconds(50),
      environment: { SIGNALS_SETTINGS: Stack.of(this).toJsonString(settings), ...(pricing ? ({ DRAIN_TABLE_NAME: props.controller!.table.tableName } satisfies Partial<FunctionEnvironment<'scaling-signals'>>) : {}) },
      // A failed minute is not retried: the next datapoint is a minute away, and a late one is stale.
      retryAttempts: 0,
    });
    new events.Rule(this, 'Schedule', {
      description: `graceful-autoscaler ${props.environmentName}: scaling signals`,
      schedule: events.Schedule.rate(SIGNALS_PERIOD),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    // PutMetricData and GetMetricData have no resource-level permissions; publishing is held to the
    // environment's namespace by the cloudwatch:namespace condition. DescribeAutoScalingGroups and
    // DescribeScalingActivities (which launches still warm up) have none either.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': this.namespace } } }),
    );
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'], resources: ['*'] }));
    Validations.of(this.function.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData (held to this environment\'s namespace by condition), cloudwatch:GetMetricData, autoscaling:DescribeAutoScalingGroups and autoscaling:DescribeScalingActivities have no resource-level permissions (Service Authorization Reference).',
    });
    if (pricing) {
      // The price check reads and writes two partitions of the drain table, and only them
      // (dynamodb:LeadingKeys; DynamoDB developer guide, "Using IAM policy conditions for fine-grained
      // access control"): the run-time histories (GetItem, PutItem), and the active drains, which it lists
      // (Query) and whose deadline alone it may change (UpdateItem of deadlineAt: dynamodb:Attributes names
      // the attributes a request reads or writes, keys included). It can put no drain, hold or tombstone,
      // and delete nothing.
      const table = props.controller!.table;
      this.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table.tableArn], conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [RUNTIMES_PARTITION] } } }),
      );
      this.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn], conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACTIVE_DRAIN_PARTITION_PREFIX}*`] } } }),
      );
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACTIVE_DRAIN_PARTITION_PREFIX}*`] },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'deadlineAt'] },
            // ALL_OLD or ALL_NEW would return the drain's other attributes, which it has no business reading back.
            StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
          },
        }),
      );
      // The table's CMK, for the items it reads and writes.
      table.encryptionKey!.grant(this.function, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*');
      Validations.of(this.function.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Data keys of this environment's CMK, which encrypts the drain table it writes deadlines and run-time histories to; granted for that key only.",
      });
    }
    for (const f of props.fleets) {
      f.group.scaleToTrackMetric('SignalsTargetTracking', {
        metric: this.ratio(f.fleetName),
        targetValue: 1,
      });
      this.scaleFromZero(f);
    }
  }

  /**
   * The step scaling policy that takes the fleet out of zero instances, where neither target tracking
   * policy can act (core/scaling-policy.ts SCALE_FROM_ZERO has the reasons and sources): one instance when
   * an alarm sees queries queued and none in service. It is on every signalled fleet, so a fleet whose last
   * instance failed also gets one back. GroupInServiceInstances needs group metrics collection: a
   * WorkerFleet collects them all, and an adopted group's adoption turns it on (ADOPTION_GROUP_METRICS).
   */
  private scaleFromZero(f: SignalsFleetProps): void {
    const period = Duration.seconds(SCALE_FROM_ZERO.periodSeconds);
    const action = new autoscaling.StepScalingAction(this, `ScaleFromZero-${f.fleetName}`, {
      autoScalingGroup: f.group,
      adjustmentType: SCALE_FROM_ZERO.adjustmentType as autoscaling.AdjustmentType,
      metricAggregationType: autoscaling.MetricAggregationType.MAXIMUM,
    });
    action.addAdjustment({ lowerBound: 0, adjustment: SCALE_FROM_ZERO.adjustment });
    const inService = new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupInServiceInstances',
      dimensionsMap: { AutoScalingGroupName: f.group.autoScalingGroupName },
      statistic: 'Maximum',
      period,
    });
    const alarm = new cloudwatch.Alarm(this, `ScaleFromZeroAlarm-${f.fleetName}`, {
      alarmDescription: `${f.fleetName}: queries queued and no instance in service; adds one (target tracking cannot scale out from 0)`,
      metric: new cloudwatch.MathExpression({
        expression: SCALE_FROM_ZERO_EXPRESSION,
        usingMetrics: { inService, queued: this.metric(f.fleetName, QUEUED_METRIC, 'Maximum', 'queued') },
        period,
        label: 'queued with none in service',
      }),
      threshold: SCALE_FROM_ZERO.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: SCALE_FROM_ZERO.evaluationPeriods,
      datapointsToAlarm: SCALE_FROM_ZERO.datapointsToAlarm,
      // A minute without the queue (the coordinator did not answer) or the group's metric is no reason to launch.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.AutoScalingAction(action));
  }

  /** The fleet's needed-to-current ratio, as its target tracking policy reads it. */
  ratio(fleet: string): cloudwatch.Metric {
    return this.metric(fleet, RATIO_METRIC, 'Average', 'needed ÷ current capacity');
  }

  metric(fleet: string, metricName: string, statistic: string, label: string, extra: Record<string, string> = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName, dimensionsMap: { Fleet: fleet, ...extra }, statistic, period: SIGNALS_PERIOD, label });
  }
}
