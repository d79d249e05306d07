import { errorSummary } from '../shared/errors';
import type { Logger } from '../shared/ports';
import type { AlertInput, AlertOptions, AlertRecord } from './facts';
import { type AlertMessage, buildAlertMessage } from './message';
import { type AlertLedger, AlertPublishError, type AlertPublisher } from './ports';

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
}

/** What the alerts function did with one rollback failure. */
export type AlertOutcome =
  | { kind: 'duplicate'; eventId: string; alertedAt: string }
  | { kind: 'published'; eventId: string; messageId: string; fallback: boolean };

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

    const input: AlertInput = {
      record: stored,
      envelope,
      ...(problem ? { fallbackReason: problem } : {}),
      now: now(),
      ...(deps.options ? { options: deps.options } : {}),
    };
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

    try {
      await ledger.markAlerted(eventId, { at: new Date(now()).toISOString(), messageId });
    } catch (cause) {
      // The alert is out. Failing the record now would guarantee the duplicate the marker exists to prevent, so the
      // record counts as done; only a later replay of it (not a retry of this batch) could alert again.
      logger.log('error', 'alert published but its marker was not written', {
        eventId,
        messageId,
        error: errorSummary(cause),
      });
    }
    return { kind: 'published', eventId, messageId, fallback };
  };
}
