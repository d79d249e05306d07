import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from 'aws-lambda';
import type { StoredAlertEvent } from '../core/alerts/alert-event';
import type { AlertRecord } from '../core/alerts/facts';
import { decodeBody } from '../core/shared/body-codec';
import { errorSummary } from '../core/shared/errors';
import type { BodyStore } from '../core/shared/ports';
import { StoredBodyMissingError, withInlineBody } from '../core/shared/stored-body';
import { fromItem } from './dynamodb-event-store';
import { S3BodyStore } from './s3-body-store';
import { EVENTS_TABLE } from './table';

/**
 * Converts one attribute of a stream image as Lambda delivers it (JSON: binary as base64 text) into the SDK's shape
 * (binary as bytes), so the table's item reader (`fromItem`) reads stream images too.
 */
export function fromStreamAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B, 'base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b, 'base64')) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.L !== undefined) return { L: value.L.map(fromStreamAttribute) };
  if (value.M !== undefined) return { M: fromStreamImage(value.M) };
  throw new TypeError('unknown attribute value type in stream image');
}

/** A stream image (NewImage / OldImage / Keys) as an SDK item. */
export function fromStreamImage(image: Readonly<Record<string, StreamAttributeValue>>): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image)) item[name] = fromStreamAttribute(value);
  return item;
}

/** Read only when an item's body is kept beside it; the S3 client is loaded then, not at cold start. */
const defaultBodies = new S3BodyStore();

/**
 * Reads a stream image leniently: an attribute that cannot be converted is dropped rather than failing the record,
 * so a damaged item still yields an alert from whatever it holds. A body kept beside the item is fetched through
 * `bodies` (the same reader as the CLI's).
 */
export async function readAlertImage(
  record: DynamoDBRecord,
  bodies: Pick<BodyStore, 'get'> = defaultBodies,
): Promise<StoredAlertEvent> {
  const image = record.dynamodb?.NewImage ?? {};
  const item: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image)) {
    try {
      item[name] = fromStreamAttribute(value);
    } catch {
      // dropped: see above
    }
  }
  let stored: ReturnType<typeof fromItem>;
  try {
    stored = fromItem(item);
  } catch {
    // Only the stored validation issues are parsed (JSON) by fromItem; without them the rest always reads.
    const { issues: _unreadable, ...rest } = item;
    stored = fromItem(rest);
  }
  const approximate = record.dynamodb?.ApproximateCreationDateTime;
  const alertRecord: AlertRecord = {
    ...stored,
    eventId:
      stored.eventId ??
      record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S ??
      `unknown (stream sequence ${record.dynamodb?.SequenceNumber ?? '?'})`,
    receivedAt:
      stored.receivedAt ?? (approximate === undefined ? 'unknown' : new Date(approximate * 1000).toISOString()),
  };
  if (stored.body.length === 0 && stored.bodyRef === undefined)
    return { stored: alertRecord, problem: 'the item holds no body' };
  let inline: typeof stored;
  try {
    inline = await withInlineBody(stored, bodies);
  } catch (cause) {
    // Gone for good: alert from the lifted fields. Anything else (S3 unreachable) fails the record, which is retried.
    if (cause instanceof StoredBodyMissingError) return { stored: alertRecord, problem: errorSummary(cause) };
    throw cause;
  }
  try {
    const raw = decodeBody(inline.body, inline.bodyEncoding);
    return { stored: alertRecord, envelope: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (cause) {
    return { stored: alertRecord, problem: `the stored body could not be decoded: ${errorSummary(cause)}` };
  }
}
