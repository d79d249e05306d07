import { createHash } from 'node:crypto';
import type { ErasureMark } from '../erasure/erased-event';
import type { ValidationIssue } from '../ingest/validation';
import { type BodyEncoding, encodeBody } from './body-codec';
import { isUsableEventId } from './event-id';
import { obj, str } from './payload';

export type EventStatus = 'ACCEPTED' | 'QUARANTINED';

/**
 * Where an event came from when not from the webhook: `api-reconcile`, found by `voucherify-events reconcile` in
 * Voucherify's API because the webhook never delivered it. Absent on webhook deliveries (no bytes on the hot path).
 */
export const RECONCILE_SOURCE = 'api-reconcile';
export type EventSource = typeof RECONCILE_SOURCE;

/**
 * One stored webhook event, as the core sees it (the DynamoDB adapter maps it to attributes). Holds the fields people
 * search by, lifted out of the payload, and the original body so any event can be re-processed. Names and email
 * addresses stay inside the (compressed) body and are never lifted into searchable attributes.
 */
export interface EventRecord {
  /** `event.id`, or a hash when no usable id can be read (see {@link eventKey}). The idempotency key. */
  readonly eventId: string;
  readonly status: EventStatus;
  readonly receivedAt: string;
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  readonly expiresAt: number;
  /** The encoded body; empty when it is kept beside the item (`bodyRef`). */
  readonly body: Buffer;
  readonly bodyEncoding: BodyEncoding;
  /**
   * Where the encoded body is kept when it is too large for the item (see INLINE_BODY_MAX_BYTES): a BodyStore
   * reference. Read through readStoredBody, never directly.
   */
  readonly bodyRef?: string;
  /** Size of the body as received, before encoding. */
  readonly bodyBytes: number;
  readonly type?: string;
  readonly eventAt?: string;
  readonly sendoutId?: string;
  readonly projectId?: string;
  readonly customerId?: string;
  readonly customerSourceId?: string;
  readonly campaignId?: string;
  readonly campaignName?: string;
  readonly voucherCode?: string;
  readonly promotionTierId?: string;
  readonly redemptionId?: string;
  readonly rollbackId?: string;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  /** Why a QUARANTINED event failed validation. */
  readonly issues?: readonly ValidationIssue[];
  /** Set only when the event did not come through the webhook (see {@link RECONCILE_SOURCE}). */
  readonly source?: EventSource;
  /**
   * Set only once the customer's personal data was removed from this event (`voucherify-events erase`, or on arrival
   * for an erased customer): the body is then redacted and no longer what Voucherify signed.
   */
  readonly erased?: ErasureMark;
}

/** The searchable fields of an event, read defensively so that a quarantined (unvalidated) payload is safe too. */
export type EventFields = Omit<
  EventRecord,
  | 'eventId'
  | 'status'
  | 'receivedAt'
  | 'expiresAt'
  | 'body'
  | 'bodyEncoding'
  | 'bodyRef'
  | 'bodyBytes'
  | 'issues'
  | 'source'
  | 'erased'
>;

/** The event id if the envelope carries a usable one (see {@link isUsableEventId}: the schema's rule too). */
export function readEventId(body: unknown): string | undefined {
  const id = obj(obj(body)?.event)?.id;
  return isUsableEventId(id) ? id : undefined;
}

/**
 * The idempotency key of an authentic event, the same for every byte variant of one signed delivery:
 * - its `event.id` when usable;
 * - `sha256-id:<hex>` of an `event.id` string that breaks the id rule (too long, or not well-formed Unicode), so its
 *   other send-outs dedupe too and ids that differ only in a lone surrogate are keyed apart
 *   (hashed as JSON text, which writes a lone surrogate as an escape rather than as U+FFFD);
 * - otherwise `sha256:<hex>` of the bytes the signature covers: the body as received for a raw match, the compact or
 *   stringified form for a fallback match, which every variant that passes shares.
 */
export function eventKey(parsed: unknown, signedBytes: Buffer): string {
  const id = readEventId(parsed);
  if (id !== undefined) return id;
  const unusable = obj(obj(parsed)?.event)?.id;
  if (typeof unusable === 'string' && unusable.length > 0)
    return `sha256-id:${createHash('sha256').update(JSON.stringify(unusable)).digest('hex')}`;
  return `sha256:${createHash('sha256').update(signedBytes).digest('hex')}`;
}

/** Lifts the searchable fields out of a parsed envelope (validated or not). */
export function extractFields(body: unknown): EventFields {
  const envelope = obj(body);
  const event = obj(envelope?.event);
  const data = obj(envelope?.data);
  const redemption = obj(data?.redemption);
  const rollback = obj(data?.redemption_rollback);
  const voucher = obj(data?.voucher) ?? obj(redemption?.voucher) ?? obj(rollback?.voucher);
  const customer = obj(data?.customer) ?? obj(redemption?.customer) ?? obj(rollback?.customer);
  const campaign = obj(data?.campaign);
  const tier = obj(data?.promotion_tier) ?? obj(redemption?.promotion_tier) ?? obj(rollback?.promotion_tier);
  const failing = rollback ?? redemption;

  const fields: Record<string, string | undefined> = {
    type: str(envelope?.type, 128),
    eventAt: str(event?.created_at, 64) ?? str(envelope?.created_at, 64),
    sendoutId: str(envelope?.id),
    projectId: str(envelope?.project_id),
    customerId:
      str(customer?.id) ?? str(redemption?.customer_id) ?? str(rollback?.customer_id) ?? str(obj(data?.holder)?.id),
    customerSourceId: str(customer?.source_id),
    campaignId: str(campaign?.id) ?? str(voucher?.campaign_id) ?? str(obj(tier?.campaign)?.id),
    campaignName: str(campaign?.name) ?? str(voucher?.campaign),
    voucherCode: str(voucher?.code),
    promotionTierId: str(tier?.id),
    redemptionId: rollback ? (str(rollback.redemption) ?? str(redemption?.id)) : str(redemption?.id),
    rollbackId: str(rollback?.id),
    failureCode: str(failing?.failure_code, 128),
    failureMessage: str(failing?.failure_message, 1024),
  };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields as EventFields;
}

export interface RecordInput {
  readonly eventId: string;
  readonly status: EventStatus;
  readonly rawBody: Buffer;
  readonly parsed: unknown;
  readonly receivedAtMs: number;
  readonly retentionDays: number;
  readonly issues?: readonly ValidationIssue[];
  readonly source?: EventSource;
}

/** Builds the record to store: lifted fields, encoded body, TTL. */
export function buildEventRecord(input: RecordInput): EventRecord {
  const encoded = encodeBody(input.rawBody);
  return {
    ...extractFields(input.parsed),
    eventId: input.eventId,
    status: input.status,
    receivedAt: new Date(input.receivedAtMs).toISOString(),
    expiresAt: Math.floor(input.receivedAtMs / 1000) + Math.round(input.retentionDays * 86_400),
    body: encoded.bytes,
    bodyEncoding: encoded.encoding,
    bodyBytes: input.rawBody.length,
    ...(input.issues ? { issues: input.issues } : {}),
    ...(input.source ? { source: input.source } : {}),
  };
}
