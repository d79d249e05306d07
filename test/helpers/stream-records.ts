import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import type { ValidationIssue } from '../../functions/core/ingest/validation';
import { buildEventRecord, type EventRecord, type EventStatus } from '../../functions/core/shared/event-record';
import { toStreamImage } from '../../local/runtime/stream-image';
import { compactBody } from '../../tools/fixtures';

export const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/events/stream/2026-11-22T10:00:00.000';

let sequence = 100_000_000_000_000_000_000n;

/** The stored record for a fixture body, as the ingest core would write it. */
export function storedRecord(
  body: unknown,
  options: { status?: EventStatus; receivedAtMs?: number; issues?: ValidationIssue[]; rawBody?: Buffer } = {},
): EventRecord {
  const rawBody = options.rawBody ?? compactBody(body);
  const eventId =
    (body as { event?: { id?: string } } | undefined)?.event?.id ?? `sha256:${rawBody.length.toString(16)}`;
  return buildEventRecord({
    eventId,
    status: options.status ?? 'ACCEPTED',
    rawBody,
    parsed: body,
    receivedAtMs: options.receivedAtMs ?? Date.parse('2026-11-22T10:00:00.000Z'),
    retentionDays: 365,
    ...(options.issues ? { issues: options.issues } : {}),
  });
}

/** A stream record exactly as Lambda delivers it for an item (NewImage in AttributeValue JSON, base64 binary). */
export function streamRecord(
  item: Record<string, AttributeValue>,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  sequence += 1n;
  const image = toStreamImage(item);
  const keys = { pk: image.pk ?? { S: 'missing' } };
  return {
    eventID: `e${sequence.toString(36)}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_795_000_000,
      Keys: keys,
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: sequence.toString(),
      SizeBytes: 1_000,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** Shortcut: the INSERT record for a stored event. */
export function insertOf(record: EventRecord): DynamoDBRecord {
  return streamRecord(toItem(record));
}
