import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EVENTS_INDEXES, EVENTS_TABLE } from '../../functions/adapters/table';
import type { FailureType } from './voucherify-api';

/** The key a stored failure and an API failure are matched on: the type and the redemption or rollback id. */
export const matchKey = (type: FailureType, id: string): string => `${type}#${id}`;

/** The port: the match keys of every stored failure event received in [fromMs, toMs]. */
export interface StoredFailures {
  keys(window: { readonly fromMs: number; readonly toMs: number }): Promise<StoredKeys>;
}

export interface StoredKeys {
  readonly keys: ReadonlySet<string>;
  /** Index entries read and items fetched: the cost of the lookup, said in --json. */
  readonly indexEntries: number;
  readonly itemsRead: number;
}

const TYPES: readonly FailureType[] = ['redemption.failed', 'redemption.rollback.failed'];
const DAY_MS = 86_400_000;
/** BatchGetItem's limit. */
const BATCH = 100;

/**
 * Finds the redemption and rollback ids of stored failure events without a Scan. The table has no index on those ids
 * (one would cost a write unit on every event for a query run after an outage), so, in two steps:
 * 1. the byDay index, one Query per day and type: `receivedDay = :day AND begins_with(typeTime, "<type>#")` reads
 *    only the failure events' small index entries (about 0.5 KB each; 8 entries per read unit, eventually
 *    consistent);
 * 2. BatchGetItem of those items' keys, projecting only redemptionId and rollbackId (each item read costs 0.5 read
 *    units per started 4 KB, the stored body included, since DynamoDB bills the item read, not the projection).
 * Failure events are a small share of all events, so a week is a few hundred reads even for a busy project.
 */
export class DynamoDbStoredFailures implements StoredFailures {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async keys(window: { fromMs: number; toMs: number }): Promise<StoredKeys> {
    const index = EVENTS_INDEXES.byDay;
    const ids: string[] = [];
    for (let day = startOfDay(window.fromMs); day <= window.toMs; day += DAY_MS) {
      const receivedDay = new Date(day).toISOString().slice(0, 10);
      for (const type of TYPES) {
        let start: Record<string, AttributeValue> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: index.name,
              KeyConditionExpression: '#day = :day AND begins_with(#tt, :type)',
              ExpressionAttributeNames: {
                '#day': index.partitionKey,
                '#tt': index.sortKey,
                '#pk': EVENTS_TABLE.partitionKey,
              },
              ExpressionAttributeValues: { ':day': { S: receivedDay }, ':type': { S: `${type}#` } },
              ProjectionExpression: '#pk',
              ExclusiveStartKey: start,
            }),
          );
          for (const item of page.Items ?? []) {
            const id = item[EVENTS_TABLE.partitionKey]?.S;
            if (id) ids.push(id);
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }
    }
    const keys = new Set<string>();
    for (let i = 0; i < ids.length; i += BATCH) {
      let request:
        | Record<
            string,
            {
              Keys: Record<string, AttributeValue>[];
              ProjectionExpression: string;
              ExpressionAttributeNames: Record<string, string>;
            }
          >
        | undefined = {
        [this.tableName]: {
          Keys: ids.slice(i, i + BATCH).map((id) => ({ [EVENTS_TABLE.partitionKey]: { S: id } })),
          ProjectionExpression: '#type, redemptionId, rollbackId',
          ExpressionAttributeNames: { '#type': 'type' },
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)));
        const answer = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          const type = item.type?.S as FailureType | undefined;
          const id = type === 'redemption.rollback.failed' ? item.rollbackId?.S : item.redemptionId?.S;
          if (type && id) keys.add(matchKey(type, id));
        }
        request = answer.UnprocessedKeys as typeof request;
      }
    }
    return { keys, indexEntries: ids.length, itemsRead: ids.length };
  }
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
