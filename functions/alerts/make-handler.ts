import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromItem } from '../adapters/dynamodb-event-store';
import { fromStreamAttribute } from '../adapters/dynamodb-stream';
import { EVENTS_TABLE } from '../adapters/table';
import type { AlertInput, AlertOptions, AlertRecord } from '../core/alert-facts';
import { type AlertMessage, buildAlertMessage } from '../core/alert-message';
import { type AlertLedger, AlertPublishError, type AlertPublisher, errorSummary } from '../core/alert-ports';
import { decodeBody } from '../core/body-codec';
import { withFields } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { alertsBatchMetrics } from '../core/operational-metrics';
import type { Logger } from '../core/ports';
import { matchesAlertFilter } from './filter';

export interface AlertsDeps {
  readonly publisher: AlertPublisher;
  readonly ledger: AlertLedger;
  readonly logger: Logger;
  readonly options?: AlertOptions;
  readonly now?: () => number;
  /** Where the batch's metrics go (EMF on stdout in Lambda); none when absent. */
  readonly metrics?: Metrics;
}

/** What happened to one stream record. */
export type RecordOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'duplicate'; eventId: string; alertedAt: string }
  | { kind: 'published'; eventId: string; messageId: string; fallback: boolean };

/** A record without a sequence number cannot be reported alone; throwing makes Lambda retry (and split) the batch. */
export class UnidentifiableRecordError extends Error {
  override name = 'UnidentifiableRecordError';
}

type Item = Record<string, AttributeValue>;

/** What every log line about a record carries: the event's id, type and send-out id (never payload data). */
function recordContext(record: DynamoDBRecord): Record<string, string | undefined> {
  const image = record.dynamodb?.NewImage;
  return {
    eventId: record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S,
    eventType: image?.type?.S,
    sendoutId: image?.sendoutId?.S,
  };
}

/**
 * Reads a stream image leniently: an attribute that cannot be converted is dropped rather than failing the record,
 * so a damaged item still yields an alert from whatever it holds.
 */
function readImage(record: DynamoDBRecord): { stored: AlertRecord; envelope?: unknown; problem?: string } {
  const image = record.dynamodb?.NewImage ?? {};
  const item: Item = {};
  for (const [name, value] of Object.entries(image)) {
    try {
      item[name] = fromStreamAttribute(value);
    } catch {
      // dropped: see above
    }
  }
  let stored: ReturnType<typeof fromItem>;
  try {
    stored = fromItem(item);
  } catch {
    // Only the stored validation issues are parsed (JSON) by fromItem; without them the rest always reads.
    const { issues: _unreadable, ...rest } = item;
    stored = fromItem(rest);
  }
  const approximate = record.dynamodb?.ApproximateCreationDateTime;
  const alertRecord: AlertRecord = {
    ...stored,
    eventId:
      stored.eventId ??
      record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S ??
      `unknown (stream sequence ${record.dynamodb?.SequenceNumber ?? '?'})`,
    receivedAt:
      stored.receivedAt ?? (approximate === undefined ? 'unknown' : new Date(approximate * 1000).toISOString()),
  };
  try {
    if (stored.body.length === 0) return { stored: alertRecord, problem: 'the item holds no body' };
    const raw = decodeBody(stored.body, stored.bodyEncoding);
    return { stored: alertRecord, envelope: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (cause) {
    return { stored: alertRecord, problem: `the stored body could not be decoded: ${errorSummary(cause)}` };
  }
}

/**
 * Builds the alerts function: for each stream record, in order, skip what is not a new rollback failure, skip what
 * was already alerted, build the message, publish it, mark the item. Returns partial batch failures: the first record
 * that could not be published and every record after it, because Lambda resumes a shard from the lowest reported
 * sequence number and later records would be retried anyway. Except when the topic refuses a record's message as such
 * (even the minimal one): that record is reported alone and the others are still published now, so one poison record
 * neither holds them back nor takes them to the DLQ with it. Lambda still resumes at the poison; the records after it
 * are then duplicates (their marker is set), and the poison goes to the DLQ after the retry cap.
 *
 * Duplicates: a record published and marked is never published again (`alertedAt` is read first). The remaining
 * window is a crash, timeout or failed marker write between Publish succeeding and the marker landing; a retry of
 * that record then publishes a second alert. SNS standard topics have no deduplication to close it.
 */
export function makeAlertsHandler(
  deps: AlertsDeps,
): (event: DynamoDBStreamEvent, context?: { readonly awsRequestId?: string }) => Promise<DynamoDBBatchResponse> {
  const now = deps.now ?? Date.now;
  const { ledger, publisher } = deps;

  function build(input: AlertInput): { message: AlertMessage; fallback: boolean } {
    try {
      return { message: buildAlertMessage(input), fallback: input.envelope === undefined };
    } catch (cause) {
      // The builder reads an unvalidated payload; if it ever trips, an alert from the indexed fields still goes out.
      const reason = `the full alert could not be built: ${errorSummary(cause)}`;
      return { message: buildAlertMessage({ ...input, envelope: undefined, fallbackReason: reason }), fallback: true };
    }
  }

  async function processRecord(record: DynamoDBRecord, logger: Logger): Promise<RecordOutcome> {
    if (!matchesAlertFilter(record)) {
      return { kind: 'skipped', reason: `not a new rollback failure (${record.eventName ?? 'no event name'})` };
    }
    const { stored, envelope, problem } = readImage(record);
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
  }

  return async (event, context) => {
    const requestId = context?.awsRequestId;
    const batchLogger = withFields(deps.logger, { requestId });
    const batchItemFailures: { itemIdentifier: string }[] = [];
    const counts = { skipped: 0, duplicate: 0, published: 0, failed: 0 };
    const records = event.Records ?? [];
    for (const [index, record] of records.entries()) {
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      const logger = withFields(batchLogger, recordContext(record));
      try {
        const outcome = await processRecord(record, logger);
        counts[outcome.kind] += 1;
        logger.log(outcome.kind === 'skipped' ? 'debug' : 'info', `alert ${outcome.kind}`, {
          sequenceNumber,
          ...outcome,
          ...(outcome.kind === 'skipped' ? {} : { status: record.dynamodb?.NewImage?.status?.S }),
        });
      } catch (cause) {
        if (cause instanceof AlertPublishError && cause.rejected) {
          const id = record.dynamodb?.SequenceNumber;
          if (!id) throw new UnidentifiableRecordError('a stream record has no sequence number', { cause });
          counts.failed += 1;
          logger.log('error', 'alert refused by the topic, even the minimal one; reporting it and going on', {
            sequenceNumber,
            eventId: record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S,
            error: errorSummary(cause),
          });
          batchItemFailures.push({ itemIdentifier: id });
          continue;
        }
        const rest = records.slice(index);
        counts.failed += rest.length;
        logger.log('error', 'alert not published; reporting it and the records after it for retry', {
          sequenceNumber,
          eventId: record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S,
          retried: rest.length,
          error: errorSummary(cause),
        });
        for (const failed of rest) {
          const id = failed.dynamodb?.SequenceNumber;
          if (!id) throw new UnidentifiableRecordError('a stream record has no sequence number', { cause });
          batchItemFailures.push({ itemIdentifier: id });
        }
        break;
      }
    }
    batchLogger.log('info', 'alerts batch done', { records: records.length, ...counts });
    try {
      deps.metrics?.record(alertsBatchMetrics(counts, requestId));
    } catch (cause) {
      // The batch is done and its failures reported: a metrics bug must not fail (and so repeat) it.
      batchLogger.log('error', 'metrics not recorded', { error: errorSummary(cause) });
    }
    return { batchItemFailures };
  };
}
