/**
 * DynamoDB throttled or unavailable: the receiver answers 503 (Voucherify retries), stores nothing partial, and the
 * retry stores the event exactly once. The table is real; aws-sdk-client-mock only injects the fault.
 */
import { type DynamoDBClient, ProvisionedThroughputExceededException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { apiGatewayHandler } from '../../functions/adapters/api-gateway';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { silentLogger } from '../../functions/core/shared/logger';
import { localDynamoDbClient } from '../../local/runtime/aws-env';
import { freePort } from '../../local/runtime/net';
import { loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, getEventItem, scanAll, testClient } from '../helpers/dynamodb';
import { apiEvent, expectErrorAnswer, invoke } from '../helpers/receiver';

let client: DynamoDBClient;
let table: string;

/** The production handler shape around a store on the given client. */
function handlerOn(storeClient: DynamoDBClient) {
  return apiGatewayHandler(
    makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store: new DynamoDbEventStore(storeClient, table),
      logger: silentLogger,
      config: DEFAULT_INGEST_CONFIG,
    }),
  );
}

function uniqueEnvelope(label: string) {
  const envelope = loadFixture('redemption.rollback.failed');
  envelope.event.id = `${envelope.event.id}_${label}_${Date.now().toString(36)}`;
  return envelope;
}

async function itemsFor(eventId: string) {
  return (await scanAll(client, table)).filter((item) => item.pk?.S === eventId);
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'faults');
});

afterAll(() => client.destroy());

describe('DynamoDB throttled', () => {
  it('answers 503 storage_unavailable while throttled, then the retry stores exactly once', async () => {
    // Prepare: a second client whose first two PutItems are throttled and whose later calls reach DynamoDB Local.
    const faulty = localDynamoDbClient(dynamodbEndpoint());
    const throttled = () =>
      new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded.',
        $metadata: {},
      });
    const mock = mockClient(faulty);
    mock
      .on(PutItemCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .callsFake((input) => client.send(new PutItemCommand(input)));
    const handler = handlerOn(faulty);
    const envelope = uniqueEnvelope('throttled');
    const request = signedRequest(envelope);

    try {
      // Act + Assess: two deliveries while throttled.
      for (let attempt = 1; attempt <= 2; attempt++) {
        const result = await invoke(handler, apiEvent(request));
        expectErrorAnswer(result, 503, 'storage_unavailable', [
          TEST_SECRET,
          request.headers['x-voucherify-signature'] ?? '',
        ]);
        expect(result.headers['retry-after']).toBe('30');
        expect(result.rawBody).not.toMatch(/ProvisionedThroughput|throughput/i);
        expect(await itemsFor(envelope.event.id)).toHaveLength(0);
      }

      // Voucherify's next retry goes through, and any later one is a duplicate.
      const retry = await invoke(handler, apiEvent(request));
      const late = await invoke(handler, apiEvent(request));

      expect(retry.statusCode).toBe(202);
      expect(retry.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
      expect(late.statusCode).toBe(200);
      expect(late.body.status).toBe('duplicate');
      const items = await itemsFor(envelope.event.id);
      expect(items).toHaveLength(1);
      expect(items[0]?.status?.S).toBe('ACCEPTED');
      expect(mock.commandCalls(PutItemCommand)).toHaveLength(4);
    } finally {
      mock.restore();
      faulty.destroy();
    }
  });
});

describe('DynamoDB unavailable', () => {
  it('answers 503 when nothing listens at the endpoint, stores nothing, and the retry stores exactly once', async () => {
    const closedPort = await freePort();
    const unreachable = localDynamoDbClient(`http://127.0.0.1:${closedPort}`, { maxAttempts: 2 });
    const envelope = uniqueEnvelope('unavailable');
    const request = signedRequest(envelope);

    try {
      const down = await invoke(handlerOn(unreachable), apiEvent(request));

      expectErrorAnswer(down, 503, 'storage_unavailable', [
        TEST_SECRET,
        request.headers['x-voucherify-signature'] ?? '',
      ]);
      expect(down.rawBody).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect(await itemsFor(envelope.event.id)).toHaveLength(0);
    } finally {
      unreachable.destroy();
    }

    const recovered = handlerOn(client);
    const retry = await invoke(recovered, apiEvent(request));
    const again = await invoke(recovered, apiEvent(request));

    expect(retry.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(await itemsFor(envelope.event.id)).toHaveLength(1);
    expect((await getEventItem(client, table, envelope.event.id))?.status?.S).toBe('ACCEPTED');
  });
});
