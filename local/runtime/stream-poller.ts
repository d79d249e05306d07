import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describeBatch, type StreamBatchInfo, toLambdaRecord } from './lambda-stream';

/**
 * Plays Lambda's event source mapping for DynamoDB Local's stream: reads every shard (parents before children, new
 * shards as they appear), applies the mapping's filter, hands batches shaped exactly as Lambda delivers them to a
 * handler, and retries what the handler reports as failed the way Lambda does (from the lowest failed sequence number,
 * splitting the batch when the function throws, up to a retry cap, then an on-failure hook in place of the DLQ).
 */
export interface StreamPollerOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  /** The function, as Lambda calls it. */
  readonly invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** The event source filter; records it drops are skipped, as Lambda does (they never reach the function). */
  readonly filter?: (record: DynamoDBRecord) => boolean;
  /** @default 10 */
  readonly batchSize?: number;
  /** Where to start in the shards present at start. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Retries of a failing batch before it is given up (the mapping's `retryAttempts`). @default 10 */
  readonly retryAttempts?: number;
  /** Split a batch in two when the function throws (the mapping's `bisectBatchOnError`). @default true */
  readonly bisectBatchOnError?: boolean;
  /** Lambda polls each shard about four times a second when it is idle. @default 250 */
  readonly pollIntervalMs?: number;
  /** Wait before retry n (1-based). @default 100 ms doubling, at most 2 s */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Records given up after the last retry. In AWS the on-failure destination (the DLQ) then gets a message that
   * describes the batch, not its records: `given.batch` is that description (see on-failure.ts). Awaited before the
   * shard moves on, as Lambda sends to the destination before it checkpoints.
   */
  readonly onGiveUp?: (
    records: readonly DynamoDBRecord[],
    reason: string,
    given: { readonly batch: StreamBatchInfo; readonly invokeCount: number },
  ) => void | Promise<void>;
  /** Polling problems (not handler outcomes). */
  readonly log?: (line: string) => void;
}

interface ShardState {
  readonly id: string;
  readonly parentId?: string;
  readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
  iterator?: string;
  lastSequence?: string;
  /** Iterators refused in a row as trimmed (see `pollShard`). */
  trims: number;
  finished: boolean;
}

const SHARD_REFRESH_MS = 5_000;

export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private readonly stopController = new AbortController();
  private loop?: Promise<void>;
  private shardsReadAt = 0;
  private readonly batchSize: number;
  private readonly retryAttempts: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: StreamPollerOptions) {
    this.batchSize = options.batchSize ?? 10;
    this.retryAttempts = options.retryAttempts ?? 10;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(2_000, 100 * 2 ** (attempt - 1)));
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Starts polling in the background; resolves once the shards present now are known. */
  async start(): Promise<void> {
    await this.refreshShards(true);
    this.loop = this.run();
  }

  /** Stops polling and waits for the batch in hand to finish (a retry wait is cut short). */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = setTimeout(done, ms);
      const signal = this.stopController.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let read = 0;
      try {
        if (Date.now() - this.shardsReadAt > SHARD_REFRESH_MS) await this.refreshShards(false);
        for (const shard of this.readyShards()) {
          if (this.stopped) break;
          read += await this.pollShard(shard);
        }
      } catch (error) {
        this.log(`stream poller: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        await this.sleep(1_000);
      }
      if (read === 0) await this.sleep(this.pollIntervalMs);
    }
  }

  private async refreshShards(initial: boolean): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        // Shards that appear later are read from their start, or their first records would be lost.
        const position = initial ? (this.options.startingPosition ?? 'TRIM_HORIZON') : 'TRIM_HORIZON';
        this.shards.set(shard.ShardId, {
          id: shard.ShardId,
          ...(shard.ParentShardId ? { parentId: shard.ParentShardId } : {}),
          initialPosition: position,
          trims: 0,
          // LATEST on a closed shard would read nothing: it is done.
          finished: position === 'LATEST' && closed,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.shardsReadAt = Date.now();
  }

  /** Open-for-reading shards whose parent (if we know it) has been read to its end: Lambda's per-key ordering. */
  private readyShards(): ShardState[] {
    return [...this.shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      return parent === undefined || parent.finished;
    });
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    const position =
      shard.lastSequence && shard.trims < 2
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: shard.lastSequence }
        : { ShardIteratorType: shard.trims > 0 ? ('TRIM_HORIZON' as const) : shard.initialPosition };
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: shard.id, ...position }),
    );
    return ShardIterator;
  }

  /** Reads once from a shard and delivers what passes the filter; returns how many records were read. */
  private async pollShard(shard: ShardState): Promise<number> {
    shard.iterator ??= await this.iteratorFor(shard);
    if (!shard.iterator) {
      shard.finished = true;
      return 0;
    }
    let result: GetRecordsCommandOutput;
    try {
      result = await this.options.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 100 }));
    } catch (error) {
      if (error instanceof Error && error.name === 'ExpiredIteratorException') {
        shard.iterator = undefined; // re-read from the last delivered record
        return 0;
      }
      if (error instanceof Error && error.name === 'TrimmedDataAccessException') {
        // DynamoDB Local numbers stream records across all its tables, so an iterator taken while this shard was empty
        // points before its first record and is refused as trimmed once another table has written (found by
        // npm run storm: the poller retried it forever and no alert went out). Go on after the last delivered record;
        // if that is refused too (records really trimmed), from the oldest one still there, as Lambda does.
        shard.trims += 1;
        shard.iterator = undefined;
        return 0;
      }
      throw error;
    }
    shard.trims = 0;
    const records = result.Records ?? [];
    const lambdaRecords = records.map((r) => toLambdaRecord(r, this.options.streamArn, this.options.region));
    const matching = this.options.filter ? lambdaRecords.filter(this.options.filter) : lambdaRecords;
    for (let i = 0; i < matching.length && !this.stopped; i += this.batchSize) {
      await this.deliver(matching.slice(i, i + this.batchSize), shard.id);
    }
    if (this.stopped) return records.length;
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) shard.lastSequence = last;
    shard.iterator = result.NextShardIterator;
    if (!shard.iterator) {
      shard.finished = true;
      this.shardsReadAt = 0; // a closed shard means children may have appeared
    }
    return records.length;
  }

  /** Invokes the function with a batch until it succeeds, retrying as Lambda does. */
  private async deliver(batch: readonly DynamoDBRecord[], shardId: string): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0 && !this.stopped; attempt += 1) {
      let failedFrom: number;
      let reason: string;
      try {
        const response = await this.options.invoke({ Records: [...pending] });
        const failures = response?.batchItemFailures ?? [];
        if (failures.length === 0) return;
        // Lambda resumes from the lowest reported sequence number; an empty or unknown identifier fails the batch.
        const reported = new Set(failures.map((f) => f.itemIdentifier));
        const index = pending.findIndex((r) => reported.has(r.dynamodb?.SequenceNumber ?? ''));
        failedFrom = index < 0 || failures.some((f) => !f.itemIdentifier) ? 0 : index;
        reason = `the function reported ${failures.length} of ${pending.length} records as failed`;
      } catch (error) {
        if ((this.options.bisectBatchOnError ?? true) && pending.length > 1) {
          const middle = Math.ceil(pending.length / 2);
          await this.deliver(pending.slice(0, middle), shardId);
          await this.deliver(pending.slice(middle), shardId);
          return;
        }
        failedFrom = 0;
        reason = `the function failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      }
      pending = pending.slice(failedFrom);
      if (attempt > this.retryAttempts) {
        await this.options.onGiveUp?.(pending, `${reason}, after ${this.retryAttempts} retries`, {
          batch: describeBatch(pending, shardId, this.options.streamArn),
          invokeCount: attempt,
        });
        return;
      }
      await this.sleep(this.retryDelayMs(attempt));
    }
  }
}
