import { caseKeyOf } from '../functions/core/alerts/cases';
import { ROLLBACK_FAILED_TYPE } from '../functions/core/alerts/facts';
import { buildAlertMessage } from '../functions/core/alerts/message';
import type { AlertPublisher, CaseStore } from '../functions/core/alerts/ports';
import {
  type ValidationIssue,
  type Validators,
  validateEvent,
  validatorsAheadOfTime,
} from '../functions/core/ingest/validation';
import { decodeBody } from '../functions/core/shared/body-codec';
import type { EventStatus } from '../functions/core/shared/event-record';
import { AlertSendError, EventNotFoundError } from './errors';
import type { EventsRepository, StoredEvent } from './repository';

/** What replaying one event did (or, with `dryRun`, would do). */
export interface ReplayResult {
  readonly eventId: string;
  readonly type?: string;
  readonly before: EventStatus;
  readonly after: EventStatus;
  /**
   * - `promoted`: it passes today's schemas and was QUARANTINED; now ACCEPTED.
   * - `would promote`: the same, in a dry run.
   * - `promoted meanwhile`: it passed, but another replay promoted it first (nothing written).
   * - `still invalid`: it still fails; it stays QUARANTINED (nothing written). `issues` says why.
   * - `already accepted`: nothing to do (`issues` is set if today's schemas would refuse it; it is not demoted).
   */
  readonly action: 'promoted' | 'would promote' | 'promoted meanwhile' | 'still invalid' | 'already accepted';
  readonly issues?: readonly ValidationIssue[];
  /** Only when the alert was asked for. */
  readonly alert?: ReplayAlert;
}

export type ReplayAlert =
  | {
      readonly result: 'sent';
      readonly messageId: string;
      readonly note?: string;
      /** With --force: an alert for the event had already been published at this time; this one is a re-send. */
      readonly resentAfter?: string;
    }
  | { readonly result: 'would send'; readonly resentAfter?: string }
  | {
      readonly result: 'already sent';
      readonly at: string;
      /** Who published it: the alerts function (from the table's stream) or an earlier `replay --alert`. */
      readonly by: 'alerts function' | 'replay' | 'case';
    }
  | { readonly result: 'not sent'; readonly reason: string };

export interface ReplayOptions {
  readonly dryRun: boolean;
  /** Send the alert of a rollback failure that ends ACCEPTED, once per event. */
  readonly alert: boolean;
  /** Send it even when an alert for the event was already published (the result says it is a re-send). */
  readonly force?: boolean;
}

export interface ReplayDeps {
  readonly repository: Pick<EventsRepository, 'get' | 'promote' | 'markReplayAlerted'>;
  /** The schemas to validate with: today's (the generated validators) unless a test swaps them. */
  readonly validators?: Validators;
  /** Needed only when an alert is to be sent. */
  readonly publisher?: AlertPublisher;
  /** The cases: a rollback failure whose case was already told (alert or digest) is not alerted again. */
  readonly cases?: Pick<CaseStore, 'get'>;
  readonly now: () => number;
}

/** The stored body, parsed, with the result of today's schemas. */
export function revalidate(stored: StoredEvent, validators: Validators = validatorsAheadOfTime) {
  const raw = decodeBody(stored.record.body, stored.record.bodyEncoding);
  let envelope: unknown;
  try {
    envelope = JSON.parse(raw.toString('utf8'));
  } catch {
    return { envelope: undefined, issues: [{ pointer: '/', message: 'the body is not valid JSON' }] };
  }
  const result = validateEvent(envelope, validators);
  return { envelope, issues: result.ok ? undefined : result.issues };
}

/**
 * Re-runs validation on one stored event's raw body with today's schemas and promotes it if it now passes; then, when
 * asked, sends its rollback-failure alert through the alerts code path (the same message builder and SNS publisher).
 * Idempotent: the promotion is conditional on the item still being QUARANTINED, and the alert is sent once per event
 * (a marker on the item).
 */
export async function replayEvent(eventId: string, options: ReplayOptions, deps: ReplayDeps): Promise<ReplayResult> {
  const stored = await deps.repository.get(eventId);
  if (!stored) throw new EventNotFoundError(`no event with id "${eventId}" in the table`);
  const { record } = stored;
  const { envelope, issues } = revalidate(stored, deps.validators);

  let result: ReplayResult;
  if (record.status === 'ACCEPTED') {
    result = {
      eventId,
      before: 'ACCEPTED',
      after: 'ACCEPTED',
      action: 'already accepted',
      ...(issues ? { issues } : {}),
    };
  } else if (issues) {
    result = { eventId, before: 'QUARANTINED', after: 'QUARANTINED', action: 'still invalid', issues };
  } else if (options.dryRun) {
    result = { eventId, before: 'QUARANTINED', after: 'ACCEPTED', action: 'would promote' };
  } else {
    const at = new Date(deps.now()).toISOString();
    const promoted = await deps.repository.promote(eventId, at);
    result = {
      eventId,
      before: 'QUARANTINED',
      after: 'ACCEPTED',
      action: promoted === 'promoted' ? 'promoted' : 'promoted meanwhile',
    };
  }
  result = { ...result, ...(record.type ? { type: record.type } : {}) };
  if (!options.alert) return result;
  return { ...result, alert: await sendAlert(stored, envelope, result, options, deps) };
}

async function sendAlert(
  stored: StoredEvent,
  envelope: unknown,
  result: ReplayResult,
  options: ReplayOptions,
  deps: ReplayDeps,
): Promise<ReplayAlert> {
  const { record } = stored;
  if (record.type !== ROLLBACK_FAILED_TYPE) return { result: 'not sent', reason: `not a ${ROLLBACK_FAILED_TYPE}` };
  // Its unvalidated alert went out when it was stored; sending it again would say nothing new.
  if (result.after !== 'ACCEPTED') return { result: 'not sent', reason: 'still quarantined' };
  // Either marker means an alert for this event reached the topic: the alerts function's (set when it published from
  // the stream, including the unvalidated alert of a quarantined event) or an earlier replay's. Once is enough unless
  // the operator insists.
  const previous = stored.replayAlertedAt
    ? { at: stored.replayAlertedAt, by: 'replay' as const }
    : stored.alertedAt
      ? { at: stored.alertedAt, by: 'alerts function' as const }
      : undefined;
  if (previous && !options.force) return { result: 'already sent', ...previous };
  // One case, one alert: the event's case (its rollback) was told already, by its own alert or a burst digest.
  let caseTold: { at: string; key: string } | undefined;
  if (!previous) {
    const key = caseKeyOf({
      eventId: record.eventId,
      ...(record.rollbackId ? { rollback: { id: record.rollbackId } } : {}),
    });
    const told = (await deps.cases?.get(key))?.notice;
    if (told && !options.force)
      return told.alertedAt
        ? { result: 'already sent', at: told.alertedAt, by: 'case' }
        : { result: 'not sent', reason: `its case ${key} was told in the digest of window ${told.window}` };
    if (told) caseTold = { at: told.alertedAt ?? told.window, key };
  }
  const firstSentAt = previous?.at ?? caseTold?.at;
  const resend = firstSentAt ? { resentAfter: firstSentAt } : {};
  if (options.dryRun) return { result: 'would send', ...resend };
  if (!deps.publisher) throw new AlertSendError('no alert topic to send to: pass --topic-arn or set ALERT_TOPIC_ARN');

  const now = deps.now();
  const message = buildAlertMessage({
    // As it is now: ACCEPTED, so the alert is not flagged as unvalidated.
    record: { ...record, status: 'ACCEPTED', issues: undefined },
    envelope,
    now,
  });
  let messageId: string;
  try {
    ({ messageId } = await deps.publisher.publish(message));
  } catch (cause) {
    throw new AlertSendError(`the alert for ${record.eventId} was not sent: ${describe(cause)}`, { cause });
  }
  const marked = await deps.repository.markReplayAlerted(
    record.eventId,
    { at: new Date(now).toISOString(), messageId },
    { overwrite: previous !== undefined },
  );
  if (marked === 'marked') return { result: 'sent', messageId, ...resend };
  // A replay running at the same moment sent it too: SNS standard topics have no deduplication to prevent that.
  return { result: 'sent', messageId, ...resend, note: 'another replay sent it at the same moment' };
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? ` (${cause.cause.name}: ${cause.cause.message})` : '';
  return `${cause.message}${inner}`;
}
