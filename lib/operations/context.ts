/** What Operations is given, and the state its parts (runbooks, dashboard, alarms) share while it is built. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TaskSourceSettings } from '../../core/contract/lambda-settings';
import { RunbookName } from '../../core/contract/runbooks';
import { ControllerFunction } from '../controller-function';
import { ScalingSignals } from '../scaling-signals';
import { StragglerDetection } from '../straggler-detection';
import { DrainController } from '../drain-controller';
import { DeployedFleet } from '../fleet-deployment';


/** Properties of Operations. */
export interface OperationsProps {
  /** The environment: in the runbooks' settings, the functions' descriptions, the dashboard's and alarms' names. */
  readonly environmentName: string;
  /** The fleets the runbooks act on and the dashboard shows. */
  readonly fleets: readonly DeployedFleet[];
  /** The fleets' scaling signals, when any fleet has them on: their widgets and alarms. @default no signals widgets or alarms */
  readonly signals?: ScalingSignals;
  /** The fleets' straggler detection, when any fleet has it on: its widgets. @default no straggler widgets */
  readonly stragglers?: StragglerDetection;
  /** The drain controller the runbooks share the drain table, security group and settings with. */
  readonly controller: DrainController;
  /** Where deployment revisions are uploaded: the deploy runbook deploys from it. */
  readonly revisionBucket: s3.IBucket;
  /** Where every alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  /** The VPC the runbook functions run in (they call the workers, as the controller does). */
  readonly vpc: ec2.IVpc;
  /** The subnets of `vpc` the runbook functions run in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Encrypts the runbook functions' logs. */
  readonly key: kms.IKey;
  /** How the runbooks count a worker's tasks: the controller's task source. */
  readonly taskSource: TaskSourceSettings;
  /** Readings in a row at zero that make a worker idle for the runbooks: the controller's idleReadings. */
  readonly idleReadings: number;
}

/** The Operations construct's parts, as its runbooks, dashboard and alarms see them. */
export interface OperationsContext {
  /** The Operations construct: the scope of every resource, so construct ids and paths are unchanged. */
  readonly scope: Construct;
  readonly props: OperationsProps;
  readonly runbooks: Record<RunbookName, ControllerFunction>;
  readonly guard: ControllerFunction;
  readonly automationRole: iam.IRole;
  /** Every alarm made so far (addAlarm). */
  readonly alarms: cloudwatch.Alarm[];
  /** The capacity-ceiling alarm of each fleet, made once for the dashboard and the alarms alike. */
  readonly ceilingAlarms: Map<string, cloudwatch.Alarm>;
}
