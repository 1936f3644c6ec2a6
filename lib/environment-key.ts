/**
 * The environment's customer-managed key: it encrypts the alarm topic, the controller's queues and table,
 * the revision bucket and every log group of the stack, and its policy admits only this environment's
 * own rules and alarms.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { sourcePrefix } from './names';

/** The ARN patterns of this environment's own EventBridge rules and CloudWatch alarms, per service principal. */
export function ownSources(stack: Stack, environment: string): [string, string][] {
  const prefix = sourcePrefix(environment);
  return [
    ['events.amazonaws.com', stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${prefix}*` })],
    ['cloudwatch.amazonaws.com', stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  ];
}

/** This stack's log groups: unnamed, so CloudFormation names each after the stack. */
export function ownLogGroupArns(stack: Stack): string {
  return stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** The key, with its policy: grants only for AWS resources, the services that write into what it encrypts. */
export function createEnvironmentKey(stack: Stack, environment: string): kms.Key {
  const key = new kms.Key(stack, 'Key', {
    description: `graceful-autoscaler ${environment}: alarm topic and controller queues`,
    enableKeyRotation: true,
  });
  // Grants on this key may only be created for AWS resources by AWS services (Control Tower CT.KMS.PR.3).
  key.addToResourcePolicy(
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
  const [[events], [cloudwatch, alarms]] = ownSources(stack, environment);
  key.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(events)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(cloudwatch)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { ArnLike: { 'aws:SourceArn': alarms } } }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.ServicePrincipal(cloudwatch)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: { ArnNotLike: { 'aws:SourceArn': alarms } } }),
  );

  // CloudWatch Logs encrypts every log group of this stack (flow logs, function logs) with the key,
  // scoped by the encryption context to this stack's own log groups (CloudWatch Logs user guide,
  // "Encrypt log data in CloudWatch Logs using AWS KMS"). Without it a log group fails to create. Ours
  // are unnamed, so CloudFormation names each `<stack name>-<logical id>-<suffix>`: no other stack's
  // log group (nor one anybody creates by hand outside that prefix) may use the key.
  key.grantEncryptDecrypt(
    new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': ownLogGroupArns(stack) },
      },
    }),
  );
  return key;
}
