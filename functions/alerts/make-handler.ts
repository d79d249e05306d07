import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { readAlertImage } from '../adapters/dynamodb-stream';
import { EVENTS_TABLE } from '../adapters/table';
import { type AlertOutcome, makeAlertEvent, updateCase } from '../core/alerts/alert-event';
import { buildAnnouncement } from '../core/alerts/case-messages';
import type { CaseSettings } from '../core/alerts/case-settings';
import type { AlertOptions } from '../core/alerts/facts';
import type { NoticePublisher } from '../core/alerts/notice';
import { type AlertLedger, AlertPublishError, type AlertPublisher, type CaseStore } from '../core/alerts/ports';
import { publishNotice } from '../core/alerts/send-notice';
import { errorSummary } from '../core/shared/errors';
import { withFields } from '../core/shared/logger';
import type { Metrics } from '../core/shared/metrics';
import { alertsBatchMetrics } from '../core/shared/operational-metrics';
import type { Logger } from '../core/shared/ports';
import { matchesAlertFilter, matchesAnnouncementFilter } from './filter';

export interface AlertsDeps {
  readonly publisher: AlertPublisher;
  readonly ledger: AlertLedger;
  readonly logger: Logger;
  readonly options?: AlertOptions;
  readonly now?: () => number;
  /** Where the batch's metrics go (EMF on stdout in Lambda); none when absent. */
  readonly metrics?: Metrics;
  /** Cases (one per rollback, burst limit, announcements); absent: one alert per event, as before cases. */
  readonly cases?: { readonly store: CaseStore; readonly settings?: CaseSettings };
  /** Chat; absent: none. */
  readonly notices?: NoticePublisher;
}

/** What happened to one stream record: skipped by the filter, or what the core did with its event or case. */
export type RecordOutcome =
  | { kind: 'skipped'; reason: string }
  | AlertOutcome
  | { kind: 'announced'; caseKey: string; state: string; messageId: string };

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

  const alertEvent = makeAlertEvent({
    publisher,
    ledger,
    now,
    ...(deps.options ? { options: deps.options } : {}),
    ...(deps.cases ? { cases: deps.cases } : {}),
    ...(deps.notices ? { notices: deps.notices } : {}),
  });

  /**
   * A case's acknowledgement or resolution, announced once: the case as it is now (not the record's image) says what is
   * pending; after publishing, the pending mark is cleared over the version announced. A newer change made meanwhile
   * keeps its own mark and is announced by its own record.
   */
  async function announce(record: DynamoDBRecord, logger: Logger): Promise<RecordOutcome> {
    const key = record.dynamodb?.NewImage?.caseKey?.S;
    if (!deps.cases || !key) return { kind: 'skipped', reason: 'an announcement without cases or a case key' };
    const { store } = deps.cases;
    const current = await store.get(key);
    if (!current?.pendingAnnouncement) return { kind: 'skipped', reason: `case ${key}: nothing left to announce` };
    const { message, notice } = buildAnnouncement(current);
    const { messageId } = await publisher.publish(message);
    await publishNotice(deps.notices, notice, logger);
    const announced = current.pendingAnnouncement;
    const stamp = current.updatedAt;
    await updateCase(store, key, (latest) => {
      if (!latest || latest.pendingAnnouncement !== announced || latest.updatedAt !== stamp) return undefined;
      const { pendingAnnouncement: _done, ...rest } = latest;
      return { ...rest, version: latest.version + 1 };
    });
    return { kind: 'announced', caseKey: key, state: announced, messageId };
  }

  async function processRecord(record: DynamoDBRecord, logger: Logger): Promise<RecordOutcome> {
    if (matchesAnnouncementFilter(record)) return announce(record, logger);
    if (!matchesAlertFilter(record)) {
      return { kind: 'skipped', reason: `not a new rollback failure (${record.eventName ?? 'no event name'})` };
    }
    return alertEvent(await readAlertImage(record), logger);
  }

  return async (event, context) => {
    const requestId = context?.awsRequestId;
    const batchLogger = withFields(deps.logger, { requestId });
    const batchItemFailures: { itemIdentifier: string }[] = [];
    const counts = { skipped: 0, duplicate: 0, published: 0, failed: 0, linked: 0, digested: 0, announced: 0 };
    const records = event.Records ?? [];
    for (const [index, record] of records.entries()) {
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      const logger = withFields(batchLogger, recordContext(record));
      try {
        const outcome = await processRecord(record, logger);
        counts[outcome.kind] += 1;
        logger.log(outcome.kind === 'skipped' ? 'debug' : 'info', outcomeMessage(outcome.kind), {
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

/** The log message of an outcome (`alert published`, `case linked`...), which the local console turns into lines. */
function outcomeMessage(kind: RecordOutcome['kind']): string {
  switch (kind) {
    case 'linked':
      return 'alert not sent: event linked to its case';
    case 'digested':
      return 'alert deferred to the digest';
    case 'announced':
      return 'case change announced';
    default:
      return `alert ${kind}`;
  }
}
