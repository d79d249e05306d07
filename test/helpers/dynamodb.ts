import { type AttributeValue, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { localDynamoDbClient } from '../../local/runtime/aws-env';
import type { DynamoDbLocal } from '../../local/runtime/dynamodb-local';
import { ensureEventsTable } from '../../local/runtime/events-table';

/** The variable global-setup sets to the shared DynamoDB Local's endpoint. */
export const DYNAMODB_ENDPOINT_ENV = 'INTEGRATION_DYNAMODB_ENDPOINT';

/** How global-setup hands the running instance to global-teardown (same process). */
export type RunningDynamoDb = typeof globalThis & { __integrationDynamoDb?: DynamoDbLocal };

export type Item = Record<string, AttributeValue>;

export function dynamodbEndpoint(): string {
  const endpoint = process.env[DYNAMODB_ENDPOINT_ENV];
  if (!endpoint)
    throw new Error(`${DYNAMODB_ENDPOINT_ENV} is not set: run these tests with jest's integration project`);
  return endpoint;
}

export function testClient(): DynamoDBClient {
  return localDynamoDbClient(dynamodbEndpoint());
}

/** Creates an events table, exactly as the stack and the local mode do, under a name no other test file uses. */
export async function createTestTable(client: DynamoDBClient, label: string): Promise<string> {
  const name = `it-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await ensureEventsTable(client, name);
  return name;
}

/** Every item in the table (consistent read). */
export async function scanAll(client: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The item stored for an event id, if any (consistent read). */
export async function getEventItem(client: DynamoDBClient, table: string, eventId: string): Promise<Item | undefined> {
  const result = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
      ConsistentRead: true,
    }),
  );
  return result.Item;
}
