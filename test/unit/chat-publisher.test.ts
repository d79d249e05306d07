import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNoticePublisher, toNoticePublishInput } from '../../functions/adapters/sns-notice-publisher';
import type { Notice } from '../../functions/core/alerts/notice';
import { AlertPublishError } from '../../functions/core/alerts/ports';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:chat';
const NOTICE: Notice = {
  kind: 'acknowledged',
  caseKey: 'rr_1',
  title: 'Acknowledged by alice',
  description: 'looking at it',
  nextSteps: [],
  keywords: ['acknowledged'],
  threadId: 'case-rr_1',
};

describe('toNoticePublishInput', () => {
  it('publishes the custom notification as the one body, with the case key and kind as attributes', () => {
    const input = toNoticePublishInput(TOPIC, NOTICE);
    expect(input).not.toHaveProperty('MessageStructure');
    expect(JSON.parse(input.Message)).toMatchObject({ version: '1.0', source: 'custom' });
    expect(input.MessageAttributes).toEqual({
      notice_kind: { DataType: 'String', StringValue: 'acknowledged' },
      case_key: { DataType: 'String', StringValue: 'rr_1' },
    });
  });
});

describe('SnsNoticePublisher faults (injected; the success path is tested against fauxqs)', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());
  afterAll(() => sns.restore());
  const publisher = () => new SnsNoticePublisher(new SNSClient({ region: 'us-east-1' }), TOPIC);

  it.each([
    ['InvalidParameterException', true],
    ['ThrottledException', false],
    ['KMSAccessDeniedException', false],
  ])('wraps %s in AlertPublishError with its cause (refused as such: %s)', async (name, rejected) => {
    const cause = Object.assign(new Error('injected'), { name });
    sns.on(PublishCommand).rejects(cause);
    const error = await publisher()
      .publish(NOTICE)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertPublishError);
    expect(error).toMatchObject({ rejected, cause });
  });

  it('treats an answer without a MessageId as not accepted', async () => {
    sns.on(PublishCommand).resolves({});
    await expect(publisher().publish(NOTICE)).rejects.toThrow(/without a MessageId/);
  });
});
