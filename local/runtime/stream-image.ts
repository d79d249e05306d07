import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';

/**
 * The inverse, for the local mode: an SDK item (as DynamoDB Streams' GetRecords returns it) in the JSON shape Lambda
 * hands to a function.
 */
export function toStreamAttribute(value: AttributeValue): StreamAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.L !== undefined) return { L: value.L.map(toStreamAttribute) };
  if (value.M !== undefined) return { M: toStreamImage(value.M) };
  throw new TypeError('unknown attribute value type in item');
}

export function toStreamImage(item: Readonly<Record<string, AttributeValue>>): Record<string, StreamAttributeValue> {
  const image: Record<string, StreamAttributeValue> = {};
  for (const [name, value] of Object.entries(item)) image[name] = toStreamAttribute(value);
  return image;
}
