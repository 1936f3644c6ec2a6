import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { RunbookName } from '../../core/contract/runbooks';
import { ControllerFunction } from '../controller-function';
import { metricsServiceName } from '../drain-controller';

import { DRAIN_HOOK_NAME } from '../../core/contract/names';
import { createAlarms } from './alarms';
import { OperationsContext, OperationsProps } from './context';
import { createDashboard } from './dashboard';
import { RUNBOOK_TIMEOUT, createDocuments, grantRunbooks } from './runbooks';

export type { OperationsProps } from './context';

/** How often the deployment guard releases expired holds. */
const GUARD_PERIOD = Duration.minutes(5);

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

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const settings = Stack.of(this).toJsonString({
      environment: props.environmentName,
      hookName: DRAIN_HOOK_NAME,
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
    grantRunbooks({ scope: this, props, runbooks: this.runbooks, guard: this.guard });

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
    const ctx: OperationsContext = { scope: this, props, runbooks: this.runbooks, guard: this.guard, automationRole: this.automationRole, alarms: this.alarms, ceilingAlarms: new Map() };
    this.documents = createDocuments(ctx);
    this.dashboard = createDashboard(ctx);
    createAlarms(ctx);
  }
}
