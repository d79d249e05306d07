import type { DynamoDBRecord } from 'aws-lambda';
import { ROLLBACK_FAILED_TYPE } from '../core/alerts/facts';

/**
 * The event source filter of the alerts function, as an EventBridge-style pattern over the stream record: new items
 * whose `type` is `redemption.rollback.failed`, whatever their status (a quarantined rollback failure is alerted too).
 * The CDK stack passes this object to `FilterCriteria.filter`, the local mode's poller applies `matchesAlertFilter`,
 * and the handler checks it again, so the three cannot drift.
 */
export const ALERTS_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: [ROLLBACK_FAILED_TYPE] } } },
} as const;

/** Whether a stream record passes the alerts filter (the same rule as `ALERTS_FILTER_PATTERN`). */
export function matchesAlertFilter(record: DynamoDBRecord): boolean {
  return (
    ALERTS_FILTER_PATTERN.eventName.includes(record.eventName as 'INSERT') &&
    record.dynamodb?.NewImage?.type?.S === ALERTS_FILTER_PATTERN.dynamodb.NewImage.type.S[0]
  );
}
