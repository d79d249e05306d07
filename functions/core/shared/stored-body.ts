import { createHash } from 'node:crypto';
import { decodeBody } from './body-codec';
import { ReceiverError } from './errors';
import type { BodyStore } from './ports';

/**
 * The largest stored (encoded) body kept inside its DynamoDB item. An item holds at most 400 KB, attribute names
 * included; 32 KiB stay for everything else (key, status, times, up to 14 lifted fields of at most 1 KiB, up to 21
 * validation issues, the index keys). A larger body goes to the {@link BodyStore}, and the item keeps a reference.
 * Compressed first, so only bodies of roughly 1.5 MB and more of typical Voucherify JSON overflow.
 */
export const INLINE_BODY_MAX_BYTES = 400 * 1024 - 32 * 1024;

/** A stored body's reference points at nothing: the object expired (retention) or was erased. */
export class StoredBodyMissingError extends ReceiverError {
  override name = 'StoredBodyMissingError';
}

/**
 * Where an overflowing body of event `eventId` is kept, inside the store: `bodies/<sha256 of the event key>/<sha256 of
 * the bytes>`. Hashing the key keeps any id (slashes, `..`, 256 bytes of anything) a plain path; the bytes' hash makes
 * each write land on its own object, so a second delivery of the event (a retry with another send-out id, or a replay)
 * can never replace the body the item already points at, whatever order the writes happen in.
 */
export function overflowBodyKey(eventId: string, bytes: Buffer): string {
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  return `bodies/${sha256(eventId)}/${sha256(bytes)}`;
}

/** What a stored body is read from: the item's own bytes, or the reference to them. */
export interface StoredBodyFields {
  readonly body: Buffer;
  readonly bodyEncoding: string;
  readonly bodyRef?: string;
}

/**
 * The one way to read a stored body (show, replay, the alerts, the fuzz oracle): the record as it would be with its
 * body inside the item, fetched through `bodies` when the item holds a reference. Still encoded (`bodyEncoding`).
 */
export async function withInlineBody<T extends StoredBodyFields>(
  record: T,
  bodies: Pick<BodyStore, 'get'> | undefined,
): Promise<T> {
  if (record.bodyRef === undefined) return record;
  if (!bodies)
    throw new StoredBodyMissingError(`the body is kept beside the item (${record.bodyRef}) and no store was given`);
  const { bodyRef: _ref, ...rest } = record;
  return { ...rest, body: await bodies.get(record.bodyRef) } as T;
}

/** The original bytes of a stored body, wherever it is kept (see {@link withInlineBody}). */
export async function readStoredBody(
  record: StoredBodyFields,
  bodies: Pick<BodyStore, 'get'> | undefined,
): Promise<Buffer> {
  const inline = await withInlineBody(record, bodies);
  return decodeBody(inline.body, inline.bodyEncoding);
}
