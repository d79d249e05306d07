/**
 * Voucherify may deliver one event several times at once (retries racing a slow answer). One conditional write per
 * delivery means exactly one wins: one 202, every other delivery a 200 duplicate, one item.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, scanAll, testClient } from '../helpers/dynamodb';
import { apiEvent, coldStartHandler, invoke } from '../helpers/receiver';

let client: DynamoDBClient;
let table: string;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'concurrency');
});

afterAll(() => client.destroy());

it('stores one item for 50 concurrent deliveries of one event: one 202 accepted, 49 x 200 duplicate', async () => {
  // Prepare
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  const envelope = loadFixture('redemption.rollback.failed');
  const request = signedRequest(envelope);

  // Act
  const results = await Promise.all(Array.from({ length: 50 }, () => invoke(handler, apiEvent(request)))).finally(() =>
    quiet.mockRestore(),
  );

  // Assess
  const byStatus = results.reduce<Record<string, number>>((counts, result) => {
    const key = `${result.statusCode} ${String(result.body.status)}`;
    counts[key] = (counts[key] ?? 0) + 1;
    return counts;
  }, {});
  expect(byStatus).toEqual({ '202 accepted': 1, '200 duplicate': 49 });
  for (const result of results) expect(result.body.eventId).toBe(envelope.event.id);
  const items = await scanAll(client, table);
  expect(items.map((item) => item.pk?.S)).toEqual([envelope.event.id]);
  expect(items[0]?.status?.S).toBe('ACCEPTED');
});
