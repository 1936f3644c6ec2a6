/**
 * What the workers send the drain controller, and the queues that take it: "drained" reports to the
 * event queue, and each fleet's in-service readings to its own readings queue, drained by the readings
 * function into the drain table. Apart from the construct (lib/drain-controller.ts), which calls these
 * once its queue, table and functions exist.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_READINGS_BYTES } from '../core/worker-readings';
import { READINGS_BATCHING_WINDOW_SECONDS, READINGS_BATCH_SIZE, READINGS_DATA_KEY_REUSE_SECONDS } from '../core/contract/metrics';
import { ControllerFunction } from './controller-function';
import { DrainControllerProps, ManagedFleet } from './drain-controller-props';

/** The readings queue's message limit: a whole message, body and attributes, above MAX_READINGS_BYTES (SQS allows 1 KB to 256 KB). */
export const READINGS_MAX_MESSAGE_BYTES = MAX_READINGS_BYTES + 4 * 1024;
/** Readings are judged over the last hour: one kept longer is never read. */
const READINGS_RETENTION = Duration.hours(1);
/** A readings batch is a BatchWriteItem or a few; the queue's visibility timeout is six times this. */
const READINGS_FUNCTION_TIMEOUT = Duration.seconds(30);
const READINGS_DATA_KEY_REUSE = Duration.seconds(READINGS_DATA_KEY_REUSE_SECONDS);
const READINGS_BATCHING_WINDOW = Duration.seconds(READINGS_BATCHING_WINDOW_SECONDS);

/** The drain controller as the readings path needs it: the scope of its queues and function, and its table. */
export interface ReadingsTarget extends Construct {
  readonly table: dynamodb.ITable;
  /** Filled here: per fleet name, its readings queue. */
  readonly readingsQueues: Map<string, sqs.Queue>;
  grantTable(fn: iam.IGrantable, ...actions: string[]): void;
}

/**
 * The workers' agents send "drained" reports straight to the event queue: SendMessage on this queue and
 * the data keys of its CMK (SQS developer guide, "Key management": a producer to an SSE-KMS queue needs
 * kms:GenerateDataKey and kms:Decrypt). The handler accepts a report only from the named instance.
 */
export function acceptDrainReports(scope: Construct, queue: sqs.Queue, props: DrainControllerProps): void {
  for (const f of props.fleets) {
    if (!f.reportingRole) continue;
    // Not grantSendMessages: it adds kms:Encrypt, ReEncrypt* and GenerateDataKey*, more than a producer needs.
    queue.grant(f.reportingRole, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
    grantSqsProducerKey(scope, f.reportingRole, props);
  }
}

/**
 * One readings queue per fleet, under the environment's key, that only the fleet's own worker role may
 * send to: a worker can fill its own fleet's queue, never another's, so a flood or a forgery from one
 * fleet never delays or reaches another's readings. One function drains them all into the table,
 * outside the VPC (it calls only SQS and DynamoDB), and keeps only messages from the instance they name
 * under the fleet's role on the fleet's queue (core/worker-readings.ts).
 */
export function acceptReadings(
  controller: ReadingsTarget,
  props: DrainControllerProps,
  fleets: readonly ManagedFleet[],
  common: { key: DrainControllerProps['key']; serviceName: string },
): ControllerFunction {
  const senders: Record<string, { workerRoleId: string; queueArn: string }> = {};
  for (const f of fleets) {
    const queue = new sqs.Queue(controller, `ReadingsQueue-${f.name}`, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      dataKeyReuse: READINGS_DATA_KEY_REUSE,
      enforceSSL: true,
      retentionPeriod: READINGS_RETENTION,
      // SQS refuses a larger message at the send: one message is at most MAX_READINGS_BYTES of body.
      maxMessageSizeBytes: READINGS_MAX_MESSAGE_BYTES,
      visibilityTimeout: Duration.seconds(READINGS_FUNCTION_TIMEOUT.toSeconds() * 6),
    });
    Validations.of(queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'Readings are perishable (judged within the hour, ranked within two minutes): a failed write is redelivered until the queue\'s 1-hour retention ends, and a message the function rejects is dropped on purpose, never retried.' },
      { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: 'Readings are perishable: redelivered until the 1-hour retention ends; a dead-letter queue would keep what no decision may read.' },
    );
    controller.readingsQueues.set(f.name, queue);
    senders[f.group.autoScalingGroupName] = { workerRoleId: f.readingsRole!.roleId, queueArn: queue.queueArn };
    // SendMessage only, to this fleet's queue only; the key only through SQS (as for drain reports).
    queue.grant(f.readingsRole!, 'sqs:SendMessage');
    grantSqsProducerKey(controller, f.readingsRole!, props);
  }
  const fn = new ControllerFunction(controller, 'ReadingsFunction', {
    ...common,
    entry: 'readings',
    description: `graceful-autoscaler ${props.environmentName}: the agents' in-service readings, verified, into the drain table`,
    timeout: READINGS_FUNCTION_TIMEOUT,
    environment: { READINGS_SETTINGS: Stack.of(controller).toJsonString({ groups: senders }), DRAIN_TABLE_NAME: controller.table.tableName },
  });
  Validations.of(fn).acknowledge(
    {
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason: 'It calls only SQS (through its event sources) and DynamoDB, public AWS APIs; in a VPC it would depend on the NAT path for nothing.',
    },
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Only the X-Ray tracing actions, which support no resource-level permissions; its table and queues are named.' },
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: "Data keys of this environment's CMK, which encrypts the drain table it writes; granted by CDK for that key only." },
    { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: "Re-encryption under this environment's CMK only, as CDK grants for an encrypted table it writes." },
  );
  for (const queue of controller.readingsQueues.values()) {
    // At most 2 concurrent invocations a queue (the least SQS event sources allow: Lambda developer guide,
    // "Configuring maximum concurrency for Amazon SQS event sources"): a fleet flooding its own queue backs up
    // there, and cannot take the function's whole concurrency from the other fleets.
    fn.addEventSource(new sources.SqsEventSource(queue, { batchSize: READINGS_BATCH_SIZE, maxBatchingWindow: READINGS_BATCHING_WINDOW, reportBatchItemFailures: true, maxConcurrency: 2 }));
  }
  controller.grantTable(fn, 'dynamodb:BatchWriteItem');
  return fn;
}

/** What a producer to an SSE-KMS queue needs of the key (SQS developer guide, "Key management"), only through SQS. */
function grantSqsProducerKey(scope: Construct, role: iam.Role, props: DrainControllerProps): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.key.keyArn],
      // Only through SQS: the role cannot use the key directly.
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(scope).region}.amazonaws.com` } },
    }),
  );
}
