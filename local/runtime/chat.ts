import type { ChatNotification } from '../../functions/core/alerts/chat';
import { type QueueConsoleOptions, queueConsoleService } from './alerts';

/** The local mode's chat topic: what Amazon Q Developer's Slack and Teams channels would read in AWS. */
export const LOCAL_CHAT_TOPIC_NAME = 'voucherify-chat';

/** The queue `npm start` subscribes to the chat topic, standing in for the chat channels. */
export const LOCAL_CHAT_CONSOLE_QUEUE_NAME = 'voucherify-chat-console';

/**
 * Reads a chat notification from an SQS message body (an SNS notification, not raw delivery). Throws when the body is
 * not a custom notification, which the console reports instead of printing something that would not reach a channel.
 */
export function parseChatNotification(body: string): ChatNotification {
  const notification = JSON.parse(body) as { Message?: string };
  const message = JSON.parse(notification.Message ?? 'null') as ChatNotification | null;
  if (message?.source !== 'custom' || typeof message.content?.description !== 'string')
    throw new Error('a message on the chat topic is not an Amazon Q custom notification');
  return message;
}

/**
 * One line per chat message, enough to see that it went out and to which thread: the full texts are what the alerts
 * console prints for each notice.
 */
export function formatChatLine(notification: ChatNotification): string {
  const kind = notification.metadata.additionalContext.kind ?? notification.metadata.eventType;
  return `[chat] ${kind} -> thread ${notification.metadata.threadId}: ${notification.content.title}`;
}

/** `npm start`'s console for the chat topic: one line per message that would reach Slack or Teams. */
export function chatConsoleService(options: QueueConsoleOptions) {
  return queueConsoleService('chat console', {
    ...options,
    format: (body) => formatChatLine(parseChatNotification(body)),
    errorPrefix: '[chat] ',
  });
}
