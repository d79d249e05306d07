import { createRequire } from 'node:module';

/** The webhook half of the official Voucherify Node SDK (npm `voucherify`, src/utils.js), which ships no types. */
interface SdkUtils {
  webhooks: { verifySignature(signature: string, message: unknown, secretKey: string): boolean };
}

const sdkUtils = createRequire(__filename)('voucherify/src/utils') as SdkUtils;

/**
 * Whether an app built on the official SDK would accept this delivery: it hands `verifySignature` either the raw text
 * (HMAC over the string) or the body its JSON middleware parsed (HMAC over `JSON.stringify` of it). Express's
 * `express.json()` parses objects and arrays only (strict mode) and answers 400 to anything else, so nothing else is
 * ever verified in that second way.
 */
export function sdkAccepts(body: Buffer, signature: string, secret: string): boolean {
  const text = body.toString('utf8');
  if (sdkUtils.webhooks.verifySignature(signature, text, secret)) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  return sdkUtils.webhooks.verifySignature(signature, parsed, secret);
}
