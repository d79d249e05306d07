import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { chatMessageBody } from '../core/alerts/chat';
import type { Notice, NoticePublisher } from '../core/alerts/notice';
import { AlertPublishError } from '../core/alerts/ports';

/** The environment variable that names the chat topic; absent when no chat destination is configured. */
export const CHAT_TOPIC_ENV = 'CHAT_TOPIC_ARN';

/** SNS error names that refuse the message itself: sending the same bytes again cannot succeed. */
const REJECTED = new Set(['InvalidParameterException', 'InvalidParameterValueException', 'InvalidParameter']);

/**
 * The Publish input for a notice on the chat topic: the custom-notification JSON as the one body (only chat channels
 * subscribe to that topic, so no per-protocol bodies are needed), and the case key and kind as attributes, so a
 * subscription can filter on them like the alert topic's.
 */
export function toNoticePublishInput(topicArn: string, notice: Notice) {
  const attributes: Record<string, MessageAttributeValue> = {
    notice_kind: { DataType: 'String', StringValue: notice.kind },
  };
  if (notice.caseKey) attributes.case_key = { DataType: 'String', StringValue: notice.caseKey.slice(0, 256) };
  return { TopicArn: topicArn, Message: chatMessageBody(notice), MessageAttributes: attributes };
}

/** Publishes notices to the chat topic, where Amazon Q Developer's Slack and Teams channels read them. */
export class SnsNoticePublisher implements NoticePublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notice: Notice): Promise<void> {
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(
        new PublishCommand(toNoticePublishInput(this.topicArn, notice)),
      ));
    } catch (cause) {
      const name = cause instanceof Error ? cause.name : '';
      throw new AlertPublishError(`SNS did not accept the chat notice for topic ${this.topicArn}`, {
        cause,
        rejected: REJECTED.has(name) || cause instanceof URIError,
      });
    }
    // A 200 without a MessageId is not proof of delivery; the caller decides whether to retry.
    if (!messageId) throw new AlertPublishError(`SNS answered without a MessageId for topic ${this.topicArn}`);
  }
}

/** Where no chat destination is configured: accepts every notice and sends nothing. */
export const NO_CHAT: NoticePublisher = { publish: async () => {} };

/**
 * The publisher a function's environment asks for: the chat topic named by `CHAT_TOPIC_ARN`, or {@link NO_CHAT} when
 * the variable is absent (the stack sets it only on functions granted the publish). Read once, at cold start.
 */
export function noticePublisherFromEnv(
  client: SNSClient,
  env: Readonly<Record<string, string | undefined>>,
): NoticePublisher {
  const topicArn = env[CHAT_TOPIC_ENV]?.trim();
  return topicArn ? new SnsNoticePublisher(client, topicArn) : NO_CHAT;
}
