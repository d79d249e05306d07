/**
 * DynamoDB stream records and batches in the shapes Lambda uses: a record as a function receives it, and a batch as
 * the on-failure destination describes it. The stream poller makes both; the on-failure destination reads them back.
 */
import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { toStreamImage } from './stream-image';

/** A stream record from DynamoDB Streams' GetRecords as Lambda hands it to a function. */
export function toLambdaRecord(record: StreamsRecord, streamArn: string, region: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    ...(record.eventID ? { eventID: record.eventID } : {}),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? region,
    dynamodb: {
      // Lambda sends epoch seconds; the SDK parsed them into a Date.
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(stream.Keys ? { Keys: toStreamImage(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: toStreamImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toStreamImage(stream.OldImage) } : {}),
      ...(stream.SequenceNumber ? { SequenceNumber: stream.SequenceNumber } : {}),
      ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
      ...(stream.StreamViewType ? { StreamViewType: stream.StreamViewType } : {}),
    },
    eventSourceARN: streamArn,
  };
}

/** `DDBStreamBatchInfo`: what Lambda says about a batch it gave up. */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord?: string;
  readonly approximateArrivalOfLastRecord?: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

const arrival = (record: DynamoDBRecord | undefined): string | undefined => {
  const seconds = record?.dynamodb?.ApproximateCreationDateTime;
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/** The batch a poller gives up, described as Lambda describes it. */
export function describeBatch(records: readonly DynamoDBRecord[], shardId: string, streamArn: string): StreamBatchInfo {
  const first = records[0];
  const last = records[records.length - 1];
  const firstArrival = arrival(first);
  const lastArrival = arrival(last);
  return {
    shardId,
    startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
    endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
    ...(firstArrival ? { approximateArrivalOfFirstRecord: firstArrival } : {}),
    ...(lastArrival ? { approximateArrivalOfLastRecord: lastArrival } : {}),
    batchSize: records.length,
    streamArn,
  };
}
