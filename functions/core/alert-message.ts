import { parseStrictDateTime } from './date-time';
import { type EventRecord, RECONCILE_SOURCE } from './event-record';
import { isSmokeEvent } from './smoke-event';
import type { ValidationIssue } from './validation';
import { escapeInvisibleInJson, showInvisible, stripInvisible } from './visible-text';

/**
 * The alert sent when Voucherify reports `redemption.rollback.failed`: one pure function from a stored event to the
 * subject, the per-protocol bodies and the filter attributes. No AWS types here; the SNS adapter does the sending.
 *
 * The `default` body (SQS, Lambda, HTTPS subscribers) is a versioned JSON object, documented in docs/alerts.md.
 * Add fields freely within a version; renaming or removing one, or changing its meaning, needs a new `version`.
 */
export const ALERT_MESSAGE_VERSION = '1';
export const ALERT_KIND = 'voucherify.redemption.rollback.failed';
export const ROLLBACK_FAILED_TYPE = 'redemption.rollback.failed';

/**
 * SNS documents the subject as "less than 100 characters", and older documentation, some SDKs and emulators also
 * require plain ASCII. An alert SNS refuses is worse than a plain subject, so the subject is ASCII and at most 99 long.
 */
export const SUBJECT_MAX_LENGTH = 99;

/** Voucherify rolls back redemptions only within 3 months of the redemption (reference §5). */
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
}

export interface AlertMessage {
  readonly subject: string;
  /** The `Message` for Publish with `MessageStructure: json`: `default` (JSON facts) and `email` (text). */
  readonly messageJson: string;
  /** For subscription filter policies; only the facts present. All are SNS `String` attributes. */
  readonly attributes: Readonly<Partial<Record<AlertAttributeName, string>>>;
  readonly facts: AlertFacts;
  readonly emailText: string;
}

export type AlertAttributeName = 'event_type' | 'failure_code' | 'campaign' | 'customer_id';

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A non-empty string from an unvalidated payload, cut to `max` characters (a long message is still worth reading). */
function str(value: unknown, max = 256): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

/** Drops undefined values, and returns undefined for an object left empty, so absent facts stay absent. */
function compact<T extends Json>(value: T): T | undefined {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

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

/** Reads the facts out of the envelope, falling back to the lifted fields for whatever it lacks (or when it is absent). */
function gatherFacts(input: AlertInput): AlertFacts {
  const { record, now } = input;
  const envelope = obj(input.envelope);
  const event = obj(envelope?.event);
  const data = obj(envelope?.data);
  const redemption = obj(data?.redemption);
  const rollback = obj(data?.redemption_rollback);
  const source = obj(event?.event_source);

  const redemptionId = first(str(rollback?.redemption), str(redemption?.id), record.redemptionId);
  // data.redemption is the redemption being undone; its date and order only count if it is that one.
  const sameRedemption =
    redemption !== undefined && (redemptionId === undefined || str(redemption.id) === redemptionId);
  const redeemed = sameRedemption ? redemption : undefined;

  const customerCandidates = [obj(data?.customer), obj(rollback?.customer), obj(redemption?.customer)].filter(
    (c): c is Json => c !== undefined,
  );
  const customerId = first(
    ...customerCandidates.map((c) => str(c.id)),
    str(rollback?.customer_id),
    str(redemption?.customer_id),
    record.customerId,
  );
  // Merge name and source id across the copies Voucherify sends (the top-level one often lacks the name), but never
  // from a copy that names another customer.
  const sameCustomer = customerCandidates.filter((c) => str(c.id) === undefined || str(c.id) === customerId);
  const customerName = first(...sameCustomer.map((c) => str(c.name)));
  const customerEmail = input.options?.includeCustomerEmail
    ? first(...sameCustomer.map((c) => str(c.email)))
    : undefined;

  const voucher = obj(data?.voucher) ?? obj(rollback?.voucher) ?? obj(redeemed?.voucher);
  const tier = obj(data?.promotion_tier) ?? obj(rollback?.promotion_tier) ?? obj(redeemed?.promotion_tier);
  const stack = obj(data?.promotion_stack);
  const campaign = obj(data?.campaign);
  const order = obj(data?.order) ?? obj(redeemed?.order) ?? obj(rollback?.order);

  const redemptionDate = str(redeemed?.date, 64);
  const redemptionMs = parseDate(redemptionDate);
  const windowEndMs = redemptionMs === undefined ? undefined : addMonthsUtc(redemptionMs, ROLLBACK_WINDOW_MONTHS);

  const failureCode = first(str(rollback?.failure_code, 128), record.failureCode);
  const failureMessage = first(str(rollback?.failure_message, 1024), record.failureMessage);
  const facts: FactsWithoutNextStep = {
    version: ALERT_MESSAGE_VERSION,
    kind: ALERT_KIND,
    eventId: record.eventId,
    eventType: record.type ?? ROLLBACK_FAILED_TYPE,
    eventAt: first(str(event?.created_at, 64), record.eventAt),
    receivedAt: record.receivedAt,
    alertedAt: new Date(now).toISOString(),
    validated: record.status !== 'QUARANTINED',
    validationIssues: record.status === 'QUARANTINED' && record.issues?.length ? record.issues : undefined,
    foundByReconciliation: record.source === RECONCILE_SOURCE ? true : undefined,
    bodyDecoded: envelope !== undefined,
    fallbackReason: envelope === undefined ? (input.fallbackReason ?? 'no body was given') : undefined,
    projectId: first(str(envelope?.project_id), record.projectId),
    sendoutId: first(str(envelope?.id), record.sendoutId),
    trigger: compact({
      channel: str(source?.channel, 64),
      userId: str(obj(source?.user)?.id),
      apiKeyName: str(obj(source?.api_key)?.name),
    }),
    failure: compact({ code: failureCode, message: failureMessage }) ?? {},
    rollback: compact({
      id: first(str(rollback?.id), record.rollbackId),
      date: str(rollback?.date, 64),
      reason: str(rollback?.reason, 1024),
      amount: int(rollback?.amount),
    }),
    redemption: compact({
      id: redemptionId,
      date: redemptionDate,
      ageDays: redemptionMs === undefined ? undefined : Math.max(0, Math.floor((now - redemptionMs) / DAY_MS)),
      rollbackWindowEndedAt:
        windowEndMs !== undefined && now >= windowEndMs ? new Date(windowEndMs).toISOString() : undefined,
      olderThanRollbackWindow: windowEndMs === undefined ? undefined : now >= windowEndMs,
      status: str(redeemed?.status, 64),
      amount: int(redeemed?.amount),
    }),
    customer: compact({
      id: customerId,
      sourceId: first(...sameCustomer.map((c) => str(c.source_id)), record.customerSourceId),
      name: customerName,
      email: customerEmail,
    }),
    voucher: compact({
      id: str(voucher?.id),
      code: first(str(voucher?.code), record.voucherCode),
      type: str(voucher?.type, 64),
    }),
    promotionTier: compact({ id: first(str(tier?.id), record.promotionTierId), name: str(tier?.name) }),
    promotionStack: compact({ id: str(stack?.id), name: str(stack?.name) }),
    campaign: compact({
      id: first(str(campaign?.id), record.campaignId, str(voucher?.campaign_id), str(obj(tier?.campaign)?.id)),
      name: first(str(campaign?.name), record.campaignName, str(voucher?.campaign)),
    }),
    order: compact({
      id: str(order?.id),
      sourceId: str(order?.source_id),
      status: str(order?.status, 64),
      amount: int(order?.amount),
      totalAmount: int(order?.total_amount),
    }),
  };
  const nextStep = chooseNextStep(facts);
  // compact() only drops undefined values: never empty here, eventId is always set.
  return { ...(compact(facts) as FactsWithoutNextStep), nextStep };
}

type FactsWithoutNextStep = Omit<AlertFacts, 'nextStep'>;

/** The one line that tells the person on call what to do, by the most specific cause we can see. */
function chooseNextStep(facts: FactsWithoutNextStep): { code: NextStepCode; text: string } {
  const redemption = facts.redemption?.id ? `redemption ${facts.redemption.id}` : 'the redemption';
  const orderRef = facts.order ? `order ${facts.order.sourceId ?? facts.order.id}` : undefined;
  const code = facts.failure.code ?? '';
  const message = facts.failure.message ?? '';
  let step: { code: NextStepCode; text: string };
  if (code === 'already_rolled_back') {
    step = {
      code: 'already_rolled_back',
      text:
        `Nothing is left to undo in Voucherify: ${redemption} was already rolled back. Check that the refund or ` +
        `cancellation behind this second attempt was not applied twice on your side${orderRef ? ` (${orderRef})` : ''}, ` +
        'then close this alert.',
    };
  } else if (facts.redemption?.olderThanRollbackWindow || /\b(3|three) months\b/i.test(message)) {
    step = {
      code: 'rollback_window_closed',
      text:
        `Voucherify cannot roll back ${redemption}: it is older than ${ROLLBACK_WINDOW_MONTHS} months. Compensate by ` +
        "hand instead (for example adjust the customer's balance or points, or issue a credit) and note it " +
        `${orderRef ? `on ${orderRef}` : 'where the rollback was requested'}.`,
    };
  } else if (/parent/i.test(code) || /\bparent\b/i.test(message)) {
    step = {
      code: 'roll_back_parent',
      text: `${capitalise(redemption)} is part of a stacked redemption: roll back its parent redemption instead.`,
    };
  } else {
    step = {
      code: 'investigate',
      text:
        `Open ${redemption} in the Voucherify dashboard (Redemptions) and find out why the rollback failed` +
        `${code ? ` (code ${code})` : ''}; then retry the rollback, or compensate by hand` +
        `${orderRef ? ` on ${orderRef}` : ''}.`,
    };
  }
  const caveats: string[] = [];
  if (!facts.validated)
    caveats.push(
      'This event failed our schema check and was stored as QUARANTINED: confirm these details in the Voucherify ' +
        'dashboard before acting.',
    );
  if (!facts.bodyDecoded)
    caveats.push(
      `Only the indexed fields are shown (${facts.fallbackReason}): the full event is item pk=${facts.eventId} in ` +
        'the events table.',
    );
  return caveats.length > 0 ? { code: step.code, text: `${step.text} ${caveats.join(' ')}` } : step;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Plain printable ASCII: accents folded (é → e), anything else '?', whitespace and control characters collapsed. */
export function toSubjectSafe(text: string): string {
  return stripInvisible(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .replace(/[^\x20-\x7e]/gu, '?')
    .trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3)).trimEnd()}...`;
}

/** `Rollback failed: <code> - <voucher code | promotion tier | redemption>`, ASCII, at most 99 characters. */
export function buildSubject(facts: AlertFacts): string {
  // A smoke run's alert is expected by whoever ran it; the subject says so first, so on-call can ignore it.
  const smoke = isSmokeEvent(facts.eventId) ? '[smoke test] ' : '';
  const reconciled = facts.foundByReconciliation ? '[reconciled] ' : '';
  const flag = `${smoke}${reconciled}${facts.validated ? '' : '[unvalidated] '}`;
  const code = truncate(toSubjectSafe(facts.failure.code ?? 'unknown reason'), 40);
  const what = toSubjectSafe(
    first(
      facts.voucher?.code,
      facts.promotionTier?.name,
      facts.promotionTier?.id,
      facts.redemption?.id ? `redemption ${facts.redemption.id}` : undefined,
      `event ${facts.eventId}`,
    ) ?? '',
  );
  const head = `${flag}Rollback failed: ${code}`;
  const subject = what ? `${head} - ${truncate(what, SUBJECT_MAX_LENGTH - head.length - 3)}` : head;
  return truncate(subject, SUBJECT_MAX_LENGTH);
}

/** One line of email text: no control characters (a payload must not be able to forge lines), bounded length. */
function line(value: string | number | undefined, max = 300): string | undefined {
  if (value === undefined) return undefined;
  const text = showInvisible(String(value))
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function labelled(label: string, ...parts: (string | number | undefined)[]): string | undefined {
  const shown = parts.map((p) => line(p)).filter((p): p is string => p !== undefined && p !== '');
  return shown.length > 0 ? `  ${label}: ${shown.join(', ')}` : undefined;
}

function named(name: string | undefined, id: string | undefined): string | undefined {
  if (name && id) return `${line(name)} (${line(id)})`;
  return line(name ?? id);
}

/** Said when the redemption date is not a strict ISO 8601 (RFC 3339) time: no age, no window verdict. */
const WINDOW_UNKNOWN = 'not a valid ISO 8601 time, so whether the 3-month rollback window has closed is unknown';

/** The `email` body: plain text, the facts a person needs in the order they need them. */
export function buildEmailText(facts: AlertFacts): string {
  const r = facts.redemption;
  const out: (string | undefined)[] = [];
  out.push(
    facts.validated
      ? 'A Voucherify redemption rollback failed.'
      : 'A Voucherify redemption rollback failed. [unvalidated: the event failed our schema check]',
    facts.foundByReconciliation
      ? "Found by reconciliation against Voucherify's API: the webhook never delivered it (it may be days old)."
      : undefined,
    '',
    'What failed',
    labelled('Failure code', facts.failure.code ?? 'not given'),
    labelled('Failure message', facts.failure.message ?? 'not given'),
    labelled('Rollback', facts.rollback?.id, facts.rollback?.date ? `attempted ${facts.rollback.date}` : undefined),
    labelled('Rollback reason', facts.rollback?.reason),
    '',
    'What to do next',
    `  ${line(facts.nextStep.text, 1200)}`,
    '',
    'Customer',
  );
  if (facts.customer) {
    out.push(
      labelled('Name', facts.customer.name ?? 'not given'),
      labelled('Email', facts.customer.email),
      labelled('Source id', facts.customer.sourceId ?? 'not given'),
      labelled('Id', facts.customer.id ?? 'not given'),
    );
  } else {
    out.push('  No customer in the event.');
  }
  out.push('', 'Redemption');
  out.push(
    labelled('Voucher', named(facts.voucher?.code, facts.voucher?.type)),
    labelled('Promotion tier', named(facts.promotionTier?.name, facts.promotionTier?.id)),
    labelled('Promotion stack', named(facts.promotionStack?.name, facts.promotionStack?.id)),
    facts.voucher || facts.promotionTier ? undefined : '  Voucher / promotion tier: not given',
    labelled('Campaign', named(facts.campaign?.name, facts.campaign?.id) ?? 'not given'),
    labelled('Redemption id', r?.id ?? 'not given'),
    labelled('Redemption status', r?.status),
    r?.date
      ? labelled('Redeemed', r.date, r.ageDays === undefined ? WINDOW_UNKNOWN : `${r.ageDays} days ago`)
      : labelled('Redeemed', 'date not in the event'),
    r?.olderThanRollbackWindow
      ? `  WARNING: older than ${ROLLBACK_WINDOW_MONTHS} months (the rollback window closed ${r.rollbackWindowEndedAt}): Voucherify cannot roll this redemption back.`
      : undefined,
    labelled(
      'Order',
      facts.order?.id,
      facts.order?.sourceId ? `source id ${facts.order.sourceId}` : undefined,
      facts.order?.status,
      facts.order?.amount === undefined ? undefined : `amount ${facts.order.amount}`,
      facts.order?.totalAmount === undefined ? undefined : `total ${facts.order.totalAmount}`,
    ) ?? '  Order: not in the event',
    facts.order?.amount !== undefined || facts.order?.totalAmount !== undefined
      ? '  (amounts in the smallest currency unit)'
      : undefined,
    '',
    'Event',
    labelled('Event id', facts.eventId),
    labelled('Type', facts.eventType),
    labelled('Event time', facts.eventAt),
    labelled('Received', facts.receivedAt),
    labelled(
      'Triggered via',
      facts.trigger?.channel,
      facts.trigger?.userId ? `user ${facts.trigger.userId}` : undefined,
      facts.trigger?.apiKeyName ? `API key ${facts.trigger.apiKeyName}` : undefined,
    ),
    labelled('Project', facts.projectId),
    labelled('Send-out', facts.sendoutId),
    labelled('Stored as', facts.validated ? 'ACCEPTED' : 'QUARANTINED'),
  );
  if (facts.validationIssues?.length) {
    out.push('', 'Why it was quarantined');
    for (const issue of facts.validationIssues.slice(0, 10))
      out.push(`  ${line(issue.pointer, 200)}: ${line(issue.message)}`);
  }
  out.push(
    '',
    `Sent ${facts.alertedAt} by the Voucherify webhook receiver (message format ${facts.kind} v${facts.version}).`,
  );
  return out.filter((l): l is string => l !== undefined).join('\n');
}

/** A UTF-16 surrogate without its other half (valid in a JSON string as an escape, not encodable as UTF-8). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * SNS String attribute values: printable, no control characters, bounded (filter policies match them exactly), and
 * well-formed: the SDK URL-encodes attributes, and a lone surrogate makes that throw on every retry, so one signed
 * event with `"\ud800"` in its customer id would never alert and would hold back its batch (found by the faults suite).
 */
function attribute(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const clean = stripInvisible(value)
    .replace(/[\p{Cc}]/gu, '')
    .trim();
  // Cut first, then repair: the cut may split a surrogate pair.
  return clean === '' ? undefined : clean.slice(0, 256).replace(LONE_SURROGATE, '\ufffd');
}

/** Builds the whole alert for one stored rollback failure. Pure: same input, same message. */
export function buildAlertMessage(input: AlertInput): AlertMessage {
  const facts = gatherFacts(input);
  const emailText = buildEmailText(facts);
  return {
    subject: buildSubject(facts),
    messageJson: JSON.stringify({ default: escapeInvisibleInJson(JSON.stringify(facts)), email: emailText }),
    attributes:
      compact({
        event_type: attribute(facts.eventType),
        failure_code: attribute(facts.failure.code),
        // The campaign id, not its name: ids do not change when someone renames a campaign, so filter policies hold.
        campaign: attribute(facts.campaign?.id),
        customer_id: attribute(facts.customer?.id),
      }) ?? {},
    facts,
    emailText,
  };
}
