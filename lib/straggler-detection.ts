import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { StragglerFunctionSettings } from '../core/contract/straggler-settings';
import { STRAGGLER_RUN_MINUTES } from '../core/contract/metrics';
import { BOTTLENECKED_MINUTES_METRIC, StragglerSettings } from '../core/stragglers';
import { instanceArnPrefix } from '../core/instance-namespace';
import { ControllerFunction } from './controller-function';
import { DrainController } from './drain-controller';
import { nagResourceFinding } from './nag-finding';

/** The detector judges one-minute readings every STRAGGLER_RUN_MINUTES (core/contract/metrics.ts says why). */
export const STRAGGLER_PERIOD = Duration.minutes(STRAGGLER_RUN_MINUTES);

/** One fleet whose straggler detection is on. */
export interface StragglerFleetProps {
  /** The fleet's name: a dimension of the findings the function publishes. */
  readonly fleetName: string;
  /** The fleet's group: its in-service workers are judged, and a straggler is marked unhealthy in it. */
  readonly group: autoscaling.IAutoScalingGroup;
  /** Mark a persistent straggler unhealthy so Auto Scaling replaces it through the drain. */
  readonly replace: boolean;
  /** How long a replaced straggler may drain (core/contract/lambda-settings.ts, StragglerFleet). */
  readonly replaceDrainTimeout: Duration;
  /** How a worker is judged a straggler (docs/stragglers.md): the spread, the minutes in a row, the floor. */
  readonly detector: StragglerSettings;
  /** The fleet's agents send their readings through its readings queue: read them from the drain table. @default false (CloudWatch) */
  readonly readingsInStore?: boolean;
}

export interface StragglerDetectionProps {
  /** The environment, in the function's description. */
  readonly environmentName: string;
  /** The fleets whose workers it judges. */
  readonly fleets: readonly StragglerFleetProps[];
  /**
   * The environment's agent namespace: each agent publishes pressure and RunningTasks under it, in its
   * own instance's namespace, and each instance is read only from there.
   */
  readonly pressureNamespace: string;
  /** Where findings go: a namespace the workers cannot write (the environment's signals namespace). */
  readonly namespace: string;
  /** Its table holds the scale-in holds a replacement waits for. */
  readonly controller: DrainController;
  /** Encrypts the function's logs. */
  readonly key: kms.IKey;
}

/**
 * Straggler detection for an environment's fleets (docs/stragglers.md): one function, outside the VPC
 * (it calls only AWS APIs), run every STRAGGLER_PERIOD. It reads every in-service worker's pressure, judges the
 * fleet (core/stragglers.ts), publishes what it found and, for fleets that ask, marks one
 * persistent straggler at a time unhealthy: Auto Scaling then terminates it through our hook, so it
 * drains like any scale-in, and launches its replacement.
 */
export class StragglerDetection extends Construct {
  readonly function: ControllerFunction;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: StragglerDetectionProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const settings: StragglerFunctionSettings = {
      pressureNamespace: props.pressureNamespace,
      instanceArnPrefix: instanceArnPrefix({ partition: Stack.of(this).partition, region: Stack.of(this).region, account: Stack.of(this).account }),
      namespace: props.namespace,
      fleets: props.fleets.map((f) => ({ fleet: f.fleetName, groupName: f.group.autoScalingGroupName, replace: f.replace, replaceDrainTimeoutSeconds: f.replaceDrainTimeout.toSeconds(), detector: f.detector, ...(f.readingsInStore ? { readingsInStore: true } : {}) })),
    };
    this.function = new ControllerFunction(this, 'Function', {
      entry: 'stragglers',
      serviceName: 'graceful-autoscaler-stragglers',
      description: `graceful-autoscaler ${props.environmentName}: bottlenecked workers, found and replaced through the drain, every ${STRAGGLER_RUN_MINUTES} minutes`,
      key: props.key,
      timeout: Duration.seconds(50),
      environment: { STRAGGLER_SETTINGS: Stack.of(this).toJsonString(settings), DRAIN_TABLE_NAME: props.controller.table.tableName },
      // A missed run is not retried: the next judges the same window, a period on.
      retryAttempts: 0,
    });
    Validations.of(this.function).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason: 'It calls only CloudWatch, Auto Scaling and DynamoDB, public AWS APIs; in a VPC it would depend on the NAT path for nothing.',
    });
    new events.Rule(this, 'Schedule', {
      description: `graceful-autoscaler ${props.environmentName}: straggler detection`,
      schedule: events.Schedule.rate(STRAGGLER_PERIOD),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    // PutMetricData, GetMetricData and DescribeAutoScalingGroups have no resource-level permissions;
    // publishing is held to the findings' namespace by the cloudwatch:namespace condition.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': props.namespace } } }));
    // GetMetricData only for fleets whose readings are in CloudWatch (adopted groups); the others' are in the table.
    const readsMetrics = props.fleets.some((f) => !f.readingsInStore);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: [...(readsMetrics ? ['cloudwatch:GetMetricData'] : []), 'autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }));
    const replacing = props.fleets.filter((f) => f.replace);
    if (replacing.length > 0) {
      // SetInstanceHealth is scoped to the groups whose fleets asked for replacement (Service Authorization Reference, autoScalingGroup).
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:SetInstanceHealth'], resources: replacing.map((f) => f.group.autoScalingGroupArn) }));
    }
    // Holds and drains are read; a replaced straggler's drain gets its deadline (UpdateItem, conditional).
    props.controller.grantTable(this.function, 'dynamodb:Query', ...(replacing.length > 0 ? ['dynamodb:UpdateItem'] : []));
    Validations.of(this.function.role!).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: "cloudwatch:PutMetricData (held to this environment's signals namespace by condition), cloudwatch:GetMetricData and autoscaling:DescribeAutoScalingGroups have no resource-level permissions (Service Authorization Reference).",
      },
      ...(replacing.length > 0
        ? [
            { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "Data keys of this environment's CMK, which encrypts the drain table whose deadline it moves; granted by CDK for that key only." },
            { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "Re-encryption under this environment's CMK only, as CDK grants for an encrypted table it writes." },
          ]
        : []),
      ...replacing.map((f) => ({
        id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(this), f.group.autoScalingGroupArn)}]`,
        reason: 'A group ARN carries a UUID Auto Scaling assigns at creation; the group name pins SetInstanceHealth to this fleet\'s group.',
      })),
    );
  }

  /** A fleet-level finding (Stragglers, StragglerReplacements, …). */
  metric(fleet: string, metricName: string, statistic: string, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.namespace, metricName, dimensionsMap: { Fleet: fleet }, statistic, period: STRAGGLER_PERIOD, label });
  }

  /** Every instance of the group with a bottleneck now, one line each. */
  bottlenecked(groupName: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${this.namespace},InstanceId,AutoScalingGroupName} MetricName="${BOTTLENECKED_MINUTES_METRIC}" AutoScalingGroupName="${groupName}"', 'Maximum', 60)`,
      label: 'bottlenecked minutes',
      period: STRAGGLER_PERIOD,
    });
  }
}
