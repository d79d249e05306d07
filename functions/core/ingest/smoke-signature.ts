import { eventKey } from '../shared/event-record';
import type { SecretSource } from '../shared/ports';
import { isSmokeEvent } from '../shared/smoke-event';
import { parseJsonBody } from './json-body';
import { type SignatureVerdict, verifySignature } from './signature';

/**
 * The smoke secret: what `npm run smoke` signs with, so whoever runs the smoke needs no webhook secret and cannot
 * sign a real-looking event. A delivery it signs is accepted only when the event id it would be stored under starts
 * with `smoke_` (real Voucherify ids never do), so it can neither pass for a real event (its alert says "[smoke
 * test]") nor take a real event's id first. A separate step from the webhook signature, tried only when that one did
 * not match: a Voucherify delivery never pays for it.
 */
export type SmokeVerdict =
  | { readonly ok: true; readonly verdict: Extract<SignatureVerdict, { ok: true }> }
  | { readonly ok: false; readonly reason: 'no smoke secret' | 'no match' | 'not a smoke event id' };

/**
 * Checks `header` against the smoke secret(s), over the raw body only (the smoke signs exactly what it sends, so the
 * fallback forms a proxy may cause are not needed), then the event id.
 */
export async function verifySmokeSignature(
  body: Buffer,
  header: string | undefined,
  smokeSecrets: SecretSource,
): Promise<SmokeVerdict> {
  const secrets = await smokeSecrets.get();
  if (secrets.length === 0) return { ok: false, reason: 'no smoke secret' };
  const verdict = verifySignature(body, header, secrets, 'raw');
  if (!verdict.ok) return { ok: false, reason: 'no match' };
  const parsed = parseJsonBody(body);
  const eventId = eventKey(parsed.ok ? parsed.value : undefined, verdict.signedBytes);
  if (!isSmokeEvent(eventId)) return { ok: false, reason: 'not a smoke event id' };
  return { ok: true, verdict };
}
