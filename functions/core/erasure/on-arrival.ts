import type { EventRecord } from '../shared/event-record';
import type { ErasureLookup } from './erase';
import { eraseEventRecord } from './erased-event';
import { customerKey } from './redact';

/**
 * A new event of a customer who was erased is stored erased: before the write, one read of the customer's erasure
 * record (only for events that name a customer). The data then never reaches the table, the stream, the alert email
 * or a backup. The lookup throws `StorageUnavailableError` when it cannot tell, which answers 503 and Voucherify
 * retries, as for a failed write.
 */
export async function eraseOnArrival(record: EventRecord, lookup: ErasureLookup | undefined): Promise<EventRecord> {
  if (lookup === undefined || record.customerId === undefined) return record;
  const mark = await lookup.find(customerKey(record.customerId));
  return mark ? eraseEventRecord(record, mark).record : record;
}
