import { SQSClient } from '@aws-sdk/client-sqs';
import { RETRY_SETTINGS } from '../aws/clients';
import { SqsDeadLetters } from '../aws/sqs-dead-letters';
import { makeDrainEventsHandler } from '../drain/events';
import { controllerDeps, env } from './controller';
import { withMetrics } from './runtime';

export const handler = withMetrics(
  makeDrainEventsHandler({ ...controllerDeps, deadLetters: new SqsDeadLetters(new SQSClient(RETRY_SETTINGS), env.DEAD_LETTER_QUEUE_URL) }),
);
