import { type AttributeValue, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ValidationIssue } from '../core/ingest/validation';
import { StorageUnavailableError } from '../core/shared/errors';
import type { EventRecord, EventStatus } from '../core/shared/event-record';
import type { EventStore, PutOutcome } from '../core/shared/ports';
import { EVENTS_TABLE, indexKeyAttributes } from './table';

type Item = Record<string, AttributeValue>;

/** The attributes of an erased event's mark (see `ErasureMark`); absent on every other item. */
export const ERASURE_ATTRIBUTES = { at: 'erasedAt', erasureId: 'erasureId' } as const;

const STRING_FIELDS = [
  'type',
  'eventAt',
  'receivedAt',
  'sendoutId',
  'projectId',
  'customerId',
  'customerSourceId',
  'campaignId',
  'campaignName',
  'voucherCode',
  'promotionTierId',
  'redemptionId',
  'rollbackId',
  'failureCode',
  'failureMessage',
  'bodyEncoding',
  'bodyRef',
  'source',
] as const satisfies readonly (keyof EventRecord)[];

/**
 * The DynamoDB item for a record, with the index key attributes derived from it. Absent fields are left out (never
 * empty strings), so sparse indexes stay sparse.
 */
export function toItem(record: EventRecord): Item {
  const item: Item = {
    [EVENTS_TABLE.partitionKey]: { S: record.eventId },
    status: { S: record.status },
    // Left out when the body is kept beside the item (`bodyRef`): nothing to store, and no empty binary to explain.
    ...(record.bodyRef === undefined ? { body: { B: record.body } } : {}),
    bodyBytes: { N: String(record.bodyBytes) },
    [EVENTS_TABLE.ttlAttribute]: { N: String(record.expiresAt) },
  };
  for (const name of STRING_FIELDS) {
    const value = record[name];
    if (value !== undefined) item[name] = { S: value };
  }
  if (record.issues) item.issues = { S: JSON.stringify(record.issues) };
  if (record.erased) {
    item[ERASURE_ATTRIBUTES.at] = { S: record.erased.at };
    item[ERASURE_ATTRIBUTES.erasureId] = { S: record.erased.erasureId };
  }
  // Derived only here, so the core stays unaware of how the table is indexed (see EVENTS_INDEXES).
  for (const [name, value] of Object.entries(indexKeyAttributes(record))) item[name] = { S: value };
  return item;
}

/** The record a DynamoDB item holds (the inverse of `toItem`). */
export function fromItem(item: Item): EventRecord {
  const record: Record<string, unknown> = {
    eventId: item[EVENTS_TABLE.partitionKey]?.S,
    status: item.status?.S as EventStatus,
    body: Buffer.from(item.body?.B ?? new Uint8Array()),
    bodyBytes: Number(item.bodyBytes?.N ?? 0),
    expiresAt: Number(item[EVENTS_TABLE.ttlAttribute]?.N ?? 0),
  };
  for (const name of STRING_FIELDS) {
    const value = item[name]?.S;
    if (value !== undefined) record[name] = value;
  }
  if (item.issues?.S) record.issues = JSON.parse(item.issues.S) as ValidationIssue[];
  const erasedAt = item[ERASURE_ATTRIBUTES.at]?.S;
  if (erasedAt !== undefined) record.erased = { at: erasedAt, erasureId: item[ERASURE_ATTRIBUTES.erasureId]?.S ?? '' };
  return record as unknown as EventRecord;
}

/** Stores each event once with a single conditional PutItem: no read-then-write race between concurrent deliveries. */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putIfAbsent(record: EventRecord): Promise<PutOutcome> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        }),
      );
      return 'created';
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'ConditionalCheckFailedException') return 'exists';
      throw new StorageUnavailableError(`could not write to table ${this.tableName}`, { cause });
    }
  }
}
