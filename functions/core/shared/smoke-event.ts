/**
 * Events `npm run smoke` sends to prove a deployment carry ids with this prefix. Real Voucherify ids never start with
 * it (they are `evt_`, `evrrf_` and the like), so the alert of a smoke event can say so in its subject and nobody on
 * call acts on it.
 */
export const SMOKE_EVENT_PREFIX = 'smoke_';

/** True for an event id that `npm run smoke` made. */
export function isSmokeEvent(eventId: string): boolean {
  return eventId.startsWith(SMOKE_EVENT_PREFIX);
}
