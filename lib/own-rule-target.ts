/**
 * A queue or topic as an EventBridge rule's target that admits EventBridge for that rule only
 * (aws:SourceArn). CDK's SqsQueue and SnsTopic targets admit any rule of the account (SqsQueue) and grant
 * EventBridge the resource's key with no condition or with Encrypt and ReEncrypt*; the environment key's
 * own policy already lets this account's EventBridge use it as a queue or topic needs
 * (lib/environment-key.ts). An imported topic's policy is its owner's: adding to it does nothing.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';

/** What the target needs of the resource: its ARN, its resource policy and the action a rule uses on it. */
export interface RuleDestination {
  readonly arn: string;
  readonly action: 'sqs:SendMessage' | 'sns:Publish';
  addToResourcePolicy(statement: iam.PolicyStatement): unknown;
}

export function ownRuleTarget(destination: RuleDestination): events.IRuleTarget {
  return {
    bind: (rule) => {
      destination.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: [destination.action],
          resources: [destination.arn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
        }),
      );
      return { arn: destination.arn };
    },
  };
}
