/**
 * Injected faults, end to end on the local stand-ins (DynamoDB Local with its real stream, fauxqs). Faults come from a
 * failing endpoint (a proxy in front of DynamoDB Local that throttles, hangs or drops answers) or from
 * aws-sdk-client-mock (Secrets Manager, which has no local stand-in; SNS refusing or unavailable). What must hold:
 * a 503 while storage or the secret is unavailable, nothing partial, exactly one item after the retry; alerts reported
 * failed while SNS is down and sent once after it recovers; a batch given up after the retry cap lands on the DLQ with
 * enough to find and re-send its events; a poison record neither blocks nor loses the others of its batch.
 * (storage-faults.test.ts covers throttling and an unreachable endpoint at the store level; this file goes through
 * the deployed handlers with their real SDK retry and timeout settings.)
 */
import { type DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type * as SecretsManagerModule from '@aws-sdk/client-secrets-manager';
import {
  InvalidParameterException,
  KMSDisabledException,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import type * as ClientMockModule from 'aws-sdk-client-mock';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbAlertLedger } from '../../functions/adapters/dynamodb-alert-ledger';
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { matchesAlertFilter } from '../../functions/alerts/filter';
import { localSnsClient, localSqsClient, type ReceivedAlert } from '../../local/runtime/alerts';
import { applyLocalAwsEnv, LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/runtime/aws-env';
import { loadIngestHandler } from '../../local/runtime/handler';
import {
  type OnFailureRecord,
  parseOnFailureRecord,
  readFailedBatch,
  sqsOnFailureDestination,
} from '../../local/runtime/on-failure';
import type { HttpApiHandler } from '../../local/runtime/server';
import { type Envelope, loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { type AlertsHarness, snsEndpoint, startAlertsHarness } from '../helpers/alerts';
import { createTestTable, dynamodbEndpoint, getEventItem, scanAll, testClient } from '../helpers/dynamodb';
import { type FaultProxy, startFaultProxy, THROTTLED } from '../helpers/fault-proxy';
import { apiEvent, expectErrorAnswer, invoke } from '../helpers/receiver';
import { storedRecord } from '../helpers/stream-records';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
let counter = 0;

/** A fixture with an event id no other test uses. */
function freshEnvelope(name = 'redemption.rollback.failed'): Envelope {
  const envelope = loadFixture(name);
  counter += 1;
  envelope.event.id = `${envelope.event.id}_f${counter}_${unique()}`;
  // Its own rollback too: each is a failure of its own (one case, one alert), not a re-send of the fixture's.
  const rollback = envelope.data?.redemption_rollback as { id?: string } | undefined;
  if (rollback?.id) rollback.id = `${rollback.id}_f${counter}`;
  return envelope;
}

let client: DynamoDBClient;
let quiet: jest.SpyInstance;

beforeAll(() => {
  client = testClient();
  // The handlers' log and metric lines; what matters is asserted on answers, tables and queues.
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  process.env.LOG_LEVEL = 'error';
});

afterAll(() => {
  quiet.mockRestore();
  client.destroy();
});

async function itemsFor(table: string, eventId: string) {
  return (await scanAll(client, table)).filter((item) => item[EVENTS_TABLE.partitionKey]?.S === eventId);
}

describe('ingest with DynamoDB failing behind the deployed handler (its real SDK retries and timeouts)', () => {
  let proxy: FaultProxy;
  let table: string;
  let handler: HttpApiHandler;

  beforeAll(async () => {
    table = await createTestTable(client, 'faults-ingest');
    proxy = await startFaultProxy(dynamodbEndpoint());
    jest.isolateModules(() => {
      handler = loadIngestHandler({ dynamodbEndpoint: proxy.endpoint, tableName: table, webhookSecret: TEST_SECRET });
    });
  });

  afterAll(async () => {
    await proxy.close();
    applyLocalAwsEnv(dynamodbEndpoint());
  });

  const putItems = () => proxy.calls.filter((call) => call.operation === 'PutItem');

  it('answers 503 when every attempt is throttled, stores nothing, and the retry stores exactly once', async () => {
    // Prepare: more throttling than the handler's three attempts can outlast.
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    const before = putItems().length;
    proxy.plan('PutItem', [THROTTLED, THROTTLED, THROTTLED]);

    // Act
    const throttled = await invoke(handler, apiEvent(request));
    const retry = await invoke(handler, apiEvent(request));
    const late = await invoke(handler, apiEvent(request));

    // Assess
    expectErrorAnswer(throttled, 503, 'storage_unavailable', [
      TEST_SECRET,
      request.headers['x-voucherify-signature'] ?? '',
    ]);
    expect(
      putItems()
        .slice(before, before + 3)
        .map((call) => call.fault),
    ).toEqual([
      '400 ProvisionedThroughputExceededException',
      '400 ProvisionedThroughputExceededException',
      '400 ProvisionedThroughputExceededException',
    ]);
    expect(retry.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    expect(late.body).toEqual({ status: 'duplicate', eventId: envelope.event.id });
    const items = await itemsFor(table, envelope.event.id);
    expect(items).toHaveLength(1);
    expect(items[0]?.status?.S).toBe('ACCEPTED');
  });

  it('absorbs throttling shorter than its retries: the first delivery is accepted', async () => {
    const envelope = freshEnvelope();
    proxy.plan('PutItem', [THROTTLED, THROTTLED]);

    const result = await invoke(handler, apiEvent(signedRequest(envelope)));

    expect(result.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    expect(await itemsFor(table, envelope.event.id)).toHaveLength(1);
  });

  it('stores once when the write lands but its answer is lost: the SDK retry finds it and answers duplicate', async () => {
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    proxy.plan('PutItem', ['dropAnswer']);

    const result = await invoke(handler, apiEvent(request));

    // 2xx, so Voucherify does not send it again; the event was stored by the attempt whose answer was lost.
    expect(result.statusCode).toBe(200);
    expect(result.body).toEqual({ status: 'duplicate', eventId: envelope.event.id });
    const items = await itemsFor(table, envelope.event.id);
    expect(items).toHaveLength(1);
    expect(items[0]?.status?.S).toBe('ACCEPTED');
  });

  it('answers 503 within the 8 s function timeout when DynamoDB hangs, and the retry stores once', async () => {
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    proxy.plan('PutItem', ['hang', 'hang', 'hang']);

    const started = Date.now();
    const hung = await invoke(handler, apiEvent(request));
    const elapsedMs = Date.now() - started;
    const retry = await invoke(handler, apiEvent(request));

    expectErrorAnswer(hung, 503, 'storage_unavailable');
    expect(elapsedMs).toBeLessThan(8_000);
    expect(retry.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    expect(await itemsFor(table, envelope.event.id)).toHaveLength(1);
  });
});

describe('ingest with Secrets Manager unavailable at cold start (deployed handler, mocked SecretsManagerClient)', () => {
  const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:voucherify-webhook-AbCdEf';

  /**
   * The deployed handler configured as in AWS (WEBHOOK_SECRET_ARN), evaluated with its own copy of the SDK so the
   * mock applies to the SecretsManagerClient it builds at cold start.
   */
  function coldStartWithSecretsManager(table: string) {
    let loaded:
      | {
          handler: HttpApiHandler;
          mock: ReturnType<typeof ClientMockModule.mockClient>;
          sm: typeof SecretsManagerModule;
        }
      | undefined;
    jest.isolateModules(() => {
      const sm = require('@aws-sdk/client-secrets-manager') as typeof SecretsManagerModule;
      const { mockClient: isolatedMockClient } = require('aws-sdk-client-mock') as typeof ClientMockModule;
      const mock = isolatedMockClient(sm.SecretsManagerClient);
      applyLocalAwsEnv(dynamodbEndpoint());
      process.env.TABLE_NAME = table;
      process.env.WEBHOOK_SECRET_ARN = SECRET_ARN;
      const module = require('../../functions/ingest/handler') as typeof import('../../functions/ingest/handler');
      loaded = { handler: module.handler, mock, sm };
    });
    delete process.env.WEBHOOK_SECRET_ARN;
    if (!loaded) throw new Error('the ingest handler did not load');
    return loaded;
  }

  it('answers 503 secrets_unavailable while it cannot be read, stores nothing, and recovers when it returns', async () => {
    // Prepare: two failed reads (a service error, then a timeout), then the secret.
    const table = await createTestTable(client, 'faults-secrets');
    const { handler, mock, sm } = coldStartWithSecretsManager(table);
    const timeout = Object.assign(new Error('Connection timed out after 500 ms'), { name: 'TimeoutError' });
    mock
      .on(sm.GetSecretValueCommand)
      .rejectsOnce(new sm.InternalServiceError({ message: 'internal failure', $metadata: {} }))
      .rejectsOnce(timeout)
      .resolves({ ARN: SECRET_ARN, Name: 'voucherify-webhook', SecretString: TEST_SECRET, VersionId: 'v1' });
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);

    // Act
    const first = await invoke(handler, apiEvent(request));
    const second = await invoke(handler, apiEvent(request));
    const third = await invoke(handler, apiEvent(request));
    const other = freshEnvelope('redemption.failed');
    const fourth = await invoke(handler, apiEvent(signedRequest(other)));

    // Assess
    for (const down of [first, second]) {
      expectErrorAnswer(down, 503, 'secrets_unavailable', [
        TEST_SECRET,
        request.headers['x-voucherify-signature'] ?? '',
      ]);
      expect(down.headers['retry-after']).toBe('30');
    }
    expect(third.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    expect(fourth.body).toEqual({ status: 'accepted', eventId: other.event.id });
    // A failed read is not cached; a good one is (the fourth request did not read again).
    expect(mock.commandCalls(sm.GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ARN },
      { SecretId: SECRET_ARN },
      { SecretId: SECRET_ARN },
    ]);
    expect((await scanAll(client, table)).map((item) => item[EVENTS_TABLE.partitionKey]?.S).sort()).toEqual(
      [envelope.event.id, other.event.id].sort(),
    );
  });
});

/** An SNS client for fauxqs whose Publish can be failed at will; the rest reaches fauxqs. */
function controllableSns(): {
  sns: SNSClient;
  real: SNSClient;
  state: { down: boolean; refuse?: (input: PublishCommandInput) => boolean };
  restore(): void;
} {
  const real = localSnsClient(snsEndpoint());
  const sns = localSnsClient(snsEndpoint());
  const state: { down: boolean; refuse?: (input: PublishCommandInput) => boolean } = { down: false };
  const mock = mockClient(sns);
  mock.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
    if (state.refuse?.(input))
      throw new InvalidParameterException({ message: 'Invalid parameter: Message', $metadata: {} });
    if (state.down)
      throw new KMSDisabledException({ message: 'The request was rejected: the key is disabled', $metadata: {} });
    return real.send(new PublishCommand(input));
  });
  return {
    sns,
    real,
    state,
    restore: () => {
      mock.restore();
      sns.destroy();
      real.destroy();
    },
  };
}

const eventIdsOf = (alerts: readonly ReceivedAlert[]) => alerts.map((a) => a.facts.eventId).sort();
const keyOf = (record: DynamoDBRecord) => record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S;

function streamsClient(): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

async function createDlq(sqs: SQSClient): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `alerts-dlq-${unique()}` }));
  if (!QueueUrl) throw new Error('no DLQ url');
  return QueueUrl;
}

/** The on-failure messages on a DLQ, waiting (bounded) until at least `count` arrived. */
async function receiveOnFailure(sqs: SQSClient, queueUrl: string, count: number): Promise<OnFailureRecord[]> {
  const received: OnFailureRecord[] = [];
  const deadline = Date.now() + 20_000;
  while (received.length < count && Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages ?? []) received.push(parseOnFailureRecord(message.Body ?? ''));
  }
  return received;
}

/** What an alerts test below starts: its harness, a controllable SNS, an SQS client for a DLQ. */
let harness: AlertsHarness | undefined;
let sns: ReturnType<typeof controllableSns> | undefined;
let sqs: SQSClient | undefined;

/** Stops what the test started (each describe of the alerts runs this after each test). */
async function stopAlertsTest(): Promise<void> {
  await harness?.stop();
  sns?.restore();
  sqs?.destroy();
  harness = undefined;
  sns = undefined;
  sqs = undefined;
}

/** The alerts handler on a publisher whose SNS client `sns` controls, and the real ledger. */
const depsOn =
  (client: SNSClient) =>
  ({ tableName, topicArn }: { tableName: string; topicArn: string }) => ({
    publisher: new SnsAlertPublisher(client, topicArn),
    ledger: new DynamoDbAlertLedger(localDynamoDbClient(dynamodbEndpoint()), tableName),
  });

describe('alerts with SNS failing during a batch', () => {
  afterEach(stopAlertsTest);

  const ROLLBACKS = [
    'redemption.rollback.failed',
    'redemption.rollback.failed.promotion-tier',
    'redemption.rollback.failed.loyalty-card',
  ];

  it('reports every record of the batch failed while SNS is down, then sends each alert once after it recovers', async () => {
    // Prepare: SNS down; three rollback failures (and a redemption.failed, filtered out) in one stream batch.
    sns = controllableSns();
    sns.state.down = true;
    harness = await startAlertsHarness('sns-down', { deps: depsOn(sns.sns), deferPolling: true });
    const ids: string[] = [];
    for (const name of ROLLBACKS) {
      const envelope = loadFixture(name);
      ids.push(envelope.event.id);
      expect((await harness.post(envelope)).statusCode).toBe(202);
    }
    await harness.post(loadFixture('redemption.failed'));

    // Act: let it fail a few times, then bring SNS back.
    await harness.startPolling();
    const failing = harness;
    await waitFor(() => failing.invocations.length >= 3);
    sns.state.down = false;
    const alerts = await harness.receiveUntil((received) => received.length >= ids.length);

    // Assess: while down, each invocation reported the whole batch (the first record failed, the rest wait behind it).
    const whileDown = harness.invocations.filter((i) => i.response.batchItemFailures.length > 0);
    expect(whileDown.length).toBeGreaterThanOrEqual(3);
    for (const { event, response } of whileDown) {
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
        event.Records.map((r) => r.dynamodb?.SequenceNumber),
      );
      expect(event.Records.map(keyOf)).toEqual(ids);
    }
    expect(harness.invocations.at(-1)?.response).toEqual({ batchItemFailures: [] });
    expect(eventIdsOf(alerts)).toEqual([...ids].sort());
    for (const id of ids) expect((await getEventItem(harness.dynamodb, harness.table, id))?.alertedAt?.S).toBeDefined();
  });

  it('after the retry cap, puts a description of the batch on the DLQ from which its events are found and sent once', async () => {
    // Prepare: SNS down for good; the poller's on-failure destination is an SQS queue, as the stack's.
    sns = controllableSns();
    sns.state.down = true;
    sqs = localSqsClient(snsEndpoint());
    const dlqUrl = await createDlq(sqs);
    harness = await startAlertsHarness('dlq', {
      deps: depsOn(sns.sns),
      deferPolling: true,
      onGiveUp: sqsOnFailureDestination(sqs, dlqUrl),
    });
    const ids: string[] = [];
    for (const name of ROLLBACKS) {
      const envelope = loadFixture(name);
      ids.push(envelope.event.id);
      await harness.post(envelope);
    }

    // Act: the poller retries 10 times, then gives the batch up.
    await harness.startPolling();
    const [failure, ...more] = await receiveOnFailure(sqs, dlqUrl, 1);

    // Assess: the message describes the batch (not its records), as Lambda's does.
    expect(more).toEqual([]);
    expect(failure?.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 });
    const batch = failure?.DDBStreamBatchInfo;
    if (!batch) throw new Error('no batch info');
    expect(batch).toMatchObject({ batchSize: 3, streamArn: harness.invocations[0]?.event.Records[0]?.eventSourceARN });
    expect(harness.invocations.length).toBe(11);

    // Enough to replay: within the stream's 24 hours the range reads back as the records the function got...
    const streams = streamsClient();
    const records = (await readFailedBatch(streams, batch, LOCAL_REGION).finally(() => streams.destroy())).filter(
      matchesAlertFilter,
    );
    expect(records.map(keyOf)).toEqual(ids);
    expect(records[0]?.dynamodb?.SequenceNumber).toBe(batch.startSequenceNumber);
    // ...and later, the table says the same: rollback failures without an alert marker (docs/alerts.md).
    const unalerted = await harness.dynamodb.send(
      new ScanCommand({
        TableName: harness.table,
        ConsistentRead: true,
        FilterExpression: '#t = :t AND attribute_not_exists(alertedAt)',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':t': { S: 'redemption.rollback.failed' } },
      }),
    );
    expect((unalerted.Items ?? []).map((item) => item[EVENTS_TABLE.partitionKey]?.S).sort()).toEqual([...ids].sort());

    // Once SNS is back, handing the records to the function sends each alert once; a second replay sends nothing.
    sns.state.down = false;
    expect(await harness.alerts({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(await harness.alerts({ Records: records })).toEqual({ batchItemFailures: [] });
    const alerts = await harness.receiveUntil((received) => received.length >= ids.length);
    expect(eventIdsOf(alerts)).toEqual([...ids].sort());
  });
});

describe('a poison record in a stream batch does not block or lose the others', () => {
  afterEach(stopAlertsTest);

  it('alerts a rollback failure whose customer id holds a lone UTF-16 surrogate, and the records around it', async () => {
    // Prepare: valid JSON ("\ud800" is a legal escape) that no SNS request can carry as a message attribute as is.
    const givenUp: string[] = [];
    harness = await startAlertsHarness('surrogate', {
      deferPolling: true,
      onGiveUp: (records) => {
        givenUp.push(...records.map((r) => keyOf(r) ?? '?'));
      },
    });
    const before = freshEnvelope('redemption.rollback.failed.promotion-tier');
    const poison = setPath(freshEnvelope(), 'data.customer.id', 'cust_\ud800');
    const after = freshEnvelope('redemption.rollback.failed.loyalty-card');
    for (const envelope of [before, poison, after]) expect((await harness.post(envelope)).statusCode).toBe(202);

    // Act
    await harness.startPolling();
    const alerts = await harness.receiveUntil((received) => received.length >= 3, { timeoutMs: 15_000 });

    // Assess: one batch, nothing failed, nothing given up, three alerts; the odd character replaced, not dropped.
    expect(harness.invocations.map((i) => i.response)).toEqual([{ batchItemFailures: [] }]);
    expect(givenUp).toEqual([]);
    expect(eventIdsOf(alerts)).toEqual([before.event.id, poison.event.id, after.event.id].sort());
    const poisoned = alerts.find((a) => a.facts.eventId === poison.event.id);
    expect(poisoned?.attributes.customer_id).toBe('cust_\ufffd');
  });

  it('alerts the records around items whose body, encoding or issues are damaged (minimal alerts for those)', async () => {
    harness = await startAlertsHarness('damaged', { deferPolling: true });
    const good = freshEnvelope('redemption.rollback.failed.promotion-tier');
    const damaged = [1, 2, 3].map(() => toItem(storedRecord(freshEnvelope())));
    (damaged[0] as Record<string, unknown>).body = { B: Buffer.from('not deflate at all') };
    (damaged[1] as Record<string, unknown>).bodyEncoding = { S: 'zstd-9' };
    (damaged[2] as Record<string, unknown>).issues = { S: '{not json' };
    for (const item of damaged)
      await harness.dynamodb.send(new PutItemCommand({ TableName: harness.table, Item: item }));
    await harness.post(good);

    await harness.startPolling();
    const alerts = await harness.receiveUntil((received) => received.length >= 4, { timeoutMs: 15_000 });

    expect(harness.invocations.map((i) => i.response)).toEqual([{ batchItemFailures: [] }]);
    expect(alerts).toHaveLength(4);
    expect(alerts.find((a) => a.facts.eventId === good.event.id)?.facts.bodyDecoded).toBe(true);
    const ids = damaged.map((item) => item[EVENTS_TABLE.partitionKey]?.S);
    expect(alerts.filter((a) => ids.includes(a.facts.eventId)).map((a) => a.facts.bodyDecoded)).toEqual(
      expect.arrayContaining([false, false]),
    );
  });

  it('sends the others at once when the topic refuses one record for good; that one ends on the DLQ, replayable', async () => {
    // Prepare: SNS refuses any message naming the poison's event id (the full alert and the minimal one alike).
    sns = controllableSns();
    sqs = localSqsClient(snsEndpoint());
    const dlqUrl = await createDlq(sqs);
    const first = freshEnvelope('redemption.rollback.failed.promotion-tier');
    const poison = freshEnvelope();
    const last = freshEnvelope('redemption.rollback.failed.loyalty-card');
    sns.state.refuse = (input) => String(input.Message).includes(poison.event.id);
    harness = await startAlertsHarness('refused', {
      deps: depsOn(sns.sns),
      deferPolling: true,
      onGiveUp: sqsOnFailureDestination(sqs, dlqUrl),
    });
    for (const envelope of [first, poison, last]) await harness.post(envelope);

    // Act
    await harness.startPolling();
    const [failure] = await receiveOnFailure(sqs, dlqUrl, 1);
    const sent = await harness.receiveUntil((received) => received.length >= 2);

    // Assess: the records around the poison went out on the first invocation, once; only the poison was reported.
    const firstCall = harness.invocations[0];
    expect(firstCall?.event.Records.map(keyOf)).toEqual([first.event.id, poison.event.id, last.event.id]);
    expect(firstCall?.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      firstCall?.event.Records[1]?.dynamodb?.SequenceNumber,
    ]);
    expect(eventIdsOf(sent)).toEqual([first.event.id, last.event.id].sort());
    // Lambda resumes at the poison, so the DLQ's range starts there.
    const batch = failure?.DDBStreamBatchInfo;
    if (!batch) throw new Error('no batch info');
    expect(batch.startSequenceNumber).toBe(firstCall?.event.Records[1]?.dynamodb?.SequenceNumber);

    // Replay after the cause is fixed: the poison is sent once, the record after it is not sent again.
    sns.state.refuse = undefined;
    const streams = streamsClient();
    const records = (await readFailedBatch(streams, batch, LOCAL_REGION).finally(() => streams.destroy())).filter(
      matchesAlertFilter,
    );
    expect(records.map(keyOf)).toEqual([poison.event.id, last.event.id]);
    expect(await harness.alerts({ Records: records })).toEqual({ batchItemFailures: [] });
    const replayed = await harness.receiveUntil((received) => received.length >= 1);
    expect(eventIdsOf(replayed)).toEqual([poison.event.id]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
