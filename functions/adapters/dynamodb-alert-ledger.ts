import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type AlertLedger, AlertLedgerError } from '../core/alerts/ports';
import { EVENTS_TABLE } from './table';

/**
 * The attributes the alerts function may write on an event's item, and nothing else (the CDK stack limits its
 * UpdateItem permission to these with an IAM `dynamodb:Attributes` condition).
 */
export const ALERT_MARKER = {
  alertedAt: 'alertedAt',
  messageId: 'alertMessageId',
} as const;

/**
 * The alerted-marker kept on the event's own item: no second table, and the item's TTL removes it with the event.
 * Writing it produces a MODIFY stream record, which the event source filter (INSERT only) drops before any invocation.
 */
export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async alertedAt(eventId: string): Promise<string | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
          // Consistent: the marker of a publish a moment ago (the attempt a retry repeats) must be seen.
          ConsistentRead: true,
          ProjectionExpression: '#at',
          ExpressionAttributeNames: { '#at': ALERT_MARKER.alertedAt },
        }),
      );
      return Item?.[ALERT_MARKER.alertedAt]?.S;
    } catch (cause) {
      throw new AlertLedgerError(`could not read the alert marker from table ${this.tableName}`, { cause });
    }
  }

  async markAlerted(eventId: string, marker: { at: string; messageId: string }): Promise<'marked' | 'already'> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
          UpdateExpression: 'SET #at = :at, #mid = :mid',
          // attribute_exists(pk): UpdateItem would otherwise create a stub item for an event TTL already removed.
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#at)',
          ExpressionAttributeNames: {
            '#pk': EVENTS_TABLE.partitionKey,
            '#at': ALERT_MARKER.alertedAt,
            '#mid': ALERT_MARKER.messageId,
          },
          ExpressionAttributeValues: { ':at': { S: marker.at }, ':mid': { S: marker.messageId } },
        }),
      );
      return 'marked';
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'ConditionalCheckFailedException') return 'already';
      throw new AlertLedgerError(`could not write the alert marker to table ${this.tableName}`, { cause });
    }
  }
}
