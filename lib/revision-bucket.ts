/** CodeDeploy revisions for the environment's fleets: a versioned, KMS-encrypted bucket with access logs, and the fleets' read grant. */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { nagResourceFinding } from './nag-finding';
import { IWorkerFleet } from './worker-fleet-base';

/** Noncurrent revision objects are kept this long so a rollback can still find them. */
const NONCURRENT_REVISION_RETENTION = Duration.days(90);
/** S3 access logs of the revision bucket are kept a year. */
const ACCESS_LOG_RETENTION = Duration.days(365);

export function createRevisionBucket(stack: Stack, key: kms.IKey): s3.Bucket {
  const common: s3.BucketProps = {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
  const accessLogs = new s3.Bucket(stack, 'AccessLogBucket', {
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
  const revisions = new s3.Bucket(stack, 'RevisionBucket', {
    ...common,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
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
export function grantRevisionRead(stack: Stack, bucket: s3.IBucket, key: kms.IKey, fleet: IWorkerFleet): void {
  fleet.addToWorkerPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [bucket.arnForObjects('*')],
    }),
    [
      {
        id: `AwsSolutions-IAM5[${nagResourceFinding(stack, bucket.arnForObjects('*'))}]`,
        reason: 'Revision object keys are chosen per deployment; the grant is read-only and limited to this environment\'s revision bucket.',
      },
    ],
  );
  // The bucket is encrypted with this environment's key; its key policy defers to IAM for the account.
  // Only through S3: the same key encrypts the readings queues and the drain table, and a worker has no
  // business decrypting anything of theirs directly.
  fleet.addToWorkerPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } }));
}
