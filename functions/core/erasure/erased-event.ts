import { decodeBody, encodeBody } from '../shared/body-codec';
import type { EventRecord } from '../shared/event-record';
import { redactPayload } from './redact';

/**
 * The mark an erased item carries (`show` prints it): when its personal data was removed and under which erasure
 * (the record `erase --status` reads).
 */
export interface ErasureMark {
  /** ISO time the item was erased. */
  readonly at: string;
  /** The erasure this item was erased under (one per customer, see `ErasureRecord`). */
  readonly erasureId: string;
}

/** The lifted attributes that name the person; erasing removes them (and with them the `byCustomer` index entry). */
export const PERSONAL_FIELDS = ['customerId', 'customerSourceId'] as const satisfies readonly (keyof EventRecord)[];

/** What erasing changes in one event, for `--dry-run` and the report. */
export interface EventErasure {
  /** The record as it is stored after erasure. */
  readonly record: EventRecord;
  /** Lifted attributes removed. */
  readonly removedFields: readonly string[];
  /** Whether the body changed (false for a body that is not JSON: see {@link eraseEventRecord}). */
  readonly bodyChanged: boolean;
}

/**
 * The one place an event's body is read and rewritten for erasure. Today every body is inline (`record.body`); a
 * body kept elsewhere (an overflow object) is read and written through a `BodyStore` port by the caller, which hands
 * the bytes here and stores the bytes this returns. Returns the body's new bytes and encoding.
 */
export function redactBody(raw: Buffer): { readonly raw: Buffer; readonly changed: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    // Not JSON: the receiver cannot tell which bytes are personal, so none are kept. (Such a body names no customer
    // the receiver could read, so it is only reached when a caller asks for it explicitly.)
    return { raw: Buffer.from(JSON.stringify({ erased: ERASED_BODY_NOTE })), changed: true };
  }
  const redacted = Buffer.from(JSON.stringify(redactPayload(parsed)));
  return { raw: redacted, changed: redacted.toString('utf8') !== JSON.stringify(parsed) };
}

const ERASED_BODY_NOTE = 'the body was not JSON; it was removed whole';

/**
 * An event record with the customer's personal data removed: the body redacted (re-encoded; the stored bytes no longer
 * match Voucherify's signature, which `show` says), the lifted customer attributes removed, the mark added. Ids,
 * amounts, codes, failure codes, type, status and times stay. Pure.
 */
export function eraseEventRecord(record: EventRecord, mark: ErasureMark): EventErasure {
  const { raw, changed } = redactBody(decodeBody(record.body, record.bodyEncoding));
  const encoded = encodeBody(raw);
  const removedFields = PERSONAL_FIELDS.filter((name) => record[name] !== undefined);
  const kept: Record<string, unknown> = { ...record };
  for (const name of PERSONAL_FIELDS) delete kept[name];
  return {
    record: {
      ...(kept as unknown as EventRecord),
      body: encoded.bytes,
      bodyEncoding: encoded.encoding,
      bodyBytes: raw.length,
      erased: mark,
    },
    removedFields,
    bodyChanged: changed,
  };
}
