import { createHash } from 'node:crypto';
import { clip } from '../shared/payload';
import { stripInvisible } from '../shared/visible-text';
import type { AlertFacts } from './facts';

/**
 * A rollback failure as people work it: one case per rollback (its id, or the event id when the event names none),
 * however many events carry it. Pure: the decisions here take a case as read and return the case to write; the store
 * (functions/adapters/dynamodb-case-store.ts) writes it only if nobody changed it meanwhile (the `version`).
 */
export type CaseState = 'open' | 'acknowledged' | 'resolved';
export const CASE_STATES: readonly CaseState[] = ['open', 'acknowledged', 'resolved'];
/** The states a case is still owed work in: `cases --open`, the reminder and the metrics cover these. */
export const UNRESOLVED_STATES: readonly CaseState[] = ['open', 'acknowledged'];

export type CaseAction = 'opened' | 'linked' | 'acknowledged' | 'resolved' | 'reopened';

/** One line of a case's history: who did what, when, why, and which event caused it. */
export interface CaseHistoryEntry {
  readonly at: string;
  readonly action: CaseAction;
  /** An operator (ack, resolve) or `alerts` (the function, for opened / linked / reopened). */
  readonly by: string;
  readonly note?: string;
  readonly eventId?: string;
}

/**
 * What the operator needs to act, and nothing more: never the customer's name, email, phone or address. These are the
 * fields an erasure must clear (docs/alerts.md lists their attribute names).
 */
export interface CaseFacts {
  readonly failureCode?: string;
  readonly failureMessage?: string;
  readonly customerId?: string;
  readonly customerSourceId?: string;
  readonly voucherCode?: string;
  readonly campaignId?: string;
  readonly campaignName?: string;
  /** The rollback's amount (smallest currency unit), else the redemption's. */
  readonly amount?: number;
  readonly redemptionId?: string;
}

/** How the current opening of a case was told: by its own alert, or in the digest of a burst window. */
export interface CaseNotice {
  /** The opening it belongs to (1 for the first, 2 after the first reopen...). */
  readonly opening: number;
  readonly via: 'alert' | 'digest';
  /** The burst window (its start, ISO 8601) the opening fell in. */
  readonly window: string;
  /** When the alert was accepted by the topic (only `via: alert`). */
  readonly alertedAt?: string;
  readonly messageId?: string;
}

export interface Case {
  readonly key: string;
  readonly state: CaseState;
  /** Bumped by every write; a write succeeds only if the version it read is still there. */
  readonly version: number;
  /** When the current opening began (the first event, or the reopening one). */
  readonly openedAt: string;
  readonly firstOpenedAt: string;
  readonly updatedAt: string;
  /** 1, plus one per reopening. */
  readonly openings: number;
  /** The event that opened (or reopened) the current opening. */
  readonly openingEventId: string;
  /** The events linked to the case, first first; at most {@link MAX_LINKED_EVENT_IDS} kept, `eventCount` counts all. */
  readonly eventIds: readonly string[];
  readonly eventCount: number;
  readonly facts: CaseFacts;
  readonly acknowledgedBy?: string;
  readonly acknowledgedAt?: string;
  readonly resolvedBy?: string;
  readonly resolvedAt?: string;
  readonly notice?: CaseNotice;
  /** A change of state the alerts function has yet to announce on the topic (set by ack / resolve). */
  readonly pendingAnnouncement?: 'acknowledged' | 'resolved';
  readonly history: readonly CaseHistoryEntry[];
  /** Set when a customer's data was erased from the case (`erase`): the customer ids and the notes are gone. */
  readonly erased?: { readonly at: string; readonly erasureId: string };
}

/** Keeps an item of a case far below DynamoDB's 400 KB however many times one rollback is re-sent. */
export const MAX_LINKED_EVENT_IDS = 50;
export const MAX_HISTORY_ENTRIES = 100;
export const MAX_NOTE_LENGTH = 1000;

/** The one key of a case: `data.redemption_rollback.id`, or the event id when there is none. */
export function caseKeyOf(facts: Pick<AlertFacts, 'rollback' | 'eventId'>): string {
  const id = clip(facts.rollback?.id, 256);
  const clean =
    id === undefined
      ? undefined
      : stripInvisible(id)
          .replace(/\p{Cc}/gu, '')
          .trim();
  return clean ? clean : facts.eventId;
}

/** A stable chat thread id for a case (the key hashed: keys may hold characters a thread id should not). */
export function caseThreadId(key: string): string {
  return `case-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** The facts a case keeps, from an alert's facts (no name, no email: see {@link CaseFacts}). */
export function caseFactsOf(facts: AlertFacts): CaseFacts {
  const amount = facts.rollback?.amount ?? facts.redemption?.amount;
  const picked: Record<string, string | number | undefined> = {
    failureCode: facts.failure.code,
    failureMessage: facts.failure.message,
    customerId: facts.customer?.id,
    customerSourceId: facts.customer?.sourceId,
    voucherCode: facts.voucher?.code,
    campaignId: facts.campaign?.id,
    campaignName: facts.campaign?.name,
    amount,
    redemptionId: facts.redemption?.id,
  };
  for (const name of Object.keys(picked)) if (picked[name] === undefined) delete picked[name];
  return picked as CaseFacts;
}

/** What a new rollback-failure event does to its case. */
export type FailureDecision =
  /** No case yet: this event opens it. */
  | { readonly kind: 'open'; readonly next: Case }
  /** The case was resolved: this event reopens it (and alerts again, saying so). */
  | { readonly kind: 'reopen'; readonly next: Case; readonly previous: Case }
  /** The case is open or acknowledged: the event is linked, nobody is alerted again. */
  | { readonly kind: 'link'; readonly next: Case }
  /** The event is linked already (a stream retry, or a replay of the same record). */
  | { readonly kind: 'already'; readonly current: Case };

const FUNCTION_ACTOR = 'alerts';

function withHistory(history: readonly CaseHistoryEntry[], entry: CaseHistoryEntry): CaseHistoryEntry[] {
  const all = [...history, entry];
  // The first entry (who opened it) and the latest ones are what a person reads.
  return all.length <= MAX_HISTORY_ENTRIES
    ? all
    : [all[0] as CaseHistoryEntry, ...all.slice(-(MAX_HISTORY_ENTRIES - 1))];
}

function withEvent(c: Case, eventId: string): Pick<Case, 'eventIds' | 'eventCount'> {
  return {
    eventIds: c.eventIds.length < MAX_LINKED_EVENT_IDS ? [...c.eventIds, eventId] : c.eventIds,
    eventCount: c.eventCount + 1,
  };
}

/**
 * The decision for one rollback-failure event, given its case as read (or none). `at` is when the alerts function
 * handles it. An event already linked is `already` even if the case was resolved since: it is the same failure.
 */
export function decideOnFailure(
  current: Case | undefined,
  event: { readonly key: string; readonly eventId: string; readonly facts: CaseFacts; readonly at: string },
): FailureDecision {
  const { key, eventId, facts, at } = event;
  if (!current) {
    return {
      kind: 'open',
      next: {
        key,
        state: 'open',
        version: 1,
        openedAt: at,
        firstOpenedAt: at,
        updatedAt: at,
        openings: 1,
        openingEventId: eventId,
        eventIds: [eventId],
        eventCount: 1,
        facts,
        history: [{ at, action: 'opened', by: FUNCTION_ACTOR, eventId }],
      },
    };
  }
  if (current.eventIds.includes(eventId) || current.openingEventId === eventId) return { kind: 'already', current };
  if (current.state === 'resolved') {
    const {
      acknowledgedAt: _a,
      acknowledgedBy: _b,
      resolvedAt: _c,
      resolvedBy: _d,
      notice: _n,
      pendingAnnouncement: _p,
      ...rest
    } = current;
    return {
      kind: 'reopen',
      previous: current,
      next: {
        ...rest,
        ...withEvent(current, eventId),
        state: 'open',
        version: current.version + 1,
        openedAt: at,
        updatedAt: at,
        openings: current.openings + 1,
        openingEventId: eventId,
        // The newest failure's facts: they are what the reopen alert is about.
        facts: { ...current.facts, ...facts },
        history: withHistory(current.history, { at, action: 'reopened', by: FUNCTION_ACTOR, eventId }),
      },
    };
  }
  return {
    kind: 'link',
    next: {
      ...current,
      ...withEvent(current, eventId),
      version: current.version + 1,
      updatedAt: at,
      history: withHistory(current.history, { at, action: 'linked', by: FUNCTION_ACTOR, eventId }),
    },
  };
}

/** A case move asked by a person (`ack`, `resolve`) that the case's state does not allow. */
export class CaseTransitionError extends Error {
  override name = 'CaseTransitionError';
}

/** A note as stored: visible characters, one paragraph, bounded. */
export function cleanNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined;
  const text = stripInvisible(note)
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .trim();
  if (text === '') return undefined;
  return text.length > MAX_NOTE_LENGTH ? `${text.slice(0, MAX_NOTE_LENGTH - 1)}…` : text;
}

/**
 * `ack` or `resolve` applied to a case as read. Acknowledging a case acknowledged already, or resolving one resolved,
 * is refused (nothing to do, said plainly); acknowledging a resolved case is refused too (it is closed; a new failure
 * reopens it). A resolution needs a note: what was done for the customer.
 */
export function applyOperatorAction(
  current: Case,
  action: {
    readonly kind: 'acknowledge' | 'resolve';
    readonly by: string;
    readonly note?: string;
    readonly at: string;
  },
): Case {
  const note = cleanNote(action.note);
  if (action.kind === 'acknowledge') {
    if (current.state === 'acknowledged')
      throw new CaseTransitionError(
        `case ${current.key} is already acknowledged (by ${current.acknowledgedBy ?? '?'} at ${current.acknowledgedAt ?? '?'})`,
      );
    if (current.state === 'resolved')
      throw new CaseTransitionError(
        `case ${current.key} is resolved (by ${current.resolvedBy ?? '?'} at ${current.resolvedAt ?? '?'}); nothing to acknowledge`,
      );
    return {
      ...current,
      state: 'acknowledged',
      version: current.version + 1,
      updatedAt: action.at,
      acknowledgedBy: action.by,
      acknowledgedAt: action.at,
      pendingAnnouncement: 'acknowledged',
      history: withHistory(current.history, {
        at: action.at,
        action: 'acknowledged',
        by: action.by,
        ...(note ? { note } : {}),
      }),
    };
  }
  if (!note) throw new CaseTransitionError('a resolution needs a note: say what was done (--note "…")');
  if (current.state === 'resolved')
    throw new CaseTransitionError(
      `case ${current.key} is already resolved (by ${current.resolvedBy ?? '?'} at ${current.resolvedAt ?? '?'})`,
    );
  return {
    ...current,
    state: 'resolved',
    version: current.version + 1,
    updatedAt: action.at,
    resolvedBy: action.by,
    resolvedAt: action.at,
    pendingAnnouncement: 'resolved',
    history: withHistory(current.history, { at: action.at, action: 'resolved', by: action.by, note }),
  };
}

/** The note of the latest resolution (said in a reopen alert and in `show`). */
export function lastResolution(c: Case): CaseHistoryEntry | undefined {
  return [...c.history].reverse().find((entry) => entry.action === 'resolved');
}

/** Milliseconds since the current opening, at `now`. */
export function caseAgeMs(c: Pick<Case, 'openedAt'>, now: number): number {
  const opened = Date.parse(c.openedAt);
  return Number.isNaN(opened) ? 0 : Math.max(0, now - opened);
}

/** `3d 4h`, `2h 5m`, `40s`: an age as a person reads it. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}
