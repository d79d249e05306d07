import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import { EVENTS_INDEX_LIST, EVENTS_TABLE, type EventsIndex, INDEX_KEYS } from '../../functions/adapters/table';

/** The table name the local mode uses unless TABLE_NAME says otherwise. */
export const LOCAL_TABLE_NAME = 'voucherify-events';

export interface EnsureTableResult {
  readonly created: boolean;
  /** Ways an existing table differs from what the stack deploys (an old `.local` database, say). */
  readonly warnings: readonly string[];
}

/**
 * Creates the events table exactly as the CDK stack defines it (same input function), if it does not exist yet, waits
 * until it is ACTIVE and turns TTL on. Safe to call on every start.
 */
export async function ensureEventsTable(client: DynamoDBClient, tableName: string): Promise<EnsureTableResult> {
  let table = await describe(client, tableName);
  let created = false;
  if (!table) {
    try {
      await client.send(new CreateTableCommand(eventsTableCreateInput(tableName)));
      created = true;
    } catch (error) {
      // Someone else (another test file, a second start) created it first: that is fine.
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
    table = await waitUntilActive(client, tableName);
  }

  const warnings = differences(table);
  if (!created) warnings.push(...(await addMissingIndexes(client, table)));
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') {
    const attribute = ttl.TimeToLiveDescription?.AttributeName;
    if (attribute !== EVENTS_TABLE.ttlAttribute)
      warnings.push(`TTL is on attribute "${attribute}", expected "${EVENTS_TABLE.ttlAttribute}"`);
  } else {
    await client.send(new UpdateTimeToLiveCommand(eventsTableTtlInput(tableName)));
  }
  return { created, warnings };
}

/**
 * Creates the indexes a table made by an older version lacks (a `.local` database from before the CLI), one per call
 * as DynamoDB requires. Items stored before carry no index keys, so they stay out of the indexes: said in a warning.
 */
async function addMissingIndexes(client: DynamoDBClient, table: TableDescription): Promise<string[]> {
  const tableName = table.TableName ?? '';
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = EVENTS_INDEX_LIST.filter((index) => !present.has(index.name));
  if (missing.length === 0) return [];
  const definitions = eventsTableCreateInput(tableName).AttributeDefinitions;
  for (const index of missing) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definitions,
        GlobalSecondaryIndexUpdates: [{ Create: globalSecondaryIndexInput(index) }],
      }),
    );
    await waitUntilActive(client, tableName);
  }
  return [
    `added the indexes ${missing.map((index) => index.name).join(', ')}; events stored before have no index keys, ` +
      'so `npm run events -- list` does not show them',
  ];
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function differences(table: TableDescription): string[] {
  const expected = eventsTableCreateInput(table.TableName ?? '');
  const warnings: string[] = [];
  const key = (table.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const wantedKey = (expected.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  if (key !== wantedKey) warnings.push(`key schema is ${key}, expected ${wantedKey}`);
  const stream = table.StreamSpecification;
  if (!stream?.StreamEnabled || stream.StreamViewType !== EVENTS_TABLE.streamViewType) {
    warnings.push(
      `stream is ${stream?.StreamEnabled ? stream.StreamViewType : 'off'}, expected ${EVENTS_TABLE.streamViewType}`,
    );
  }
  return warnings;
}

/** CreateTable's form of one index (on-demand: no throughput). */
export function globalSecondaryIndexInput(index: EventsIndex): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: index.projection.type, NonKeyAttributes: [...index.projection.nonKeyAttributes] },
  };
}

/**
 * CreateTable input for the events table: string key `pk`, the indexes of {@link EVENTS_INDEXES}, stream with new
 * images, on-demand billing. The local mode and the integration tests create their tables from this, so they hold
 * exactly what the CDK stack deploys (minus what DynamoDB Local ignores: encryption, point-in-time recovery). TTL is a
 * separate call: see `eventsTableTtlInput`.
 */
export function eventsTableCreateInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [EVENTS_TABLE.partitionKey, ...Object.values(INDEX_KEYS)].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [{ AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: EVENTS_INDEX_LIST.map(globalSecondaryIndexInput),
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: EVENTS_TABLE.streamViewType },
  };
}

/** UpdateTimeToLive input that turns on expiry by `expiresAt` (DynamoDB cannot set TTL in CreateTable). */
export function eventsTableTtlInput(tableName: string): UpdateTimeToLiveCommandInput {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: EVENTS_TABLE.ttlAttribute, Enabled: true },
  };
}
