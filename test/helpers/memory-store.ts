import type { EventRecord } from '../../functions/core/shared/event-record';
import type { EventStore, PutOutcome } from '../../functions/core/shared/ports';

/**
 * An in-memory EventStore for pure unit tests of the core's decisions. Integration tests use DynamoDB Local instead.
 */
export class MemoryEventStore implements EventStore {
  readonly records = new Map<string, EventRecord>();
  failWith?: Error;

  async putIfAbsent(record: EventRecord): Promise<PutOutcome> {
    if (this.failWith) throw this.failWith;
    if (this.records.has(record.eventId)) return 'exists';
    this.records.set(record.eventId, record);
    return 'created';
  }
}
