import type { ValidationIssue } from '../ingest/validation';
import { parseStrictDateTime } from '../shared/date-time';
import { type EventRecord, RECONCILE_SOURCE } from '../shared/event-record';
import { clip, compact, first, int, type Json, obj } from '../shared/payload';

/**
 * The facts of the alert sent when Voucherify reports `redemption.rollback.failed`, read from the stored event.
 *
 * The `default` body (SQS, Lambda, HTTPS subscribers) is these facts as a versioned JSON object, documented in
 * docs/alerts.md. Add fields freely within a version; renaming or removing one, or changing its meaning, needs a new
 * `version`.
 */
export const ALERT_MESSAGE_VERSION = '1';
export const ALERT_KIND = 'voucherify.redemption.rollback.failed';
export const ROLLBACK_FAILED_TYPE = 'redemption.rollback.failed';

/** Voucherify rolls back redemptions only within 3 months of the redemption (its redemption rollback documentation). */
export const ROLLBACK_WINDOW_MONTHS = 3;

/** What the alert recommends, by cause; also in the JSON body so automations can branch on it. */
export type NextStepCode = 'already_rolled_back' | 'rollback_window_closed' | 'roll_back_parent' | 'investigate';

/** The stored event as the alert needs it: the lifted fields and the stored status (an EventRecord fits). */
export type AlertRecord = Pick<EventRecord, 'eventId' | 'status' | 'receivedAt'> &
  Partial<Omit<EventRecord, 'eventId' | 'status' | 'receivedAt' | 'body' | 'bodyEncoding' | 'bodyBytes' | 'expiresAt'>>;

export interface AlertInput {
  readonly record: AlertRecord;
  /** The parsed webhook body. Absent when the stored body could not be decoded: the alert uses the lifted fields. */
  readonly envelope?: unknown;
  /**
   * Why the alert is built from the indexed fields alone (the stored body could not be decoded, or SNS refused the
   * full message). Said in the alert; never the body itself.
   */
  readonly fallbackReason?: string;
  /** Epoch milliseconds: the redemption's age and the alert time are computed from it. */
  readonly now: number;
  readonly options?: AlertOptions;
  /** The case this failure belongs to (functions/core/alerts/cases.ts); said in the alert when given. */
  readonly case?: AlertCaseInfo;
}

/** What the alert says about its case. */
export interface AlertCaseInfo {
  readonly key: string;
  readonly state: 'open';
  /** 1 for the first opening; more when a failure reopened a resolved case. */
  readonly opening: number;
  /** The resolution this failure undid (only on a reopening). */
  readonly previousResolution?: { readonly at: string; readonly by: string; readonly note?: string };
}

export interface AlertOptions {
  /** Put the customer's email address in the alert. Off by default: the alert goes to mailboxes and queues. */
  readonly includeCustomerEmail?: boolean;
}

/** The facts of one alert: the `default` (JSON) body, field for field. Absent facts are left out, never null. */
export interface AlertFacts {
  readonly version: typeof ALERT_MESSAGE_VERSION;
  readonly kind: typeof ALERT_KIND;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventAt?: string;
  readonly receivedAt: string;
  readonly alertedAt: string;
  /** `false` for a quarantined event: the facts were read from a payload that failed the schema. */
  readonly validated: boolean;
  readonly validationIssues?: readonly ValidationIssue[];
  /** `true` when `voucherify-events reconcile` found it in Voucherify's API: the webhook never delivered it. */
  readonly foundByReconciliation?: true;
  /** `false` when only the indexed fields were used (see `fallbackReason`): some facts may be missing. */
  readonly bodyDecoded: boolean;
  readonly fallbackReason?: string;
  readonly projectId?: string;
  readonly sendoutId?: string;
  readonly trigger?: { readonly channel?: string; readonly userId?: string; readonly apiKeyName?: string };
  readonly failure: { readonly code?: string; readonly message?: string };
  readonly rollback?: {
    readonly id?: string;
    readonly date?: string;
    readonly reason?: string;
    readonly amount?: number;
  };
  readonly redemption?: {
    readonly id?: string;
    readonly date?: string;
    readonly ageDays?: number;
    readonly rollbackWindowEndedAt?: string;
    readonly olderThanRollbackWindow?: boolean;
    readonly status?: string;
    readonly amount?: number;
  };
  readonly customer?: {
    readonly id?: string;
    readonly sourceId?: string;
    readonly name?: string;
    readonly email?: string;
  };
  readonly voucher?: { readonly id?: string; readonly code?: string; readonly type?: string };
  readonly promotionTier?: { readonly id?: string; readonly name?: string };
  readonly promotionStack?: { readonly id?: string; readonly name?: string };
  readonly campaign?: { readonly id?: string; readonly name?: string };
  readonly order?: {
    readonly id?: string;
    readonly sourceId?: string;
    readonly status?: string;
    readonly amount?: number;
    readonly totalAmount?: number;
  };
  readonly nextStep: { readonly code: NextStepCode; readonly text: string };
  /** The case (one per rollback) this alert opened or reopened; `reopened` when a resolved case failed again. */
  readonly case?: {
    readonly key: string;
    readonly state: 'open';
    readonly opening: number;
    readonly reopened?: true;
    readonly previousResolution?: { readonly at: string; readonly by: string; readonly note?: string };
  };
}

export type FactsWithoutNextStep = Omit<AlertFacts, 'nextStep'>;

const DAY_MS = 86_400_000;

/** Strict RFC 3339 only: Date.parse reads "1" as 2001 and would advise "window closed" on it. */
const parseDate = parseStrictDateTime;

/** Adds calendar months in UTC, clamping to the month's last day (30 Nov + 3 months = 28/29 Feb, not 2 Mar). */
export function addMonthsUtc(ms: number, months: number): number {
  const date = new Date(ms);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/**
 * Reads the facts out of the envelope, falling back to the lifted fields for whatever it lacks (or when it is absent).
 * The next step is chosen from them (alert-next-step.ts).
 */
export function gatherFacts(input: AlertInput): FactsWithoutNextStep {
  const { record, now } = input;
  const envelope = obj(input.envelope);
  const event = obj(envelope?.event);
  const data = obj(envelope?.data);
  const redemption = obj(data?.redemption);
  const rollback = obj(data?.redemption_rollback);
  const source = obj(event?.event_source);

  const redemptionId = first(clip(rollback?.redemption), clip(redemption?.id), record.redemptionId);
  // data.redemption is the redemption being undone; its date and order only count if it is that one.
  const sameRedemption =
    redemption !== undefined && (redemptionId === undefined || clip(redemption.id) === redemptionId);
  const redeemed = sameRedemption ? redemption : undefined;

  const customerCandidates = [obj(data?.customer), obj(rollback?.customer), obj(redemption?.customer)].filter(
    (c): c is Json => c !== undefined,
  );
  const customerId = first(
    ...customerCandidates.map((c) => clip(c.id)),
    clip(rollback?.customer_id),
    clip(redemption?.customer_id),
    record.customerId,
  );
  // Merge name and source id across the copies Voucherify sends (the top-level one often lacks the name), but never
  // from a copy that names another customer.
  const sameCustomer = customerCandidates.filter((c) => clip(c.id) === undefined || clip(c.id) === customerId);
  const customerName = first(...sameCustomer.map((c) => clip(c.name)));
  const customerEmail = input.options?.includeCustomerEmail
    ? first(...sameCustomer.map((c) => clip(c.email)))
    : undefined;

  const voucher = obj(data?.voucher) ?? obj(rollback?.voucher) ?? obj(redeemed?.voucher);
  const tier = obj(data?.promotion_tier) ?? obj(rollback?.promotion_tier) ?? obj(redeemed?.promotion_tier);
  const stack = obj(data?.promotion_stack);
  const campaign = obj(data?.campaign);
  const order = obj(data?.order) ?? obj(redeemed?.order) ?? obj(rollback?.order);

  const redemptionDate = clip(redeemed?.date, 64);
  const redemptionMs = parseDate(redemptionDate);
  const windowEndMs = redemptionMs === undefined ? undefined : addMonthsUtc(redemptionMs, ROLLBACK_WINDOW_MONTHS);

  const failureCode = first(clip(rollback?.failure_code, 128), record.failureCode);
  const failureMessage = first(clip(rollback?.failure_message, 1024), record.failureMessage);
  const facts: FactsWithoutNextStep = {
    version: ALERT_MESSAGE_VERSION,
    kind: ALERT_KIND,
    eventId: record.eventId,
    eventType: record.type ?? ROLLBACK_FAILED_TYPE,
    eventAt: first(clip(event?.created_at, 64), record.eventAt),
    receivedAt: record.receivedAt,
    alertedAt: new Date(now).toISOString(),
    validated: record.status !== 'QUARANTINED',
    validationIssues: record.status === 'QUARANTINED' && record.issues?.length ? record.issues : undefined,
    foundByReconciliation: record.source === RECONCILE_SOURCE ? true : undefined,
    bodyDecoded: envelope !== undefined,
    fallbackReason: envelope === undefined ? (input.fallbackReason ?? 'no body was given') : undefined,
    projectId: first(clip(envelope?.project_id), record.projectId),
    sendoutId: first(clip(envelope?.id), record.sendoutId),
    trigger: compact({
      channel: clip(source?.channel, 64),
      userId: clip(obj(source?.user)?.id),
      apiKeyName: clip(obj(source?.api_key)?.name),
    }),
    failure: compact({ code: failureCode, message: failureMessage }) ?? {},
    rollback: compact({
      id: first(clip(rollback?.id), record.rollbackId),
      date: clip(rollback?.date, 64),
      reason: clip(rollback?.reason, 1024),
      amount: int(rollback?.amount),
    }),
    redemption: compact({
      id: redemptionId,
      date: redemptionDate,
      ageDays: redemptionMs === undefined ? undefined : Math.max(0, Math.floor((now - redemptionMs) / DAY_MS)),
      rollbackWindowEndedAt:
        windowEndMs !== undefined && now >= windowEndMs ? new Date(windowEndMs).toISOString() : undefined,
      olderThanRollbackWindow: windowEndMs === undefined ? undefined : now >= windowEndMs,
      status: clip(redeemed?.status, 64),
      amount: int(redeemed?.amount),
    }),
    customer: compact({
      id: customerId,
      sourceId: first(...sameCustomer.map((c) => clip(c.source_id)), record.customerSourceId),
      name: customerName,
      email: customerEmail,
    }),
    voucher: compact({
      id: clip(voucher?.id),
      code: first(clip(voucher?.code), record.voucherCode),
      type: clip(voucher?.type, 64),
    }),
    promotionTier: compact({ id: first(clip(tier?.id), record.promotionTierId), name: clip(tier?.name) }),
    promotionStack: compact({ id: clip(stack?.id), name: clip(stack?.name) }),
    campaign: compact({
      id: first(clip(campaign?.id), record.campaignId, clip(voucher?.campaign_id), clip(obj(tier?.campaign)?.id)),
      name: first(clip(campaign?.name), record.campaignName, clip(voucher?.campaign)),
    }),
    order: compact({
      id: clip(order?.id),
      sourceId: clip(order?.source_id),
      status: clip(order?.status, 64),
      amount: int(order?.amount),
      totalAmount: int(order?.total_amount),
    }),
    case: input.case
      ? {
          key: input.case.key,
          state: input.case.state,
          opening: input.case.opening,
          ...(input.case.opening > 1 ? { reopened: true as const } : {}),
          ...(input.case.previousResolution ? { previousResolution: input.case.previousResolution } : {}),
        }
      : undefined,
  };
  // compact() only drops undefined values: never empty here, eventId is always set.
  return compact(facts) as FactsWithoutNextStep;
}
