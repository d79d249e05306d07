import type { EventRecord } from '../shared/event-record';
import type { EventStore } from '../shared/ports';
import type { ErasureLookup } from './erase';
import { eraseEventRecord } from './erased-event';
import { customerKey } from './redact';

/**
 * A new event of a customer who was erased is stored erased: before the write, one read of the customer's erasure
 * record (only for events that name a customer). The data then never reaches the table, the stream, the alert or a
 * backup. The lookup throws `StorageUnavailableError` when it cannot tell, which answers 503 and Voucherify retries,
 * as for a failed write.
 */
export async function eraseOnArrival(record: EventRecord, lookup: ErasureLookup): Promise<EventRecord> {
  if (record.customerId === undefined) return record;
  const mark = await lookup.find(customerKey(record.customerId));
  return mark ? eraseEventRecord(record, mark).record : record;
}

/**
 * An event store that stores events of erased customers erased (see {@link eraseOnArrival}). Every way an event is
 * stored goes through an `EventStore` (the webhook's ingest core, `reconcile --import`), so wrapping the store covers
 * them all without the ingest decision knowing about erasure.
 */
export function erasingStore(store: EventStore, lookup: ErasureLookup): EventStore {
  return { putIfAbsent: async (record) => store.putIfAbsent(await eraseOnArrival(record, lookup)) };
}
