/**
 * The chat destination on fauxqs: notices published by the adapter reach a subscriber of the chat topic as Amazon Q
 * custom notifications that the vendor's documented format accepts, with the case key and kind as attributes; the
 * local console prints one line per message; the alert topic's subscribers get nothing from it.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import Ajv from 'ajv';
import {
  CHAT_TOPIC_ENV,
  NO_CHAT,
  noticePublisherFromEnv,
  SnsNoticePublisher,
} from '../../functions/adapters/sns-notice-publisher';
import schema from '../../functions/core/alerts/chat-notification.schema.json';
import type { Notice, NoticeKind } from '../../functions/core/alerts/notice';
import { createAlertTopic, localSnsClient, localSqsClient, subscribeQueue } from '../../local/runtime/alerts';
import { chatConsoleService, parseChatNotification } from '../../local/runtime/chat';
import { snsEndpoint } from '../helpers/alerts';

const validate = new Ajv({ allErrors: true }).compile(schema);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

function notice(kind: NoticeKind, caseKey?: string): Notice {
  return {
    kind,
    ...(caseKey ? { caseKey } : {}),
    title: `${kind} of ${caseKey ?? 'several cases'} for <!channel>`,
    description: `What happened to @here, ${kind}.`,
    nextSteps: ['`npx voucherify-events cases --open`'],
    keywords: [kind],
    threadId: caseKey ? `case-${caseKey}` : `${kind}-${unique()}`,
  };
}

interface Received {
  readonly body: string;
  readonly attributes: Record<string, string>;
}

/** Receives until `count` messages arrived (or the time is up), then once more so an extra one would be seen. */
async function receive(sqs: SQSClient, queueUrl: string, count: number, timeoutMs = 10_000): Promise<Received[]> {
  const got: Received[] = [];
  const deadline = Date.now() + timeoutMs;
  let extraPoll = false;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages ?? []) {
      const notification = JSON.parse(message.Body ?? '{}') as {
        MessageAttributes?: Record<string, { Value: string }>;
      };
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(notification.MessageAttributes ?? {})) attributes[name] = value.Value;
      got.push({ body: message.Body ?? '', attributes });
    }
    if (got.length >= count) {
      if (extraPoll) break;
      extraPoll = true;
    }
  }
  return got;
}

describe('the chat topic on fauxqs', () => {
  const sns = localSnsClient(snsEndpoint());
  const sqs = localSqsClient(snsEndpoint());
  afterAll(() => {
    sns.destroy();
    sqs.destroy();
  });

  it('delivers every kind of notice to a chat subscriber in the documented format, and nothing to the alert topic', async () => {
    // Prepare
    const tag = unique();
    const chatTopic = await createAlertTopic(sns, `chat-${tag}`);
    const alertTopic = await createAlertTopic(sns, `alerts-${tag}`);
    const { queueUrl: chatQueue } = await subscribeQueue(sns, sqs, chatTopic, `chat-${tag}`);
    const { queueUrl: alertQueue } = await subscribeQueue(sns, sqs, alertTopic, `alerts-${tag}`);
    const publisher = noticePublisherFromEnv(sns, { [CHAT_TOPIC_ENV]: chatTopic });
    const kinds: NoticeKind[] = ['alert', 'digest', 'reminder', 'acknowledged', 'resolved', 'reopened'];

    // Act
    for (const kind of kinds) {
      await publisher.publish(notice(kind, kind === 'digest' || kind === 'reminder' ? undefined : 'rr_1'));
    }
    const received = await receive(sqs, chatQueue, kinds.length);
    const onAlertTopic = await receive(sqs, alertQueue, 1, 2_000);

    // Assess
    expect(publisher).toBeInstanceOf(SnsNoticePublisher);
    expect(received).toHaveLength(kinds.length);
    const notifications = received.map((r) => parseChatNotification(r.body));
    for (const notification of notifications) {
      expect(validate(notification)).toBe(true);
      expect(notification.content.title).not.toMatch(/[<>@]/);
    }
    expect(notifications.map((n) => n.metadata.additionalContext.kind).sort()).toEqual([...kinds].sort());
    const resolved = received.find((r) => r.attributes.notice_kind === 'resolved');
    expect(resolved?.attributes).toEqual({ notice_kind: 'resolved', case_key: 'rr_1' });
    expect(received.find((r) => r.attributes.notice_kind === 'digest')?.attributes).toEqual({ notice_kind: 'digest' });
    expect(onAlertTopic).toEqual([]);
  });

  it('prints one console line per chat message', async () => {
    // Prepare
    const tag = unique();
    const chatTopic = await createAlertTopic(sns, `chat-console-${tag}`);
    const { queueUrl } = await subscribeQueue(sns, sqs, chatTopic, `chat-console-${tag}`);
    const lines: string[] = [];
    const errors: string[] = [];
    const console = chatConsoleService({
      queue: () => ({ snsEndpoint: snsEndpoint(), queueUrl }),
      print: (line) => lines.push(line),
      printError: (line) => errors.push(line),
    });
    await console.start();

    // Act
    try {
      await new SnsNoticePublisher(sns, chatTopic).publish(notice('resolved', 'rr_42'));
      const deadline = Date.now() + 10_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await console.stop();
    }

    // Assess
    expect(errors).toEqual([]);
    expect(lines).toEqual(['[chat] resolved -> thread case-rr_42: ✅ resolved of rr_42 for ‹!channel›']);
  });

  it('sends nothing, and needs no topic, where no chat destination is configured', async () => {
    const publisher = noticePublisherFromEnv(sns, {});
    expect(publisher).toBe(NO_CHAT);
    await expect(publisher.publish(notice('alert', 'rr_2'))).resolves.toBeUndefined();
  });
});
