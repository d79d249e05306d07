/**
 * The local mode's stream poller (Lambda's event source mapping played on DynamoDB Local) against a quirk of DynamoDB
 * Local found by `npm run storm`: stream sequence numbers are shared by all its tables, so an iterator taken while a
 * table's stream was empty is refused as trimmed once another table has written first.
 */
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { alertsStreamPoller, latestStreamArn } from '../../local/runtime/alerts';
import { loadFixture } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, testClient } from '../helpers/dynamodb';
import { storedRecord } from '../helpers/stream-records';

let client: DynamoDBClient;
beforeAll(() => {
  client = testClient();
});
afterAll(() => client.destroy());

it('delivers a table’s first records when the poller started on its empty stream and another table wrote first', async () => {
  // Prepare: a poller idling on an empty stream; then another table takes the next sequence numbers.
  const table = await createTestTable(client, 'poller-empty');
  const delivered: DynamoDBRecord[] = [];
  const problems: string[] = [];
  const { poller, client: streams } = alertsStreamPoller({
    dynamodbEndpoint: dynamodbEndpoint(),
    streamArn: await latestStreamArn(client, table),
    invoke: async (event) => {
      delivered.push(...event.Records);
      return { batchItemFailures: [] };
    },
    pollIntervalMs: 50,
    log: (line) => problems.push(line),
  });
  await poller.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await createTestTable(client, 'poller-other');
    for (let i = 0; i < 5; i += 1) {
      await client.send(
        new PutItemCommand({ TableName: other, Item: { [EVENTS_TABLE.partitionKey]: { S: `o${i}` } } }),
      );
    }

    // Act: three rollback failures land in the polled table.
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const envelope = loadFixture('redemption.rollback.failed');
      envelope.event.id = `${envelope.event.id}_poller_${i}`;
      ids.push(envelope.event.id);
      await client.send(new PutItemCommand({ TableName: table, Item: toItem(storedRecord(envelope)) }));
    }
    const deadline = Date.now() + 10_000;
    while (delivered.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(delivered.map((r) => r.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S)).toEqual(ids);
    expect(problems).toEqual([]);
  } finally {
    await poller.stop();
    streams.destroy();
  }
});
