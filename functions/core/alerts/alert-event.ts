import { errorSummary } from '../shared/errors';
import type { Logger } from '../shared/ports';
import { alertNotice } from './case-messages';
import { burstWindowStart, type CaseSettings, DEFAULT_CASE_SETTINGS } from './case-settings';
import { type Case, type CaseNotice, caseFactsOf, caseKeyOf, decideOnFailure, lastResolution } from './cases';
import type { AlertCaseInfo, AlertInput, AlertOptions, AlertRecord } from './facts';
import { type AlertMessage, buildAlertMessage } from './message';
import type { NoticePublisher } from './notice';
import { type AlertLedger, AlertPublishError, type AlertPublisher, type CaseStore, CaseStoreError } from './ports';
import { publishNotice } from './send-notice';

/** A stored rollback failure as the alerts function read it (from a stream image, by an adapter). */
export interface StoredAlertEvent {
  readonly stored: AlertRecord;
  /** The parsed webhook body; absent when it could not be decoded (then `problem` says why). */
  readonly envelope?: unknown;
  readonly problem?: string;
}

export interface AlertEventDeps {
  readonly publisher: AlertPublisher;
  readonly ledger: AlertLedger;
  readonly options?: AlertOptions;
  readonly now: () => number;
  /**
   * Cases: one per rollback, one alert per opening, a burst limit. Without it (older tests, tools) every event is
   * alerted on its own, as before cases existed.
   */
  readonly cases?: {
    readonly store: CaseStore;
    readonly settings?: CaseSettings;
  };
  /** Chat: every alert is also handed over as a {@link Notice}. Absent: no chat. */
  readonly notices?: NoticePublisher;
}

/** What the alerts function did with one rollback failure. */
export type AlertOutcome =
  | { kind: 'duplicate'; eventId: string; alertedAt: string; caseKey?: string }
  | { kind: 'published'; eventId: string; messageId: string; fallback: boolean; caseKey?: string; reopened?: boolean }
  /** Linked to its open (or acknowledged) case: nobody is mailed again. */
  | { kind: 'linked'; eventId: string; caseKey: string; state: string }
  /** The case was opened past the burst limit: it goes out in the window's digest. */
  | { kind: 'digested'; eventId: string; caseKey: string; window: string; reopened: boolean };

/** How many times a case write is re-read and re-decided when someone else wrote first. */
const CASE_WRITE_ATTEMPTS = 8;

/**
 * Reads a case, applies `change`, writes it over the version read; on a conflict (someone wrote between), reads again
 * and re-applies. `change` returns undefined when there is nothing (left) to write.
 */
export async function updateCase(
  store: CaseStore,
  key: string,
  change: (current: Case | undefined) => Case | undefined,
): Promise<Case | undefined> {
  for (let attempt = 0; attempt < CASE_WRITE_ATTEMPTS; attempt += 1) {
    const current = await store.get(key);
    const next = change(current);
    if (!next) return current;
    if ((await store.put(next, current?.version ?? 0)) === 'written') return next;
  }
  throw new CaseStoreError(`case ${key} kept changing under ${CASE_WRITE_ATTEMPTS} attempts to update it`);
}

/**
 * The alerts function's decision for one rollback failure, as ingest's is for one delivery: skip it if it was already
 * alerted, build the message (the minimal one from the indexed fields if the full one cannot be built or the topic
 * refuses it), publish it, mark the item. Throws what the batch must retry (a failed publish); the handler
 * (functions/alerts/make-handler.ts) turns that into partial batch failures.
 */
export function makeAlertEvent(
  deps: AlertEventDeps,
): (event: StoredAlertEvent, logger: Logger) => Promise<AlertOutcome> {
  const { ledger, publisher, now } = deps;

  function build(input: AlertInput): { message: AlertMessage; fallback: boolean } {
    try {
      return { message: buildAlertMessage(input), fallback: input.envelope === undefined };
    } catch (cause) {
      // The builder reads an unvalidated payload; if it ever trips, an alert from the indexed fields still goes out.
      const reason = `the full alert could not be built: ${errorSummary(cause)}`;
      return { message: buildAlertMessage({ ...input, envelope: undefined, fallbackReason: reason }), fallback: true };
    }
  }

  return async ({ stored, envelope, problem }, logger) => {
    const eventId = stored.eventId;

    let alertedAt: string | undefined;
    try {
      alertedAt = await ledger.alertedAt(eventId);
    } catch (cause) {
      // Not knowing is no reason to stay silent: a possible duplicate beats a lost alert.
      logger.log('warn', 'alert marker unreadable; publishing anyway', { eventId, error: errorSummary(cause) });
    }
    if (alertedAt) return { kind: 'duplicate', eventId, alertedAt };

    let input: AlertInput = {
      record: stored,
      envelope,
      ...(problem ? { fallbackReason: problem } : {}),
      now: now(),
      ...(deps.options ? { options: deps.options } : {}),
    };
    let opening: { key: string; case: Case; notice: CaseNotice } | undefined;
    if (deps.cases) {
      const decided = await caseOf(deps.cases, input, logger);
      if (decided.kind !== 'alert') return decided.outcome;
      opening = decided;
      input = { ...input, case: decided.info };
    }
    let { message, fallback } = build(input);
    let messageId: string;
    try {
      ({ messageId } = await publisher.publish(message));
    } catch (cause) {
      if (!(cause instanceof AlertPublishError && cause.rejected && !fallback)) throw cause;
      // SNS refused this message as such (not a transient failure): the same bytes would be refused on every retry
      // until the record expires. Send the minimal alert from the indexed fields instead.
      logger.log('warn', 'full alert refused by the topic; sending the minimal alert', {
        eventId,
        error: errorSummary(cause),
      });
      message = buildAlertMessage({ ...input, envelope: undefined, fallbackReason: 'SNS refused the full alert' });
      fallback = true;
      ({ messageId } = await publisher.publish(message));
    }

    await publishNotice(deps.notices, alertNotice(message.facts), logger);
    const at = new Date(now()).toISOString();
    if (deps.cases && opening) {
      const { key, notice } = opening;
      try {
        await updateCase(deps.cases.store, key, (current) =>
          current?.notice?.opening === notice.opening && !current.notice.alertedAt
            ? { ...current, version: current.version + 1, notice: { ...current.notice, alertedAt: at, messageId } }
            : undefined,
        );
      } catch (cause) {
        // As with the event's marker below: the alert is out; a retry would send it again, which is worse.
        logger.log('error', 'alert published but not marked on its case', {
          eventId,
          caseKey: key,
          error: errorSummary(cause),
        });
      }
    }
    try {
      await ledger.markAlerted(eventId, { at, messageId });
    } catch (cause) {
      // The alert is out. Failing the record now would guarantee the duplicate the marker exists to prevent, so the
      // record counts as done; only a later replay of it (not a retry of this batch) could alert again.
      logger.log('error', 'alert published but its marker was not written', {
        eventId,
        messageId,
        error: errorSummary(cause),
      });
    }
    return {
      kind: 'published',
      eventId,
      messageId,
      fallback,
      ...(opening ? { caseKey: opening.key, reopened: opening.notice.opening > 1 } : {}),
    };
  };

  /**
   * The case step: link the event to its case (opening or reopening it), and for an opening decide between an alert
   * of its own and the window's digest. Each step is recorded on the case before the next, so a retry of the record
   * resumes where it stopped instead of alerting or counting twice.
   */
  async function caseOf(
    cases: NonNullable<AlertEventDeps['cases']>,
    input: AlertInput,
    logger: Logger,
  ): Promise<
    | { kind: 'alert'; key: string; case: Case; notice: CaseNotice; info: AlertCaseInfo }
    | { kind: 'done'; outcome: AlertOutcome }
  > {
    const { store } = cases;
    const settings = cases.settings ?? DEFAULT_CASE_SETTINGS;
    const eventId = input.record.eventId;
    // The facts as the alert reads them (the rollback id from the body, else the lifted field).
    const facts = build(input).message.facts;
    const key = caseKeyOf(facts);
    const at = new Date(input.now).toISOString();
    let decision: ReturnType<typeof decideOnFailure> | undefined;
    const written = await updateCase(store, key, (current) => {
      decision = decideOnFailure(current, { key, eventId, facts: caseFactsOf(facts), at });
      return decision.kind === 'already' ? undefined : decision.next;
    });
    if (!decision || !written) throw new CaseStoreError(`case ${key} could not be written`);
    if (decision.kind === 'link' || (decision.kind === 'already' && written.openingEventId !== eventId)) {
      logger.log('info', 'case linked', { eventId, caseKey: key, state: written.state, events: written.eventCount });
      return { kind: 'done', outcome: { kind: 'linked', eventId, caseKey: key, state: written.state } };
    }
    const reopened = written.openings > 1;
    if (decision.kind !== 'already')
      logger.log('info', reopened ? 'case reopened' : 'case opened', {
        eventId,
        caseKey: key,
        opening: written.openings,
      });

    // The opening's notice: an alert of its own while the window has slots left, else the window's digest.
    let c = written;
    let notice = c.notice?.opening === c.openings ? c.notice : undefined;
    if (!notice) {
      const window = burstWindowStart(input.now, settings.burstWindowMinutes);
      const granted = await store.claimAlertSlot(window, settings.burstLimit);
      const chosen: CaseNotice = { opening: c.openings, via: granted ? 'alert' : 'digest', window };
      const updated = await updateCase(store, key, (current) =>
        current && current.openings === chosen.opening && current.notice?.opening !== chosen.opening
          ? { ...current, version: current.version + 1, notice: chosen }
          : undefined,
      );
      c = updated ?? c;
      notice = c.notice?.opening === c.openings ? c.notice : chosen;
      if (notice === chosen && !granted) await store.addToDigest(window);
    }
    if (notice.via === 'digest') {
      logger.log('info', 'case put in the digest', { eventId, caseKey: key, window: notice.window });
      return { kind: 'done', outcome: { kind: 'digested', eventId, caseKey: key, window: notice.window, reopened } };
    }
    if (notice.alertedAt)
      return { kind: 'done', outcome: { kind: 'duplicate', eventId, alertedAt: notice.alertedAt, caseKey: key } };
    const resolution = reopened ? lastResolution(c) : undefined;
    return {
      kind: 'alert',
      key,
      case: c,
      notice,
      info: {
        key,
        state: 'open',
        opening: c.openings,
        ...(resolution
          ? {
              previousResolution: {
                at: resolution.at,
                by: resolution.by,
                ...(resolution.note ? { note: resolution.note } : {}),
              },
            }
          : {}),
      },
    };
  }
}
