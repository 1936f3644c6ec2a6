import { Annotations, ArnFormat, CfnOutput, Duration, RemovalPolicy, Size, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DEFAULT_TRINO_ENDPOINT, DeploymentConfigInput, EnvironmentConfig, ExistingFleetConfig, FleetConfig } from './config';
import { ExistingWorkerFleet } from './existing-fleet';
import { IWorkerFleet } from './fleet';
import { SUBNET_LAYOUT } from './network-plan';
import { DrainController } from './drain-controller';
import { FEATURE_FLAGS } from './feature-flags';
import { FleetDeployment } from './fleet-deployment';
import { nagResourceFinding } from './nag-finding';
import { Operations } from './operations';
import { ScalingSignals } from './scaling-signals';
import { StragglerDetection } from './stragglers';
import { TAG_ENVIRONMENT, agentNamespace, signalsNamespace, sourcePrefix } from './names';
import { AGENT_PATHS, WorkerAgent, agentFileConfig } from './worker-agent';
import { WorkerFleet } from './worker-fleet';

/** Days VPC flow logs are kept. */
const FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
/** Noncurrent revision objects are kept this long so a rollback can still find them. */
const NONCURRENT_REVISION_RETENTION = Duration.days(90);
/** S3 access logs of the revision bucket are kept a year. */
const ACCESS_LOG_RETENTION = Duration.days(365);

/** Properties of a FleetStack. */
export interface FleetStackProps extends StackProps {
  /** The validated environment this stack deploys. */
  readonly config: EnvironmentConfig;
}

/** One deployed fleet and the constructs that serve it. */
export interface DeployedFleet {
  readonly config: FleetConfig;
  /** A WorkerFleet this stack launched, or an ExistingWorkerFleet it adopted. */
  readonly fleet: IWorkerFleet;
  readonly deployment: FleetDeployment;
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

    this.key = new kms.Key(this, 'Key', {
      description: `graceful-autoscaler ${config.name}: alarm topic and controller queues`,
      enableKeyRotation: true,
    });
    // Grants on this key may only be created for AWS resources by AWS services (Control Tower CT.KMS.PR.3).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );

    // Services that write into resources encrypted with this key: EventBridge (the alarm topic and the
    // controller's queue) and CloudWatch alarms (the topic), whatever the topic, created or imported
    // (SNS developer guide, "Enabling compatibility between event sources and encrypted topics").
    // CloudWatch's requests carry aws:SourceArn: only this environment's alarms (ga.<env>.*) may use the
    // key, and a Deny bounds any other grant. EventBridge's KMS requests carry no aws:SourceArn (the same
    // guide: those keys are not supported in a key policy for EventBridge), so an ARN condition here would
    // drop every event; the key is held to this account's EventBridge (aws:SourceAccount, the condition
    // CDK's own SQS target grant uses) and the restriction to our own rules sits on the queue and topic policies.
    const [[events], [cloudwatch, alarms]] = this.ownSources(config.name);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(events)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(cloudwatch)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { ArnLike: { 'aws:SourceArn': alarms } } }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.ServicePrincipal(cloudwatch)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { ArnNotLike: { 'aws:SourceArn': alarms } } }),
    );

    // CloudWatch Logs encrypts every log group of this stack (flow logs, function logs) with the key,
    // scoped by the encryption context to this stack's own log groups (CloudWatch Logs user guide,
    // "Encrypt log data in CloudWatch Logs using AWS KMS"). Without it a log group fails to create. Ours
    // are unnamed, so CloudFormation names each `<stack name>-<logical id>-<suffix>`: no other stack's
    // log group (nor one anybody creates by hand outside that prefix) may use the key.
    this.key.grantEncryptDecrypt(
      new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`, {
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': this.ownLogGroupArns() },
        },
      }),
    );

    this.vpc = this.createNetwork(config);
    this.alarmTopic = this.createAlarmTopic(config);
    this.revisionBucket = this.createRevisionBucket();

    const subnets: ec2.SubnetSelection =
      config.network.kind === 'existing'
        ? { subnets: this.vpc.privateSubnets }
        : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    const agent = config.agent ? new WorkerAgent(this, 'WorkerAgent', { config: config.agent }) : undefined;
    const reportsDrains = agent !== undefined && config.controller.stopWorker.kind === 'agent';
    this.fleets = config.fleets.map((fleetConfig) => {
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
      this.grantRevisionRead(fleet);
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
    });

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
            })),
            vpc: this.vpc,
            vpcSubnets: subnets,
            key: this.key,
            user: DEFAULT_TRINO_ENDPOINT.user,
          });
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

  private createNetwork(config: EnvironmentConfig): ec2.IVpc {
    const network = config.network;
    if (network.kind === 'existing') {
      // The imported subnets' route tables are never read here, so CDK's warning about them does not apply.
      Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'The stack never reads route tables of imported subnets.');
      // Explicit ids: no Vpc.fromLookup, so synth needs no credentials or network.
      return ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: network.vpcId,
        availabilityZones: network.privateSubnets.map((s) => s.availabilityZone),
        privateSubnetIds: network.privateSubnets.map((s) => s.subnetId),
      });
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      maxAzs: network.maxAzs,
      natGateways: network.natGateways,
      // Config checks at synth that the block holds this layout in every zone (lib/network-plan.ts).
      subnetConfiguration: SUBNET_LAYOUT.map(({ name, cidrMask }) =>
        name === 'public'
          ? { name, subnetType: ec2.SubnetType.PUBLIC, cidrMask, mapPublicIpOnLaunch: false }
          : { name, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask },
      ),
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: FLOW_LOG_RETENTION,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg) {
      Validations.of(restrictDefaultSg).acknowledge({
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason: "CDK's provider that strips the default security group's rules runs only during deploys and calls only EC2 APIs; it reaches nothing inside the VPC.",
      });
    }
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  /** The ARN patterns of this environment's own EventBridge rules and CloudWatch alarms, per service principal. */
  /** This stack's log groups: unnamed, so CloudFormation names each after the stack. */
  ownLogGroupArns(): string {
    return this.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${this.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  ownSources(environment: string): [string, string][] {
    const prefix = sourcePrefix(environment);
    return [
      ['events.amazonaws.com', this.formatArn({ service: 'events', resource: 'rule', resourceName: `${prefix}*` })],
      ['cloudwatch.amazonaws.com', this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    ];
  }

  private createAlarmTopic(config: EnvironmentConfig): sns.ITopic {
    if (config.notifications.topicArn) {
      return sns.Topic.fromTopicArn(this, 'AlarmTopic', config.notifications.topicArn);
    }
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `graceful-autoscaler ${config.name} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of config.notifications.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    // Publishing services only for this environment's own rules and alarms.
    for (const [service, arns] of this.ownSources(config.name)) {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.ServicePrincipal(service)], actions: ['sns:Publish'], resources: [topic.topicArn], conditions: { ArnNotLike: { 'aws:SourceArn': arns } } }),
      );
    }
    return topic;
  }

  private createRevisionBucket(): s3.Bucket {
    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new s3.Bucket(this, 'AccessLogBucket', {
      ...common,
      // Server access log delivery supports SSE-S3 only (S3 user guide, "Enabling Amazon S3 server access logging").
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ expiration: ACCESS_LOG_RETENTION, noncurrentVersionExpiration: Duration.days(1) }],
    });
    Validations.of(accessLogs).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket of the revision bucket; logging it would need a third bucket for no audit gain.' },
      { id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', reason: 'This is the access-log bucket of the revision bucket; logging it would need a third bucket for no audit gain.' },
      { id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason: 'S3 server access log delivery writes only to SSE-S3 buckets; SSE-KMS would drop the logs.' },
      { id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check', reason: 'Access logs expire after a year by lifecycle rule; Object Lock would keep them past it and adds no integrity the bucket policy does not.' },
      { id: 'cdk-validator-cfnguard::s3_event_notifications_enabled_check', reason: 'Nothing consumes log-delivery events; an event per delivered log object would only be noise.' },
    );
    const revisions = new s3.Bucket(this, 'RevisionBucket', {
      ...common,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'revisions/',
      lifecycleRules: [{ noncurrentVersionExpiration: NONCURRENT_REVISION_RETENTION }],
    });
    // Revision uploads appear in EventBridge (native property; Bucket.eventBridgeEnabled would add a
    // custom-resource Lambda) so an upload is visible and auditable next to the deployment it feeds.
    (revisions.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    Validations.of(revisions).acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      reason: 'Revisions are build artifacts, not records: versioning keeps old ones for rollback and the lifecycle rule expires them; Object Lock would block that expiry.',
    });
    return revisions;
  }

  /**
   * The CodeDeploy agent downloads revisions with the instance role: objects and their versions only,
   * narrower than Bucket.grantRead (no List*, no GetBucket*).
   */
  private grantRevisionRead(fleet: IWorkerFleet): void {
    fleet.addToWorkerPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.revisionBucket.arnForObjects('*')],
      }),
      [
        {
          id: `AwsSolutions-IAM5[${nagResourceFinding(this, this.revisionBucket.arnForObjects('*'))}]`,
          reason: 'Revision object keys are chosen per deployment; the grant is read-only and limited to this environment\'s revision bucket.',
        },
      ],
    );
    // The bucket is encrypted with this environment's key; its key policy defers to IAM for the account.
    if (fleet instanceof WorkerFleet) this.key.grantDecrypt(fleet.role);
    else fleet.addToWorkerPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
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
      targets: [ownRuleTopicTarget(this.alarmTopic)],
    });
  }
}

/**
 * The alarm topic as a rule's target, admitting EventBridge for that rule only (aws:SourceArn). CDK's
 * SnsTopic target would also grant events.amazonaws.com the topic's key with no condition; the key's own
 * policy already lets this account's EventBridge use it (above). An imported topic's policy is its owner's.
 */
function ownRuleTopicTarget(topic: sns.ITopic): events.IRuleTarget {
  return {
    bind: (rule) => {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
        }),
      );
      return { arn: topic.topicArn };
    },
  };
}
