import { escapeInvisibleInJson, showInvisible } from '../shared/visible-text';
import { attribute } from './attributes';
import { type Case, type CaseFacts, type CaseState, caseAgeMs, caseThreadId, formatAge } from './cases';
import type { AlertFacts } from './facts';
import type { TopicMessage } from './message';
import type { Notice } from './notice';
import { line, SUBJECT_MAX_LENGTH, toSubjectSafe, truncate } from './text';

/**
 * The messages about cases other than a failure's own alert: the digest of a burst window, the reminder of old
 * unresolved cases, and the announcement of an acknowledgement or resolution. Each is built twice from the same
 * values, by pure functions: as a {@link TopicMessage} for the alert topic (subject, `default` JSON for machines,
 * `email` text, attributes) and as a {@link Notice} for chat. The alert of a failure gets its notice from
 * {@link alertNotice}.
 */

/** The `default` body's `version` and `kind` of each message here (the alert's own is in facts.ts). */
export const CASE_MESSAGE_VERSION = '1';
export const CASE_MESSAGE_KIND = {
  digest: 'voucherify.cases.digest',
  reminder: 'voucherify.cases.reminder',
  acknowledged: 'voucherify.case.acknowledged',
  resolved: 'voucherify.case.resolved',
} as const;

/** What the commands in the messages are run with. */
export const CLI = 'npx voucherify-events';

/** The part of a case a digest, a reminder or `cases` shows (what the state index holds). */
export type CaseSummary = Pick<
  Case,
  'key' | 'state' | 'openedAt' | 'eventCount' | 'acknowledgedBy' | 'acknowledgedAt' | 'openings'
> & {
  readonly facts: Pick<
    CaseFacts,
    'failureCode' | 'customerId' | 'customerSourceId' | 'voucherCode' | 'campaignId' | 'campaignName'
  >;
  /** The burst window whose digest the current opening went into, if it did. */
  readonly digestWindow?: string;
};

/** How many case keys a digest or reminder lists by name (the rest are counted; `cases` lists all). */
export const LISTED_KEYS = 10;

function subject(text: string): string {
  return truncate(toSubjectSafe(text), SUBJECT_MAX_LENGTH);
}

function body(json: object, email: string): string {
  return JSON.stringify({ default: escapeInvisibleInJson(JSON.stringify(json)), email });
}

function counted(items: readonly CaseSummary[], by: (c: CaseSummary) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(by(item), (counts.get(by(item)) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

const codeOf = (c: CaseSummary) => c.facts.failureCode ?? 'no code';
const campaignOf = (c: CaseSummary) =>
  c.facts.campaignName && c.facts.campaignId
    ? `${c.facts.campaignName} (${c.facts.campaignId})`
    : (c.facts.campaignName ?? c.facts.campaignId ?? 'no campaign');

/** One case in a list: key, age, code, customer, voucher. */
function caseLine(c: CaseSummary, now: number): string {
  const parts = [
    line(c.key, 120),
    `${c.state}${c.acknowledgedBy ? ` by ${line(c.acknowledgedBy, 80)}` : ''}`,
    `age ${formatAge(caseAgeMs(c, now))}`,
    line(c.facts.failureCode ?? 'no code', 60),
    c.facts.customerSourceId || c.facts.customerId
      ? `customer ${line(c.facts.customerSourceId ?? c.facts.customerId, 80)}`
      : undefined,
    c.facts.voucherCode ? `voucher ${line(c.facts.voucherCode, 80)}` : undefined,
  ];
  return `  ${parts.filter(Boolean).join('  ')}`;
}

export interface DigestInput {
  /** The burst window (start and end, ISO 8601). */
  readonly window: { readonly start: string; readonly end: string };
  /** The cases of the window that went into the digest (not those alerted one by one). */
  readonly cases: readonly CaseSummary[];
  /** How many cases the window alerted one by one (the limit). */
  readonly alerted: number;
  readonly now: number;
}

/** The digest of a burst window: counts by failure code and campaign, the first keys, how to list all. */
export function buildDigest(input: DigestInput): { message: TopicMessage; notice: Notice } {
  const { window, cases, now } = input;
  const n = cases.length;
  const byCode = counted(cases, codeOf);
  const byCampaign = counted(cases, campaignOf);
  const first = cases.slice(0, LISTED_KEYS);
  const title = `${n} more rollback failure${n === 1 ? '' : 's'} in one burst (${window.start.slice(11, 16)}-${window.end.slice(11, 16)} UTC)`;
  const nextSteps = [
    `List them all: ${CLI} cases --open`,
    `One case: ${CLI} show <case key>`,
    `Take one: ${CLI} ack <case key> --note "…"; close it: ${CLI} resolve <case key> --note "what was done"`,
  ];
  const email = [
    `A burst of Voucherify redemption rollback failures: ${input.alerted} were mailed one by one between ${window.start} and ${window.end}; these ${n} more are in this one digest instead of ${n} more emails.`,
    'Each is a case of its own, open until someone resolves it. Nothing was dropped.',
    '',
    'By failure code',
    ...byCode.map(([code, count]) => `  ${count}  ${line(code, 120)}`),
    '',
    'By campaign',
    ...byCampaign.map(([campaign, count]) => `  ${count}  ${line(campaign, 200)}`),
    '',
    `Cases${n > first.length ? ` (the first ${first.length} of ${n})` : ''}`,
    ...first.map((c) => caseLine(c, now)),
    '',
    'What to do next',
    ...nextSteps.map((step) => `  ${step}`),
    '',
    `Sent ${new Date(now).toISOString()} by the Voucherify webhook receiver (message format ${CASE_MESSAGE_KIND.digest} v${CASE_MESSAGE_VERSION}).`,
  ].join('\n');
  const json = {
    version: CASE_MESSAGE_VERSION,
    kind: CASE_MESSAGE_KIND.digest,
    window,
    cases: n,
    alertedIndividually: input.alerted,
    byFailureCode: Object.fromEntries(byCode),
    byCampaign: Object.fromEntries(byCampaign),
    caseKeys: first.map((c) => c.key),
    sentAt: new Date(now).toISOString(),
  };
  return {
    message: {
      subject: subject(`Rollback failures: ${n} more in one burst (digest)`),
      messageJson: body(json, email),
      attributes: { notice_kind: 'digest', case_state: 'open' },
    },
    notice: {
      kind: 'digest',
      title: plain(title),
      description: plain(
        [
          `${n} new case${n === 1 ? '' : 's'} past the limit of ${input.alerted} individual alerts.`,
          `By failure code: ${byCode.map(([c, k]) => `${c} ${k}`).join(', ')}.`,
          `By campaign: ${byCampaign.map(([c, k]) => `${c} ${k}`).join(', ')}.`,
          `First cases: ${first.map((c) => c.key).join(', ')}${n > first.length ? ` and ${n - first.length} more` : ''}.`,
        ].join('\n'),
      ),
      nextSteps,
      keywords: ['digest', ...byCode.slice(0, 3).map(([code]) => plain(code))],
      threadId: `digest-${window.start}`,
    },
  };
}

export interface ReminderInput {
  /** Unresolved cases older than the setting, oldest first. */
  readonly cases: readonly CaseSummary[];
  /** More cases than listed, if the query stopped early. */
  readonly more?: boolean;
  readonly olderThanHours: number;
  readonly now: number;
}

/** The reminder of unresolved cases older than the setting: oldest first, with what to run to see them. */
export function buildReminder(input: ReminderInput): { message: TopicMessage; notice: Notice } {
  const { cases, now } = input;
  const n = cases.length;
  const count = `${n}${input.more ? '+' : ''}`;
  const unacknowledged = cases.filter((c) => c.state === 'open').length;
  const listed = cases.slice(0, 3 * LISTED_KEYS);
  const nextSteps = [
    `See them: ${CLI} cases --open`,
    `One case, with its history: ${CLI} show <case key>`,
    `Close one: ${CLI} resolve <case key> --note "what was done"`,
  ];
  const email = [
    `Reminder: ${count} rollback-failure case${n === 1 ? ' is' : 's are'} still unresolved after more than ${input.olderThanHours} hours (${unacknowledged} not even acknowledged). Each owes a customer something.`,
    '',
    `Oldest first${n > listed.length ? ` (the first ${listed.length})` : ''}`,
    ...listed.map((c) => caseLine(c, now)),
    '',
    'What to do next',
    ...nextSteps.map((step) => `  ${step}`),
    '',
    `Sent ${new Date(now).toISOString()} by the Voucherify webhook receiver (message format ${CASE_MESSAGE_KIND.reminder} v${CASE_MESSAGE_VERSION}).`,
  ].join('\n');
  const json = {
    version: CASE_MESSAGE_VERSION,
    kind: CASE_MESSAGE_KIND.reminder,
    olderThanHours: input.olderThanHours,
    cases: n,
    ...(input.more ? { more: true } : {}),
    unacknowledged,
    oldest: listed.map((c) => ({ key: c.key, state: c.state, openedAt: c.openedAt })),
    sentAt: new Date(now).toISOString(),
  };
  const oldest = cases[0];
  return {
    message: {
      subject: subject(
        `Reminder: ${count} rollback-failure case${n === 1 ? '' : 's'} unresolved over ${input.olderThanHours}h`,
      ),
      messageJson: body(json, email),
      attributes: { notice_kind: 'reminder', case_state: 'open' },
    },
    notice: {
      kind: 'reminder',
      title: plain(
        `${count} rollback-failure case${n === 1 ? '' : 's'} unresolved for over ${input.olderThanHours} hours`,
      ),
      description: plain(
        [
          `${unacknowledged} not acknowledged.`,
          oldest
            ? `Oldest: ${oldest.key}, ${formatAge(caseAgeMs(oldest, now))} old (${oldest.facts.failureCode ?? 'no code'}).`
            : '',
        ]
          .filter(Boolean)
          .join('\n'),
      ),
      nextSteps,
      keywords: ['reminder', `${count} open`],
      threadId: `reminder-${new Date(now).toISOString().slice(0, 13)}`,
    },
  };
}

/** The announcement of an acknowledgement or resolution: short; its attributes carry the case key and new state. */
export function buildAnnouncement(c: Case): { message: TopicMessage; notice: Notice } {
  const state = c.state as Exclude<CaseState, 'open'>;
  const resolved = state === 'resolved';
  const by = (resolved ? c.resolvedBy : c.acknowledgedBy) ?? 'someone';
  const at = (resolved ? c.resolvedAt : c.acknowledgedAt) ?? c.updatedAt;
  const note = [...c.history].reverse().find((h) => h.action === (resolved ? 'resolved' : 'acknowledged'))?.note;
  const what = [c.facts.failureCode, c.facts.voucherCode ? `voucher ${c.facts.voucherCode}` : undefined]
    .filter(Boolean)
    .join(', ');
  const head = `Case ${c.key} ${state} by ${by}`;
  const email = [
    `${line(head, 400)}${what ? ` (${line(what, 200)})` : ''}.`,
    note ? `Note: ${line(note, 1000)}` : undefined,
    resolved
      ? 'Nothing more is owed on this case; a new failure of the same rollback reopens it.'
      : `Someone is on it. Close it with: ${CLI} resolve ${c.key} --note "what was done"`,
    '',
    `${line(at)} (message format ${CASE_MESSAGE_KIND[state]} v${CASE_MESSAGE_VERSION}).`,
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n');
  const json = {
    version: CASE_MESSAGE_VERSION,
    kind: CASE_MESSAGE_KIND[state],
    caseKey: c.key,
    state,
    by,
    at,
    ...(note ? { note } : {}),
    failureCode: c.facts.failureCode,
  };
  return {
    message: {
      subject: subject(`Case ${state}: ${c.key}`),
      messageJson: body(json, email),
      attributes: compactAttributes({
        notice_kind: state,
        case_key: attribute(c.key),
        case_state: state,
        failure_code: attribute(c.facts.failureCode),
      }),
    },
    notice: {
      kind: state,
      caseKey: c.key,
      title: plain(head),
      description: plain([note ? `Note: ${note}` : undefined, what || undefined].filter(Boolean).join('\n')),
      nextSteps: resolved ? [] : [`${CLI} resolve ${c.key} --note "what was done"`],
      keywords: [state, ...(c.facts.failureCode ? [plain(c.facts.failureCode)] : [])],
      threadId: caseThreadId(c.key),
    },
  };
}

/** The chat notice of a failure's alert (kind `alert`, or `reopened` when it reopened a resolved case). */
export function alertNotice(facts: AlertFacts): Notice {
  const key = facts.case?.key ?? facts.eventId;
  const reopened = facts.case?.reopened === true;
  const what = facts.voucher?.code ?? facts.promotionTier?.name ?? facts.redemption?.id;
  const customer = facts.customer?.sourceId ?? facts.customer?.id;
  const description = [
    `${facts.failure.code ?? 'unknown reason'}${facts.failure.message ? `: ${facts.failure.message}` : ''}`,
    customer ? `Customer ${customer}` : undefined,
    what ? `Voucher/redemption ${what}` : undefined,
    facts.campaign ? `Campaign ${facts.campaign.name ?? facts.campaign.id}` : undefined,
    facts.rollback?.amount !== undefined ? `Amount ${facts.rollback.amount} (smallest currency unit)` : undefined,
    reopened && facts.case?.previousResolution
      ? `Reopened: it had been resolved by ${facts.case.previousResolution.by}${facts.case.previousResolution.note ? ` (${facts.case.previousResolution.note})` : ''}`
      : undefined,
  ];
  return {
    kind: reopened ? 'reopened' : 'alert',
    caseKey: key,
    title: plain(
      `${reopened ? 'Reopened: ' : ''}Rollback failed: ${facts.failure.code ?? 'unknown reason'}${what ? ` - ${what}` : ''}`,
    ),
    description: plain(description.filter(Boolean).join('\n')),
    nextSteps: [facts.nextStep.text, `${CLI} ack ${key}`, `${CLI} resolve ${key} --note "what was done"`].map(plain),
    keywords: [facts.failure.code ?? 'rollback failed', ...(facts.campaign?.id ? [facts.campaign.id] : [])].map(plain),
    threadId: caseThreadId(key),
  };
}

/** Plain text for chat: invisible characters shown, control characters (but new lines) removed. */
function plain(text: string): string {
  return showInvisible(text)
    .replace(/[^\S\n]+/g, ' ')
    .replace(/[\p{Cc}](?<!\n)/gu, '')
    .trim();
}

function compactAttributes(values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out[name] = value;
  return out;
}
