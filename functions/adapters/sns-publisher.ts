import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { TopicMessage } from '../core/alerts/message';
import { AlertPublishError, type AlertPublisher } from '../core/alerts/ports';
import { toWellFormedText } from '../core/shared/well-formed';

/** SNS error names that refuse the message itself: sending the same bytes again cannot succeed. */
const REJECTED = new Set(['InvalidParameterException', 'InvalidParameterValueException', 'InvalidParameter']);

/**
 * The Publish input for an alert: per-protocol bodies (`MessageStructure: json`) and filter attributes. Every text is
 * made well-formed here, the one door to SNS (a lone surrogate makes the SDK's encoder throw, U+FFFE/U+FFFF are not XML
 * characters): whatever the alert text took from a payload, the alert still goes out.
 */
export function toPublishInput(topicArn: string, message: TopicMessage) {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    if (value !== undefined) attributes[name] = { DataType: 'String', StringValue: toWellFormedText(value) };
  }
  return {
    TopicArn: topicArn,
    Subject: toWellFormedText(message.subject),
    Message: toWellFormedText(message.messageJson),
    MessageStructure: 'json',
    MessageAttributes: attributes,
  };
}

/** Publishes alerts to one SNS topic and checks that each was accepted. */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: TopicMessage): Promise<{ messageId: string }> {
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new PublishCommand(toPublishInput(this.topicArn, message))));
    } catch (cause) {
      const name = cause instanceof Error ? cause.name : '';
      throw new AlertPublishError(`SNS did not accept the alert for topic ${this.topicArn}`, {
        cause,
        // A URIError is the SDK failing to encode this very message before sending it: retrying cannot help either.
        rejected: REJECTED.has(name) || cause instanceof URIError,
      });
    }
    // A 200 without a MessageId is not proof of delivery; treat it as a failure so the record is retried.
    if (!messageId) throw new AlertPublishError(`SNS answered without a MessageId for topic ${this.topicArn}`);
    return { messageId };
  }
}
