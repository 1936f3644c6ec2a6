import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeadLetters } from '../../core/ports';

/** Malformed events go straight to the dead-letter queue with the reason, rather than being retried. */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1024) } },
      }),
    );
  }
}
