import { CfnOutput, Duration, Size, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_TRINO_ENDPOINT, DeploymentConfigInput, EnvironmentConfig, ExistingFleetConfig, FleetConfig } from './config';
import { ExistingWorkerFleet } from './existing-worker-fleet';
import { IWorkerFleet } from './worker-fleet-base';
import { DrainController } from './drain-controller';
import { FEATURE_FLAGS } from './feature-flags';
import { DeployedFleet, FleetDeployment } from './fleet-deployment';
import { Operations } from './operations';
import { ScalingSignals } from './scaling-signals';
import { StragglerDetection } from './straggler-detection';
import { ownRuleTarget } from './own-rule-target';
import { TAG_ENVIRONMENT, agentNamespace, signalsNamespace, sourcePrefix } from './names';
import { AGENT_PATHS, WorkerAgent, agentFileConfig } from './worker-agent';
import { WorkerFleet } from './worker-fleet';
import { createAlarmTopic } from './alarm-topic';
import { createEnvironmentKey } from './environment-key';
import { createNetwork } from './environment-network';
import { createRevisionBucket, grantRevisionRead } from './revision-bucket';


/** Properties of a FleetStack. */
export interface FleetStackProps extends StackProps {
  /** The validated environment this stack deploys. */
  readonly config: EnvironmentConfig;
}

/**
 * Everything one environment runs: network, encryption key, alarm topic, revision bucket, and per fleet a
 * WorkerFleet with its FleetDeployment.
 */
export class FleetStack extends Stack {
  readonly vpc: ec2.IVpc;
  /** Customer-managed key for the alarm topic and, later, the controller's queues. */
  readonly key: kms.Key;
  /** Where alarms and fleet failures are published. */
  readonly alarmTopic: sns.ITopic;
  /** CodeDeploy revisions for this environment's fleets. */
  readonly revisionBucket: s3.Bucket;
  readonly fleets: readonly DeployedFleet[];
  readonly drainController: DrainController;
  /** The fleets' scaling signals; absent when no fleet has them on. */
  readonly scalingSignals?: ScalingSignals;
  /** The fleets' straggler detection; absent when no fleet has it on. */
  readonly stragglers?: StragglerDetection;
  readonly operations: Operations;
  /** The environment's name. */
  readonly environmentName: string;

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id, props);
    // The flags this stack is validated with, whatever the app's own (lib/feature-flags.ts).
    for (const [flag, value] of Object.entries(FEATURE_FLAGS)) this.node.setContext(flag, value);
    const { config } = props;
    this.environmentName = config.name;
    // CloudFormation's resource schema for AWS::CloudWatch::Dashboard has no Tags in every region
    // (cfn-lint E3002 in us-east-1): a tagged dashboard would fail to deploy there. It is named after the
    // environment instead (graceful-autoscaler-<env>).
    Tags.of(this).add(TAG_ENVIRONMENT, config.name, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    // 1. What the environment's resources share: key, network, alarm topic, revision bucket.
    this.key = createEnvironmentKey(this, config.name);
    this.vpc = createNetwork(this, config, this.key);
    this.alarmTopic = createAlarmTopic(this, config, this.key);
    this.revisionBucket = createRevisionBucket(this, this.key);

    const subnets: ec2.SubnetSelection =
      config.network.kind === 'existing'
        ? { subnets: this.vpc.privateSubnets }
        : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // 2. The fleets, each with its deployment and, on instances we launch, the agent.
    const agent = config.agent ? new WorkerAgent(this, 'WorkerAgent', { config: config.agent }) : undefined;
    const reportsDrains = agent !== undefined && config.controller.stopWorker.kind === 'agent';
    this.fleets = config.fleets.map((fleetConfig) => this.deployFleet(config, fleetConfig, subnets, agent, reportsDrains));

    // 3. The drain controller over every fleet, then straggler detection and scaling signals where asked for.
    this.drainController = new DrainController(this, 'DrainController', {
      environmentName: config.name,
      fleets: this.fleets.map((f) => ({
        name: f.config.name,
        group: f.fleet.autoScalingGroup,
        drainTimeout: f.fleet.drainTimeout,
        heartbeatTimeout: f.fleet.heartbeatTimeout,
        shutdownGrace: Duration.seconds(f.config.shutdownGraceSeconds),
        securityGroup: f.fleet.securityGroup,
        reportingRole: reportsDrains && f.fleet instanceof WorkerFleet ? f.fleet.role : undefined,
        // Our agent on instances we launch sends its in-service readings through the fleet's queue.
        readingsRole: agent !== undefined && f.fleet instanceof WorkerFleet ? f.fleet.role : undefined,
      })),
      vpc: this.vpc,
      vpcSubnets: subnets,
      key: this.key,
      controller: config.controller,
      stragglersNamespace: this.fleets.some((f) => f.config.stragglers) ? signalsNamespace(config.name) : undefined,
    });
    const detecting = this.fleets.filter((f) => f.config.stragglers !== undefined);
    this.stragglers =
      detecting.length === 0
        ? undefined
        : new StragglerDetection(this, 'Stragglers', {
            environmentName: config.name,
            fleets: detecting.map((f) => ({
              fleetName: f.config.name,
              group: f.fleet.autoScalingGroup,
              replace: f.config.stragglers!.replace,
              replaceDrainTimeout: Duration.seconds(f.config.stragglers!.replaceDrainTimeoutSeconds),
              detector: f.config.stragglers!.detector,
              readingsInStore: this.drainController.readingsQueues.has(f.config.name),
            })),
            pressureNamespace: agentNamespace(config.name),
            namespace: signalsNamespace(config.name),
            controller: this.drainController,
            key: this.key,
          });
    const signalled = this.fleets.filter((f) => f.config.scaling !== undefined);
    this.scalingSignals =
      signalled.length === 0
        ? undefined
        : new ScalingSignals(this, 'ScalingSignals', {
            environmentName: config.name,
            fleets: signalled.map((f) => ({
              fleetName: f.config.name,
              group: f.fleet.autoScalingGroup,
              coordinatorUrl: f.config.coordinatorUrl!,
              policy: { ...f.config.scaling!, targetCpuPercent: f.config.targetCpuPercent },
              ...(f.config.drainPricing ? { drainPricing: f.config.drainPricing } : {}),
            })),
            controller: this.drainController,
            vpc: this.vpc,
            vpcSubnets: subnets,
            key: this.key,
            user: DEFAULT_TRINO_ENDPOINT.user,
          });
    // 4. What operators use: runbooks, dashboard, alarms; then the stack's outputs.
    this.operations = new Operations(this, 'Operations', {
      environmentName: config.name,
      fleets: this.fleets,
      signals: this.scalingSignals,
      stragglers: this.stragglers,
      controller: this.drainController,
      revisionBucket: this.revisionBucket,
      alarmTopic: this.alarmTopic,
      vpc: this.vpc,
      vpcSubnets: subnets,
      key: this.key,
      taskSource: this.drainController.taskSource,
      idleReadings: config.controller.idleReadings,
    });
    this.addOutputs();
  }

  /**
   * One fleet: its group (launched, or adopted), its CodeDeploy deployment, the agent on its instances,
   * the revision read grant, failure notifications and its outputs.
   */
  private deployFleet(config: EnvironmentConfig, fleetConfig: FleetConfig, subnets: ec2.SubnetSelection, agent: WorkerAgent | undefined, reportsDrains: boolean): DeployedFleet {
    // Construct ids derive from the fleet name, which config forbids changing once deployed.
    const scopeId = `Fleet-${fleetConfig.name}`;
    const fleet = fleetConfig.existing
      ? this.adoptFleet(scopeId, fleetConfig, config.name)
      : new WorkerFleet(this, scopeId, {
          fleetName: fleetConfig.name,
          vpc: this.vpc,
          metricsNamespace: agentNamespace(config.name),
          vpcSubnets: subnets,
          instanceTypes: fleetConfig.instanceTypes.map((t) => new ec2.InstanceType(t)),
          minCapacity: fleetConfig.minCapacity,
          maxCapacity: fleetConfig.maxCapacity,
          desiredCapacity: fleetConfig.desiredCapacity,
          targetCpuPercent: fleetConfig.targetCpuPercent,
          instanceWarmup: Duration.seconds(fleetConfig.instanceWarmupSeconds),
          drainTimeout: Duration.seconds(fleetConfig.drainTimeoutSeconds),
          rootVolumeSize: Size.gibibytes(fleetConfig.rootVolumeGiB),
          spot: fleetConfig.spot,
          predictiveScaling: fleetConfig.predictiveScaling,
        });
    // The CodeDeploy agent is the first boot step: a new instance must be able to take its launch
    // deployment whatever happens to our agent's install, the step after it. Each is independent.
    // An adopted group's image carries its own CodeDeploy agent (docs/adopt-existing-fleet.md).
    const deployment = new FleetDeployment(this, `Deploy-${fleetConfig.name}`, {
      autoScalingGroup: fleet.autoScalingGroup,
      installAgentOn: fleet instanceof WorkerFleet ? fleet : undefined,
      deploymentConfig: this.deploymentConfig(fleetConfig),
    });
    const agentOptions = {
      shutdownGraceSeconds: fleetConfig.shutdownGraceSeconds,
      coordinatorUrl: fleetConfig.coordinatorUrl,
      // The agent reports "drained" only when it stops the worker itself; the queue exists further down.
      // Only from instances under a role this stack creates: the handler checks the role's unique id.
      drainReportQueueUrl: reportsDrains && fleet instanceof WorkerFleet ? () => this.drainController.queue.queueUrl : undefined,
      pressure: fleetConfig.stragglers !== undefined,
      // The queue exists further down, with the drain controller; an adopted group's agent keeps CloudWatch.
      readingsQueueUrl: fleet instanceof WorkerFleet ? () => this.drainController.readingsQueues.get(fleetConfig.name)!.queueUrl : undefined,
    };
    if (fleet instanceof WorkerFleet) {
      agent?.installOn(fleet, agentOptions);
    } else if (agent) {
      // The operator installs the agent on instances we do not launch; this is its configuration file.
      new CfnOutput(this, `${fleetConfig.name}AgentConfig`, {
        description: `${AGENT_PATHS.config} for the workers of adopted group ${fleet.autoScalingGroup.autoScalingGroupName} (docs/adopt-existing-fleet.md)`,
        value: this.toJsonString(agentFileConfig(config.agent!, { ...agentOptions, groupName: fleet.autoScalingGroup.autoScalingGroupName }).config),
      });
    }
    grantRevisionRead(this, this.revisionBucket, this.key, fleet);
    this.notifyFailures(fleetConfig.name, fleet);

    new CfnOutput(this, `${fleetConfig.name}GroupName`, {
      description: `Auto Scaling group of fleet ${fleetConfig.name}`,
      value: fleet.autoScalingGroup.autoScalingGroupName,
    });
    new CfnOutput(this, `${fleetConfig.name}DeploymentGroup`, {
      description: `CodeDeploy application/deployment group of fleet ${fleetConfig.name}`,
      value: `${deployment.application.applicationName}/${deployment.deploymentGroup.deploymentGroupName}`,
    });
    return { config: fleetConfig, fleet, deployment };
  }

  /** The runbooks' documents and functions, the dashboard, table, queue, bucket and topic, for operators. */
  private addOutputs(): void {
    for (const [name, doc] of Object.entries(this.operations.documents)) {
      const key = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
      new CfnOutput(this, `Runbook${key}`, { description: `SSM Automation document: ${name}`, value: doc.ref });
      new CfnOutput(this, `RunbookFunction${key}`, { description: `Lambda function: ${name}`, value: this.operations.runbooks[name as keyof typeof this.operations.runbooks].functionName });
    }
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
    new CfnOutput(this, 'DrainTableName', { value: this.drainController.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.drainController.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RevisionBucketName', { value: this.revisionBucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * A group another stack, Terraform or the console created, named in config: imported by name (no
   * lookup, so synth needs no credentials) and adopted. Its security group, when given, is imported
   * mutable: the controller's one ingress rule is a resource of this stack.
   */
  private adoptFleet(scopeId: string, fleetConfig: ExistingFleetConfig, environment: string): ExistingWorkerFleet {
    const scope = new Construct(this, `${scopeId}-Import`);
    const { groupName, securityGroupId } = fleetConfig.existing;
    return new ExistingWorkerFleet(this, scopeId, {
      fleetName: fleetConfig.name,
      autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(scope, 'Group', groupName),
      securityGroup: securityGroupId ? ec2.SecurityGroup.fromSecurityGroupId(scope, 'SecurityGroup', securityGroupId) : undefined,
      metricsNamespace: agentNamespace(environment),
      targetCpuPercent: fleetConfig.targetCpuPercent,
      drainTimeout: Duration.seconds(fleetConfig.drainTimeoutSeconds),
    });
  }

  private deploymentConfig(fleet: FleetConfig): codedeploy.IServerDeploymentConfig {
    const input: DeploymentConfigInput = fleet.deploymentConfig;
    switch (input) {
      case 'OneAtATime':
        return codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME;
      case 'HalfAtATime':
        return codedeploy.ServerDeploymentConfig.HALF_AT_A_TIME;
      case 'AllAtOnce':
        return codedeploy.ServerDeploymentConfig.ALL_AT_ONCE;
      default:
        return new codedeploy.ServerDeploymentConfig(this, `DeployConfig-${fleet.name}`, {
          minimumHealthyHosts: codedeploy.MinimumHealthyHosts.percentage(input.minimumHealthyHostsPercent),
        });
    }
  }

  /** Launch and terminate failures of the group go to the alarm topic (EventBridge "EC2 Auto Scaling" events). */
  private notifyFailures(fleetName: string, fleet: IWorkerFleet): void {
    new events.Rule(this, `Failures-${fleetName}`, {
      ruleName: `${sourcePrefix(this.environmentName)}failures-${fleetName}`,
      description: `graceful-autoscaler: launch/terminate failures of fleet ${fleetName}`,
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: ['EC2 Instance Launch Unsuccessful', 'EC2 Instance Terminate Unsuccessful'],
        detail: { AutoScalingGroupName: [fleet.autoScalingGroup.autoScalingGroupName] },
      },
      targets: [ownRuleTarget({ arn: this.alarmTopic.topicArn, action: 'sns:Publish', addToResourcePolicy: (st) => this.alarmTopic.addToResourcePolicy(st) })],
    });
  }
}
