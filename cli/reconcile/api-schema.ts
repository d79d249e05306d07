/**
 * What reconcile accepts from Voucherify's API, as JSON Schema (ajv): only the fields it uses, each as strict as its
 * use needs and no stricter (extra fields and nulls elsewhere are Voucherify's business). A page must be a list; an
 * item must have a usable id, a result, and for a rollback the id of the redemption it undoes. The API is a second
 * source of events, so its answer is held to the same rules as a webhook's: the imported event id follows the one id
 * rule (functions/core/shared/event-id.ts).
 */
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { isUsableEventId } from '../../functions/core/shared/event-id';
import { importedEventIdOf } from './importer';

const nullableString = { type: ['string', 'null'] } as const;

const PAGE_SCHEMA = {
  type: 'object',
  required: ['redemptions'],
  properties: {
    redemptions: { type: 'array' },
    total: { type: 'integer', minimum: 0 },
  },
} as const;

const ITEM_SCHEMA = {
  type: 'object',
  required: ['id', 'result'],
  properties: {
    id: { type: 'string', minLength: 1 },
    result: { type: 'string' },
    object: nullableString,
    date: { type: ['string', 'null'], format: 'date-time' },
    failure_code: nullableString,
    failure_message: nullableString,
    // Copied into the imported envelope when they are objects; anything else is left out there.
    customer: { type: ['object', 'null'] },
    voucher: { type: ['object', 'null'] },
  },
  // A rollback names the redemption it undoes by id: the imported event's redemptionId.
  if: { properties: { object: { const: 'redemption_rollback' } }, required: ['object'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable (the object is never awaited).
  then: { required: ['redemption'], properties: { redemption: { type: 'string', minLength: 1 } } },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time']);
const validPage = ajv.compile(PAGE_SCHEMA);
const validItem = ajv.compile(ITEM_SCHEMA);

function reasonOf(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'does not match the schema';
  return `${first.instancePath || '/'}: ${first.message ?? 'is not valid'}`;
}

/** A page of `GET /v1/redemptions`: its items and the API's total, or why it is not a list. */
export function readApiPage(
  answer: unknown,
): { ok: true; redemptions: readonly unknown[]; total?: number } | { ok: false; reason: string } {
  if (!validPage(answer)) return { ok: false, reason: reasonOf(validPage.errors) };
  const page = answer as { redemptions: unknown[]; total?: number };
  return { ok: true, redemptions: page.redemptions, ...(page.total !== undefined ? { total: page.total } : {}) };
}

export type ApiItemVerdict =
  | { readonly kind: 'failure' }
  /** A valid item that is not a failure (the list asks for failures only; tolerated, as before). */
  | { readonly kind: 'other' }
  | { readonly kind: 'skip'; readonly id?: string; readonly reason: string };

/** Whether one listed item can be imported: the schema, then the id rule on the event id it would be stored under. */
export function readApiItem(item: unknown): ApiItemVerdict {
  const id = typeof (item as { id?: unknown } | null)?.id === 'string' ? (item as { id: string }).id : undefined;
  if (!validItem(item)) return { kind: 'skip', ...(id ? { id } : {}), reason: reasonOf(validItem.errors) };
  const valid = item as { id: string; result: string };
  if (valid.result !== 'FAILURE') return { kind: 'other' };
  if (!isUsableEventId(importedEventIdOf(valid.id)))
    return { kind: 'skip', id: valid.id, reason: 'its id cannot be an event id (the rule webhooks follow)' };
  return { kind: 'failure' };
}
