/**
 * The one rule for a usable `event.id`, shared by the schema (the `maxBytes` keyword in schemas/definitions.ts) and
 * by readEventId: a non-empty string of at most 256 bytes in UTF-8. Bytes, because that is what DynamoDB counts in a
 * key and what a reader of the table sees; one rule, because when the schema and the key disagreed (code points vs
 * UTF-16 units) an id of 200 emoji was valid yet keyed by the body hash, so each send-out was stored again.
 */
export const EVENT_ID_MAX_BYTES = 256;

export function isUsableEventId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && Buffer.byteLength(value, 'utf8') <= EVENT_ID_MAX_BYTES;
}
