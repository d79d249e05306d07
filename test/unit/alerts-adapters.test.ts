import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { fromStreamImage } from '../../functions/adapters/dynamodb-stream';
import { SnsAlertPublisher, toPublishInput } from '../../functions/adapters/sns-publisher';
import { readAlertsSettings } from '../../functions/alerts/settings';
import { buildAlertMessage } from '../../functions/core/alerts/message';
import { AlertPublishError } from '../../functions/core/alerts/ports';
import { ConfigurationError } from '../../functions/core/ingest/config';
import { toStreamImage } from '../../local/runtime/stream-image';
import { loadFixture } from '../../tools/fixtures';
import { storedRecord } from '../helpers/stream-records';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const envelope = loadFixture('redemption.rollback.failed');
const message = buildAlertMessage({ record: storedRecord(envelope), envelope, now: Date.now() });

describe('toPublishInput', () => {
  it('publishes per-protocol bodies with String filter attributes', () => {
    const input = toPublishInput(TOPIC, message);

    expect(input).toMatchObject({ TopicArn: TOPIC, MessageStructure: 'json', Subject: message.subject });
    expect(JSON.parse(input.Message)).toHaveProperty('default');
    expect(input.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'redemption.rollback.failed' },
      failure_code: { DataType: 'String', StringValue: 'already_rolled_back' },
      campaign: { DataType: 'String', StringValue: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY' },
      customer_id: { DataType: 'String', StringValue: 'cust_IdgAFZxYwwHctOk9pPuMu308' },
    });
  });
});

describe('SnsAlertPublisher faults (injected; the success path is tested against fauxqs)', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());
  afterAll(() => sns.restore());

  it.each([
    ['InvalidParameterException', true],
    ['InvalidParameterValueException', true],
    ['ThrottledException', false],
    ['KMSAccessDeniedException', false],
    ['InternalErrorException', false],
  ])('wraps %s in AlertPublishError with its cause (refused as such: %s)', async (name, rejected) => {
    const cause = Object.assign(new Error('injected'), { name });
    sns.on(PublishCommand).rejects(cause);

    const error = await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC)
      .publish(message)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AlertPublishError);
    expect(error).toMatchObject({ name: 'AlertPublishError', rejected, cause });
  });

  it('marks a message the SDK cannot encode (URIError) as refused, so the minimal alert is tried', async () => {
    const cause = new URIError('URI malformed');
    sns.on(PublishCommand).rejects(cause);

    const error = await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC)
      .publish(message)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AlertPublishError', rejected: true, cause });
  });

  it('treats an answer without a MessageId as a failure', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish(message)).rejects.toThrow(
      /without a MessageId/,
    );
  });
});

describe('readAlertsSettings', () => {
  const env = { TOPIC_ARN: TOPIC, TABLE_NAME: 'events' };

  it('reads the settings with safe defaults', () => {
    expect(readAlertsSettings(env)).toEqual({
      topicArn: TOPIC,
      tableName: 'events',
      includeCustomerEmail: false,
      logLevel: 'info',
      cases: { burstLimit: 10, burstWindowMinutes: 15, reminderHours: 24 },
    });
  });

  it('reads the case settings and refuses a window that does not divide a day, or a zero limit', () => {
    expect(
      readAlertsSettings({ ...env, ALERT_BURST_LIMIT: '3', ALERT_BURST_WINDOW_MINUTES: '5', CASE_REMINDER_HOURS: '0' })
        .cases,
    ).toEqual({ burstLimit: 3, burstWindowMinutes: 5, reminderHours: 0 });
    expect(() => readAlertsSettings({ ...env, ALERT_BURST_WINDOW_MINUTES: '7' })).toThrow(/divides a day/);
    expect(() => readAlertsSettings({ ...env, ALERT_BURST_LIMIT: '0' })).toThrow(/alertBurstLimit/);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['', false],
  ])('reads INCLUDE_CUSTOMER_EMAIL=%j as %s', (value, expected) => {
    expect(readAlertsSettings({ ...env, INCLUDE_CUSTOMER_EMAIL: value }).includeCustomerEmail).toBe(expected);
  });

  it.each([
    [{ TABLE_NAME: 'events' }, /TOPIC_ARN must be set/],
    [{ TOPIC_ARN: TOPIC }, /TABLE_NAME must be set/],
    [{ ...env, INCLUDE_CUSTOMER_EMAIL: 'yes please' }, /INCLUDE_CUSTOMER_EMAIL must be true or false/],
    [{ ...env, LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('stops at cold start on %j', (bad, message) => {
    expect(() => readAlertsSettings(bad)).toThrow(ConfigurationError);
    expect(() => readAlertsSettings(bad)).toThrow(message);
  });
});

describe('stream image conversion', () => {
  it('round-trips every attribute type between the SDK shape and the JSON Lambda delivers', () => {
    const item: Record<string, AttributeValue> = {
      s: { S: 'text' },
      n: { N: '42' },
      b: { B: Buffer.from([0, 1, 2, 255]) },
      bs: { BS: [Buffer.from('a'), Buffer.from('b')] },
      ss: { SS: ['x', 'y'] },
      ns: { NS: ['1', '2'] },
      bool: { BOOL: false },
      nul: { NULL: true },
      l: { L: [{ S: 'in a list' }, { B: Buffer.from('bytes') }] },
      m: { M: { nested: { B: Buffer.from('deep') } } },
    };

    const image = toStreamImage(item);

    expect(image.b).toEqual({ B: 'AAEC/w==' });
    expect(image.m).toEqual({ M: { nested: { B: Buffer.from('deep').toString('base64') } } });
    expect(fromStreamImage(image)).toEqual(item);
  });
});
