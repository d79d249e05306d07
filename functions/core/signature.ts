import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Voucherify signs with. Header names are case-insensitive; adapters pass them lowercased. */
export const SIGNATURE_HEADER = 'x-voucherify-signature';

const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

/** Why a request is not proven to come from Voucherify (or `ok`). */
export type SignatureVerdict =
  | { ok: true; form: 'raw' | 'compact'; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** Lowercase hex HMAC-SHA256 of `body`, keyed with the secret's UTF-8 bytes: what Voucherify puts in the header. */
export function sign(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Checks `header` against the HMAC of the raw body under every active secret (several are allowed, so a secret can be
 * rotated without downtime), then, only if none matches, against the body with whitespace outside strings removed:
 * Voucherify's docs sign the compact form, and a proxy may have pretty-printed it. Never re-serialises the JSON.
 * Comparison is constant-time on the 32 decoded bytes.
 */
export function verifySignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): SignatureVerdict {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const given = header.trim();
  if (!SIGNATURE_HEX.test(given)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(given, 'hex');

  const raw = matchingSecret(body, expected, secrets);
  if (raw >= 0) return { ok: true, form: 'raw', secretIndex: raw };

  const compact = stripJsonWhitespace(body);
  if (compact !== body) {
    const index = matchingSecret(compact, expected, secrets);
    if (index >= 0) return { ok: true, form: 'compact', secretIndex: index };
  }
  return { ok: false, reason: 'mismatch' };
}

function matchingSecret(body: Buffer, expected: Buffer, secrets: readonly string[]): number {
  let found = -1;
  // Every secret is tried even after a match, so timing does not reveal which slot matched.
  for (let i = 0; i < secrets.length; i++) {
    const digest = createHmac('sha256', secrets[i] as string)
      .update(body)
      .digest();
    if (timingSafeEqual(digest, expected) && found < 0) found = i;
  }
  return found;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isJsonWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * The body with JSON whitespace outside string literals removed, byte for byte (UTF-8 untouched, escapes kept).
 * Returns the same Buffer when there is nothing to remove, so callers can skip a second HMAC.
 */
export function stripJsonWhitespace(body: Buffer): Buffer {
  let inString = false;
  let escaped = false;
  let removed = 0;
  const out = Buffer.allocUnsafe(body.length);
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (isJsonWhitespace(byte)) {
      removed++;
      continue;
    }
    out[i - removed] = byte;
  }
  return removed === 0 ? body : out.subarray(0, body.length - removed);
}
