import { isWellFormedText } from './well-formed';

/**
 * The one rule for a usable `event.id`, shared by the schema (the `maxBytes` and `wellFormed` keywords in
 * schemas/definitions.ts) and by readEventId: a non-empty string of at most 256 bytes in UTF-8, well-formed (no lone
 * surrogate, no U+FFFE or U+FFFF: see {@link isWellFormedText}). Bytes, because that is what DynamoDB counts in a key
 * and what a reader of the table sees; well-formed, because a lone surrogate has no UTF-8 form and two ids differing
 * only there were written as the same key (the second authentic event answered `duplicate` and lost); one rule,
 * because when the schema and the key disagreed (code points vs UTF-16 units) an id of 200 emoji was valid yet keyed by
 * the body hash, so each send-out was stored again. An id that breaks the rule is keyed by its hash (see eventKey).
 */
export const EVENT_ID_MAX_BYTES = 256;

export function isUsableEventId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    Buffer.byteLength(value, 'utf8') <= EVENT_ID_MAX_BYTES &&
    isWellFormedText(value)
  );
}
