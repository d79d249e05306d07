import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The events table's shape, shared by the CDK stack, the DynamoDB adapter and the local mode so they cannot drift.
 */
export const EVENTS_TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  /** The alerts consumer reads new items from the stream; it needs the item as written, nothing older. */
  streamViewType: 'NEW_IMAGE',
} as const;

/**
 * CreateTable input for the events table: string key `pk`, stream with new images, on-demand billing. The local mode
 * and the integration tests create their tables from this, so they hold exactly what the CDK stack deploys (minus what
 * DynamoDB Local ignores: encryption, point-in-time recovery). TTL is a separate call: see `eventsTableTtlInput`.
 */
export function eventsTableCreateInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: EVENTS_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' }],
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
