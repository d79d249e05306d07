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

/**
 * The second filter of the same mapping: a case whose acknowledgement or resolution is still to be announced (the CLI
 * sets `caseAnnounce`; the alerts function publishes the announcement and clears it, a write this filter then drops).
 * Announcing from the stream, not from the CLI, keeps the CLI to DynamoDB alone and retries a failed announcement.
 */
export const CASE_ANNOUNCE_FILTER_PATTERN = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { caseAnnounce: { S: ['acknowledged', 'resolved'] } } },
} as const;

/** Whether a stream record passes the announcement filter (the same rule as `CASE_ANNOUNCE_FILTER_PATTERN`). */
export function matchesAnnouncementFilter(record: DynamoDBRecord): boolean {
  const value = record.dynamodb?.NewImage?.caseAnnounce?.S;
  return (
    (CASE_ANNOUNCE_FILTER_PATTERN.eventName as readonly string[]).includes(record.eventName ?? '') &&
    value !== undefined &&
    (CASE_ANNOUNCE_FILTER_PATTERN.dynamodb.NewImage.caseAnnounce.S as readonly string[]).includes(value)
  );
}

/** The mapping's filters, as the stack gives them (a record passing either is delivered). */
export const ALERTS_MAPPING_FILTERS = [ALERTS_FILTER_PATTERN, CASE_ANNOUNCE_FILTER_PATTERN] as const;

/** Whether a record passes the mapping's filters (either one). */
export function matchesMappingFilters(record: DynamoDBRecord): boolean {
  return matchesAlertFilter(record) || matchesAnnouncementFilter(record);
}
