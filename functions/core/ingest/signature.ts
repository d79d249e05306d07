import { createHmac, timingSafeEqual } from 'node:crypto';
import { jsonForms } from './stringify-form';

/** The header Voucherify signs with. Header names are case-insensitive; adapters pass them lowercased. */
export const SIGNATURE_HEADER = 'x-voucherify-signature';

const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * Which bytes the signature was found to cover:
 * - `raw`: the body exactly as received;
 * - `compact`: the body with whitespace outside strings removed (Voucherify's docs sign the compact form, and a proxy
 *   may have pretty-printed it);
 * - `stringify`: `JSON.stringify` of the parsed body, which is what the official Node SDK
 *   (`utils.webhooks.verifySignature` in npm `voucherify`) recomputes, so a delivery whose bytes differ only in how
 *   the same JSON is written (`\u00e9` for `é`, `\/` for `/`, `300.0` for `300`) is accepted here as it is there.
 */
export type SignedForm = 'raw' | 'compact' | 'stringify';

/** Why a request is not proven to come from Voucherify (or `ok`, with the bytes the signature covers). */
export type SignatureVerdict =
  | { ok: true; form: SignedForm; secretIndex: number; signedBytes: Buffer }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** Lowercase hex HMAC-SHA256 of `body`, keyed with the secret's UTF-8 bytes: what Voucherify puts in the header. */
export function sign(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Checks `header` against the HMAC of the raw body under every active secret (several are allowed, so a secret can be
 * rotated without downtime). Only if none matches, and only if the body is JSON, it tries the two other forms of the
 * same JSON value (see {@link SignedForm}). The verdict carries the bytes that matched: the caller stores and parses those, never the
 * received variant, so what is kept is exactly what Voucherify signed, and every variant of one signed delivery that
 * gets through is the same stored event (the same id, or the same hash of the signed bytes).
 *
 * Refusing costs the same for any shape: every form is computed by a linear pass over the bytes (no parse), so an
 * unsigned body costs a few passes over its bytes however it is nested (`npm run bench`, section 4c).
 *
 * Hex is read case-insensitively: Voucherify sends lower case; upper case decodes to the same 32 bytes and proves
 * exactly as much (the SDK compares strings and would refuse it; SECURITY.md says why we do not). Comparison is
 * constant-time on the decoded bytes.
 */
export function verifySignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  which: 'all' | 'raw' = 'all',
): SignatureVerdict {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const given = header.trim();
  if (!SIGNATURE_HEX.test(given)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(given, 'hex');

  const raw = matchingSecret(body, expected, secrets);
  if (raw >= 0) return { ok: true, form: 'raw', secretIndex: raw, signedBytes: body };
  if (secrets.length === 0 || which === 'raw') return { ok: false, reason: 'mismatch' };

  // The fallback forms are forms of a JSON value: a body that is not JSON has none (the SDK, which parses first, would
  // refuse it too, and `nu<TAB>ll` would otherwise pass as `null`). One linear pass tells, and writes the stringify form.
  const forms = jsonForms(body);
  if (forms === undefined) return { ok: false, reason: 'mismatch' };
  const compact = stripJsonWhitespace(body);
  if (compact !== body) {
    const index = matchingSecret(compact, expected, secrets);
    if (index >= 0) return { ok: true, form: 'compact', secretIndex: index, signedBytes: compact };
  }
  const stringified = forms.stringified;
  if (stringified && !stringified.equals(body) && !stringified.equals(compact)) {
    const index = matchingSecret(stringified, expected, secrets);
    if (index >= 0) return { ok: true, form: 'stringify', secretIndex: index, signedBytes: stringified };
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
