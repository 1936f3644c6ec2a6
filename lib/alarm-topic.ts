/** Where alarms and fleet failures are published: the operator's topic, or one of ours encrypted with the environment's key. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { EnvironmentConfig } from './config';
import { ownSources } from './environment-key';

export function createAlarmTopic(stack: Stack, config: EnvironmentConfig, key: kms.IKey): sns.ITopic {
  if (config.notifications.topicArn) {
    return sns.Topic.fromTopicArn(stack, 'AlarmTopic', config.notifications.topicArn);
  }
  const topic = new sns.Topic(stack, 'AlarmTopic', {
    displayName: `graceful-autoscaler ${config.name} alarms`,
    masterKey: key,
    enforceSSL: true,
  });
  for (const email of config.notifications.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
  // Publishing services only for this environment's own rules and alarms.
  for (const [service, arns] of ownSources(stack, config.name)) {
    topic.addToResourcePolicy(
      new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.ServicePrincipal(service)], actions: ['sns:Publish'], resources: [topic.topicArn], conditions: { ArnNotLike: { 'aws:SourceArn': arns } } }),
    );
  }
  return topic;
}
