import { first } from '../shared/payload';
import { isSmokeEvent } from '../shared/smoke-event';
import { showInvisible, stripInvisible } from '../shared/visible-text';
import { type AlertFacts, ROLLBACK_WINDOW_MONTHS } from './facts';

/**
 * SNS documents the subject as "less than 100 characters", and older documentation, some SDKs and emulators also
 * require plain ASCII. An alert SNS refuses is worse than a plain subject, so the subject is ASCII and at most 99 long.
 */
export const SUBJECT_MAX_LENGTH = 99;

/** Plain printable ASCII: accents folded (é → e), anything else '?', whitespace and control characters collapsed. */
export function toSubjectSafe(text: string): string {
  return stripInvisible(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .replace(/[^\x20-\x7e]/gu, '?')
    .trim();
}

/** Cut to `max` characters, ending in `...` when cut (subjects are ASCII). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3)).trimEnd()}...`;
}

/** `Rollback failed: <code> - <voucher code | promotion tier | redemption>`, ASCII, at most 99 characters. */
export function buildSubject(facts: AlertFacts): string {
  // A smoke run's alert is expected by whoever ran it; the subject says so first, so on-call can ignore it.
  const smoke = isSmokeEvent(facts.eventId) ? '[smoke test] ' : '';
  const reconciled = facts.foundByReconciliation ? '[reconciled] ' : '';
  const reopened = facts.case?.reopened ? '[reopened] ' : '';
  const flag = `${smoke}${reopened}${reconciled}${facts.validated ? '' : '[unvalidated] '}`;
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
export function line(value: string | number | undefined, max = 300): string | undefined {
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

/** The case line of an alert: which case it opened, or that it reopened one. */
function caseLine(facts: AlertFacts): string | undefined {
  const c = facts.case;
  if (!c) return undefined;
  const key = line(c.key, 300);
  return c.reopened
    ? `REOPENED case ${key}: this rollback failed again after its case was resolved (opening ${c.opening}).`
    : `Case ${key} (one case per rollback: later events of it are linked to the case, not mailed again).`;
}

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
    caseLine(facts),
    facts.case?.previousResolution
      ? `  It had been resolved ${facts.case.previousResolution.at} by ${line(facts.case.previousResolution.by, 200)}${
          facts.case.previousResolution.note ? `: ${line(facts.case.previousResolution.note, 600)}` : ''
        }`
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
