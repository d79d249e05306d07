/**
 * The alerts function's on-failure destination, as Lambda fills it for a DynamoDB stream source, and the way back from
 * one of its messages to the events it describes.
 *
 * When the event source mapping gives a batch up (retries exhausted, or the records grew too old), Lambda does not send
 * the records: it sends one message that *describes* the batch (shard, first and last sequence numbers, stream ARN).
 * The records themselves stay in the stream for 24 hours; `readFailedBatch` reads that range back as the records
 * Lambda would hand the function, so they can be handed to it again once the cause is fixed (the function's alert
 * marker keeps that from mailing twice). After 24 hours the events are still in the table: docs/alerts.md shows how to
 * find the rollback failures that were never alerted.
 */
import { randomUUID } from 'node:crypto';
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { type StreamBatchInfo, toLambdaRecord } from './lambda-stream';

/** One message on the on-failure destination (an SQS queue here), in Lambda's format for stream sources. */
export interface OnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: StreamBatchInfo;
}

/** The message Lambda would put on the on-failure destination for a batch given up after `invokeCount` invocations. */
export function onFailureRecord(
  batch: StreamBatchInfo,
  options: { functionArn: string; invokeCount: number; functionError?: string; now?: Date },
): OnFailureRecord {
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: options.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: options.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(options.functionError ? { functionError: options.functionError } : {}),
    },
    version: '1.0',
    timestamp: (options.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: batch,
  };
}

/** Reads an on-failure message (the SQS body), checking that it describes a stream batch. */
export function parseOnFailureRecord(body: string): OnFailureRecord {
  const parsed = JSON.parse(body) as Partial<OnFailureRecord>;
  const info = parsed.DDBStreamBatchInfo;
  if (!info?.shardId || !info.startSequenceNumber || !info.endSequenceNumber || !info.streamArn)
    throw new Error('not an on-failure record of a DynamoDB stream batch (no DDBStreamBatchInfo)');
  return parsed as OnFailureRecord;
}

/** At most this many GetRecords calls per batch read back: a batch is at most 10,000 records. */
const MAX_PAGES = 200;

/**
 * The records of a given-up batch, read back from the stream (shard `shardId`, from `startSequenceNumber` to
 * `endSequenceNumber`), shaped as Lambda hands them to the function. Records of other kinds between the two (the
 * marker's MODIFY, other event types) are included: filter them as the mapping does before invoking. Fails once the
 * stream no longer holds the range (24 hours).
 */
export async function readFailedBatch(
  client: DynamoDBStreamsClient,
  batch: StreamBatchInfo,
  region: string,
): Promise<DynamoDBRecord[]> {
  const end = BigInt(batch.endSequenceNumber);
  let { ShardIterator: iterator } = await client.send(
    new GetShardIteratorCommand({
      StreamArn: batch.streamArn,
      ShardId: batch.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: batch.startSequenceNumber,
    }),
  );
  const records: StreamsRecord[] = [];
  for (let page = 0; iterator && page < MAX_PAGES; page += 1) {
    const result = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    for (const record of result.Records ?? []) {
      const sequence = record.dynamodb?.SequenceNumber;
      if (sequence === undefined) continue;
      if (BigInt(sequence) > end) return records.map((r) => toLambdaRecord(r, batch.streamArn, region));
      records.push(record);
    }
    // An open shard with nothing newer yet answers an empty page: the range is complete when the last record is in.
    if (records.at(-1)?.dynamodb?.SequenceNumber === batch.endSequenceNumber) break;
    iterator = result.NextShardIterator;
  }
  return records.map((r) => toLambdaRecord(r, batch.streamArn, region));
}

/** The function ARN the local mode puts in its on-failure records (there is no deployed function to name). */
export const LOCAL_ALERTS_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:voucherify-alerts-local';

/**
 * An `onGiveUp` for the stream poller that does what the mapping's SQS on-failure destination does: one message per
 * given-up batch, describing it.
 */
export function sqsOnFailureDestination(
  sqs: SQSClient,
  queueUrl: string,
  functionArn: string = LOCAL_ALERTS_FUNCTION_ARN,
): (
  records: readonly DynamoDBRecord[],
  reason: string,
  given: { readonly batch: StreamBatchInfo; readonly invokeCount: number },
) => Promise<void> {
  return async (_records, _reason, given) => {
    const message = onFailureRecord(given.batch, { functionArn, invokeCount: given.invokeCount });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  };
}
