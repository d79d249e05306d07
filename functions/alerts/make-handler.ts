import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { readAlertImage } from '../adapters/dynamodb-stream';
import { EVENTS_TABLE } from '../adapters/table';
import { type AlertOutcome, makeAlertEvent } from '../core/alerts/alert-event';
import type { AlertOptions } from '../core/alerts/facts';
import { type AlertLedger, AlertPublishError, type AlertPublisher } from '../core/alerts/ports';
import { errorSummary } from '../core/shared/errors';
import { withFields } from '../core/shared/logger';
import type { Metrics } from '../core/shared/metrics';
import { alertsBatchMetrics } from '../core/shared/operational-metrics';
import type { Logger } from '../core/shared/ports';
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

/** What happened to one stream record: skipped by the filter, or what the core did with its event. */
export type RecordOutcome = { kind: 'skipped'; reason: string } | AlertOutcome;

/** A record without a sequence number cannot be reported alone; throwing makes Lambda retry (and split) the batch. */
export class UnidentifiableRecordError extends Error {
  override name = 'UnidentifiableRecordError';
}

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

  const alertEvent = makeAlertEvent({ publisher, ledger, now, ...(deps.options ? { options: deps.options } : {}) });

  async function processRecord(record: DynamoDBRecord, logger: Logger): Promise<RecordOutcome> {
    if (!matchesAlertFilter(record)) {
      return { kind: 'skipped', reason: `not a new rollback failure (${record.eventName ?? 'no event name'})` };
    }
    return alertEvent(await readAlertImage(record), logger);
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
