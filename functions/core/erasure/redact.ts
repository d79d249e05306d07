import { createHash } from 'node:crypto';
import { type Json, obj } from '../shared/payload';

/**
 * What replaces a personal string value in an erased body. Objects (metadata, address) become `{}` and arrays `[]`,
 * so an erased body still has the shape the schemas expect and `replay` judges it as it judged the original.
 */
export const ERASED_MARKER = '[erased]';

/**
 * The key an erasure is filed under: SHA-256 of the Voucherify customer id, never the id itself. Unkeyed, because
 * Voucherify's customer ids (`cust_` and 24 random characters, about 140 bits) cannot be found by trying candidates;
 * a source id (the merchant's own key, often an email address) could be, so erasures are never keyed by one.
 */
export function customerKey(customerId: string): string {
  return createHash('sha256').update(`voucherify-customer:${customerId}`).digest('hex');
}

/**
 * Objects that describe a person wherever they appear (`data.customer`, `redemption.customer`, `order.customer`,
 * `voucher.holder`, `order.referrer`...): every field but `object` is personal (name, email, phone, address,
 * birthdate, metadata, description, source id, the id itself, summaries of their spending).
 */
const PERSON_OBJECTS = new Set(['customer', 'holder', 'referrer']);
const PERSON_KEPT_FIELDS = new Set(['object']);

/**
 * Strings anywhere in the body that point at the person: the customer's ids, and the tracking id Voucherify derives
 * from the source id.
 */
const PERSON_REFERENCES = new Set(['customer_id', 'holder_id', 'referrer_id', 'tracking_id']);

/**
 * Objects whose metadata and free text are where Voucherify (and the merchant's integration) put data about the
 * customer: the order, the redemption and the rollback. Their ids, amounts, results, failure codes stay.
 */
const PERSON_CONTEXTS = new Set(['order', 'redemption', 'redemption_rollback', 'redemptions', 'rollbacks']);
const CONTEXT_PERSONAL_FIELDS = new Set(['metadata', 'reason', 'description']);

/** The erased form of one personal value: a marker for text, an empty container for structure, else null. */
function blank(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return ERASED_MARKER;
  if (Array.isArray(value)) return [];
  if (typeof value === 'object') return {};
  return null;
}

function redactPerson(person: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(person)) out[key] = PERSON_KEPT_FIELDS.has(key) ? value : blank(value);
  return out;
}

function walk(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((element) => walk(element, parentKey));
  const object = obj(value);
  if (!object) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(object)) {
    if (PERSON_OBJECTS.has(key) && obj(child)) out[key] = redactPerson(child as Json);
    else if (PERSON_REFERENCES.has(key) && typeof child === 'string') out[key] = ERASED_MARKER;
    else if (parentKey !== undefined && PERSON_CONTEXTS.has(parentKey) && CONTEXT_PERSONAL_FIELDS.has(key))
      out[key] = blank(child);
    else out[key] = walk(child, key);
  }
  return out;
}

/**
 * A parsed webhook body with the customer's personal data replaced (see {@link ERASED_MARKER}): the customer's and
 * holder's fields and ids, the tracking id, the metadata and free text of the order, redemption and rollback. Ids of
 * events, redemptions, rollbacks, orders, vouchers and campaigns, amounts, codes and failure codes stay, so counts and
 * cases still work. Pure: returns a new value.
 */
export function redactPayload(body: unknown): unknown {
  return walk(body, undefined);
}

/** Whether a redacted body still holds a value `redactPayload` would change (used to verify an erasure). */
export function holdsPersonalData(body: unknown): boolean {
  return JSON.stringify(redactPayload(body)) !== JSON.stringify(body);
}
