import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size, as it bills writes and storage (developer guide, "Item sizes and formats"): each attribute's
 * name in UTF-8 plus its value. Strings: UTF-8 bytes. Binary: raw bytes. Numbers: about 1 byte per 2 significant
 * digits plus 1. Booleans and nulls: 1 byte. Lists and maps: 3 bytes plus 1 byte per element plus the elements (map
 * elements with their names). Sets: the sum of their elements.
 */
export function itemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

function numberBytes(text: string): number {
  // Sign, exponent and the decimal point are not digits; leading and trailing zeros are not significant.
  const digits = text.replace(/^[+-]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s, 'utf8'), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + Object.values(value.M).length + itemBytes(value.M);
  return 0;
}

/** Write request units for one PutItem of an item this size: one per started KB. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units for one strongly consistent read of an item this size: one per started 4 KB. */
export function consistentReadUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

/** Per-item storage overhead DynamoDB bills (and adds to every index entry). */
export const ITEM_STORAGE_OVERHEAD_BYTES = 100;
