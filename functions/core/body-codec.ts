import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** How a stored body is encoded. Stored on every item, so old items stay readable when the default changes. */
export type BodyEncoding = 'identity' | 'deflate-raw';

export interface EncodedBody {
  readonly bytes: Buffer;
  readonly encoding: BodyEncoding;
}

/**
 * Compresses a raw webhook body for storage. DynamoDB bills writes per started KB of the whole item, and Voucherify's
 * JSON compresses about 3:1, so this is the largest cost lever per event. Falls back to the raw bytes when compressing
 * does not make it smaller (tiny or random bodies).
 */
export function encodeBody(raw: Buffer): EncodedBody {
  const deflated = deflateRawSync(raw);
  return deflated.length < raw.length
    ? { bytes: deflated, encoding: 'deflate-raw' }
    : { bytes: raw, encoding: 'identity' };
}

/** The original bytes of a stored body. */
export function decodeBody(bytes: Uint8Array, encoding: string): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'identity':
      return buffer;
    case 'deflate-raw':
      return inflateRawSync(buffer);
    default:
      throw new Error(`unknown body encoding "${encoding}"`);
  }
}
